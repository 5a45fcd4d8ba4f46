/*
 * openapi.h — the OpenAPI 3.1 document of a route table (SPEC §12).
 *
 * Generic: it reads only struct route and the schema descriptors (router.h, schema.h),
 * the same declarations that route and validate requests, so the document cannot drift
 * from what the service does. A worker builds it once at start-up and answers
 * GET /openapi.json with the cached text.
 *
 * What is derived rather than declared:
 *  - operationId: method and path, "get_users_user_id" (unique: the router refuses two
 *    routes with the same method and path);
 *  - statuses the router and runtime produce by themselves: 422 for a route with path,
 *    query or body declarations, 413 and 415 for a route with a body, 503 for
 *    ROUTE_NEEDS_DB, 500 for every route; they are added to the route's error_statuses;
 *  - request models (route bodies) get additionalProperties: false, as the validator
 *    rejects unknown fields; FIELD_READONLY fields are readOnly, FIELD_SECRET writeOnly;
 *  - formats: the field's own, else int64 for FIELD_INT, email for FIELD_EMAIL and
 *    password for FIELD_SECRET.
 */
#ifndef WORKER_OPENAPI_H
#define WORKER_OPENAPI_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "worker/router.h"

/* The document's "info" object. */
struct openapi_info {
    const char *title;         /* APP_NAME */
    const char *version;       /* the build's APP_VERSION */
    const char *description;   /* or NULL */
    const char *contact_email; /* info.contact.email, or NULL */
};

/*
 * Builds the document of a route table as a cJSON tree (the caller owns it). Components
 * are the schemas the routes use as body or response, with their nested item schemas,
 * sorted by name, plus HTTPValidationError, ValidationError and HTTPError.
 * Returns NULL, after logging why, on allocation failure or when the table cannot be
 * described (two different schemas with one name, a name clashing with a built-in one).
 */
cJSON *openapi_document(const struct route *routes, size_t nroutes,
                        const struct openapi_info *info);

/* The same document as compact JSON text (the caller frees it with cJSON_free); NULL as
 * above. */
char *openapi_build(const struct route *routes, size_t nroutes, const struct openapi_info *info);

#endif
