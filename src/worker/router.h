/*
 * router.h — the static route table and dispatch (SPEC §4).
 *
 * A route declares its method, path pattern with typed parameters
 * ("/users/{user_id}/items/"), handler, request body schema, query parameters,
 * response schema and documented statuses. The same table drives routing,
 * validation (so a handler only ever sees valid input) and the OpenAPI document.
 *
 * Dispatch, in order: path match (trailing slash optional; no match -> 404
 * "Not Found"), method (-> 405 "Method Not Allowed" with Allow), path parameters
 * (-> 422 loc "path"), query parameters (-> 422 loc "query"), body: Content-Type
 * must be application/json when the route takes a body (-> 415), then the body
 * schema (-> 422), database availability for routes that need it (-> 503); then
 * the handler. A handler that replies nothing yields 500.
 */
#ifndef WORKER_ROUTER_H
#define WORKER_ROUTER_H

#include <stdbool.h>
#include "worker/http.h"
#include "worker/schema.h"

typedef void (*route_handler)(struct http_request *req, struct http_response *res);

enum route_flags {
    ROUTE_NEEDS_DB = 1 << 0, /* answer 503 without calling the handler while the DB is down */
    ROUTE_RESPONSE_IS_LIST = 1 << 1 /* response is an array of response_schema (OpenAPI) */
};

struct route {
    const char *method;  /* "GET", "POST", "PATCH", "DELETE" */
    const char *pattern; /* "/users/{user_id}/items/"; {name} = int path param */
    route_handler handler;
    unsigned flags;
    const struct field *path_params; /* one per {name}, in pattern order (NULL if none) */
    const struct schema *query;      /* declared query parameters, or NULL */
    const struct schema *body;       /* request body schema, or NULL (no body expected) */
    const struct schema *response;   /* response model, or NULL */
    int success_status;              /* 200, 201, 204 */
    const int *error_statuses;       /* 0-terminated list of documented error statuses */
    const char *summary;             /* one line, for OpenAPI and logs */
    const char *tag;                 /* "users", "items", "meta" */
};

/* Installs the route table (static storage, not copied) and the database probe used
 * for ROUTE_NEEDS_DB (returns true when the worker's connection is usable; NULL: no
 * probe, the database counts as available). Aborts, after logging every problem, when
 * router_table_valid() refuses the table: a broken table is a bug, found at start-up. */
void router_init(const struct route *routes, size_t nroutes, bool (*db_available)(void));

/* Checks a table without installing it (for a unit test of the application's table):
 * known method, pattern starting with '/', a handler, each {name} a whole segment
 * declared in path_params as FIELD_INT in pattern order, at most HTTP_MAX_PATH_PARAMS /
 * HTTP_MAX_QUERY_PARAMS, query parameters FIELD_INT or FIELD_BOOL. Logs each problem. */
bool router_table_valid(const struct route *routes, size_t nroutes);

/* Validates and dispatches one request, always leaving a reply in res. */
void router_dispatch(struct http_request *req, struct http_response *res);

/* The installed table, for the OpenAPI generator. */
const struct route *router_routes(size_t *nroutes);

/* Matches `path` against `pattern` (trailing slash optional); on a match returns true
 * and stores pointers to the parameter segments (not NUL-terminated; lengths in lens). */
bool router_match(const char *pattern, const char *path, const char **params, size_t *lens,
                  size_t maxparams, size_t *nparams);

#endif
