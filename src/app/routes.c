/*
 * routes.c — the route table of the example application: every endpoint with its
 * handler, parameters, body and response schemas, statuses, summary and tag. The router
 * validates requests against it before a handler runs, and the OpenAPI document
 * (SPEC §12) is generated from it. To add an endpoint: a row here, a handler in the
 * resource's file, its SQL in the resource's repository.
 */
#include "app/app.h"
#include "app/handlers.h"
#include "app/schemas.h"

/* Documented error statuses, besides the ones every route can give (413, 415, 500). */
static const int routes_errors_none[] = {0};
static const int routes_errors_ready[] = {503, 0};
static const int routes_errors_list[] = {422, 503, 0};
static const int routes_errors_one[] = {404, 422, 503, 0};
static const int routes_errors_user_create[] = {409, 422, 503, 0};
static const int routes_errors_item_create[] = {404, 409, 422, 503, 0};

#define DB   ROUTE_NEEDS_DB
#define LIST (ROUTE_NEEDS_DB | ROUTE_RESPONSE_IS_LIST)

static const struct route routes_table[] = {
    /* method, pattern, handler, flags, path params, query, body, response, success,
     * errors, summary, tag */
    {"GET", "/info", meta_info, 0, NULL, NULL, NULL, &schemas_info, 200, routes_errors_none,
     "Application name, admin contact and item limit", "meta"},
    {"GET", "/healthz", meta_healthz, 0, NULL, NULL, NULL, &schemas_health, 200, routes_errors_none,
     "Liveness: the process answers", "meta"},
    {"GET", "/readyz", meta_readyz, DB, NULL, NULL, NULL, &schemas_ready, 200, routes_errors_ready,
     "Readiness: the database answers and is at the head revision", "meta"},
    {"GET", "/openapi.json", docs_openapi_json, 0, NULL, NULL, NULL, NULL, 200, routes_errors_none,
     "This OpenAPI document (the interactive docs are at /docs)", "meta"},

    {"POST", "/users/", users_create, DB, NULL, NULL, &schemas_user_create, &schemas_user, 201,
     routes_errors_user_create, "Create a user", "users"},
    {"GET", "/users/", users_list, LIST, NULL, &schemas_list_query, NULL, &schemas_user, 200,
     routes_errors_list, "List users with their items, ordered by id", "users"},
    {"GET", "/users/{user_id}", users_get, DB, schemas_user_id, NULL, NULL, &schemas_user, 200,
     routes_errors_one, "Get a user with their items", "users"},
    {"PATCH", "/users/{user_id}", users_update, DB, schemas_user_id, NULL, &schemas_user_update,
     &schemas_user, 200, routes_errors_one, "Update a user", "users"},
    {"DELETE", "/users/{user_id}", users_delete, DB, schemas_user_id, NULL, NULL, NULL, 204,
     routes_errors_one, "Delete a user and their items", "users"},

    {"POST", "/users/{user_id}/items/", items_create, DB, schemas_user_id, NULL,
     &schemas_item_create, &schemas_item, 201, routes_errors_item_create,
     "Create an item for a user (at most ITEMS_PER_USER each)", "items"},
    {"GET", "/items/", items_list, LIST, NULL, &schemas_list_query, NULL, &schemas_item, 200,
     routes_errors_list, "List items, ordered by id", "items"},
    {"GET", "/items/{item_id}", items_get, DB, schemas_item_id, NULL, NULL, &schemas_item, 200,
     routes_errors_one, "Get an item", "items"},
    {"PATCH", "/items/{item_id}", items_update, DB, schemas_item_id, NULL, &schemas_item_update,
     &schemas_item, 200, routes_errors_one, "Update an item", "items"},
    {"DELETE", "/items/{item_id}", items_delete, DB, schemas_item_id, NULL, NULL, NULL, 204,
     routes_errors_one, "Delete an item", "items"},
};

const struct route *app_routes(size_t *nroutes)
{
    *nroutes = sizeof routes_table / sizeof routes_table[0];
    return routes_table;
}
