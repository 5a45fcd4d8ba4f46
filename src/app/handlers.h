/*
 * handlers.h — the route handlers (one file per resource: users.c, items.c, meta.c)
 * and the small helpers they share (app.c).
 *
 * A handler runs only after the router has validated everything the route declares, so
 * it reads its input straight from req->path_params, req->query_params and req->json,
 * calls a repository, and replies.
 */
#ifndef APP_HANDLERS_H
#define APP_HANDLERS_H

#include "app/repo.h"
#include "common/settings.h"
#include "worker/http.h"

/* users.c */
void users_create(struct http_request *req, struct http_response *res);
void users_list(struct http_request *req, struct http_response *res);
void users_get(struct http_request *req, struct http_response *res);
void users_update(struct http_request *req, struct http_response *res);
void users_delete(struct http_request *req, struct http_response *res);

/* items.c */
void items_create(struct http_request *req, struct http_response *res);
void items_list(struct http_request *req, struct http_response *res);
void items_get(struct http_request *req, struct http_response *res);
void items_update(struct http_request *req, struct http_response *res);
void items_delete(struct http_request *req, struct http_response *res);

/* meta.c */
void meta_info(struct http_request *req, struct http_response *res);
void meta_healthz(struct http_request *req, struct http_response *res);
void meta_readyz(struct http_request *req, struct http_response *res);
/* Per-worker preparation of the service endpoints (the /info body, the head revision
 * /readyz expects). Called by app_init. */
void meta_init(const struct settings *s);

/* docs.c */
void docs_openapi_json(struct http_request *req, struct http_response *res);
/* Builds this worker's OpenAPI document, once (its title is APP_NAME). Called by app_init. */
void docs_init(const struct settings *s);

/* app.c */

/* The settings the worker runs with. */
const struct settings *app_settings(void);

/*
 * Replies with a repository outcome: REPO_OK -> `success` with out's JSON (taken; no
 * body for 204), REPO_NOT_FOUND -> 404 {"detail": not_found}, REPO_UNAVAILABLE -> 503,
 * anything else -> 500 with out->error in the log only. Frees what out still owns.
 */
void app_reply(const struct http_request *req, struct http_response *res, enum repo_status status,
               struct repo_result *out, int success, const char *not_found);

/* Replies `status` with a copy of a constant JSON text. */
void app_reply_text(const struct http_request *req, struct http_response *res, int status,
                    const char *json);

#endif
