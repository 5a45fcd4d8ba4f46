/*
 * app.c — the application's per-worker start (app_init) and the reply helpers its
 * handlers share (handlers.h).
 */
#include "app/app.h"

#include <stdlib.h>
#include <string.h>

#include "app/handlers.h"
#include "app/repo_items.h"
#include "app/repo_meta.h"
#include "app/repo_users.h"
#include "common/log.h"

static const struct settings *app_current_settings;

void app_init(const struct settings *s)
{
    app_current_settings = s;
    repo_users_register();
    repo_items_register();
    repo_meta_register();
    repo_register();
    meta_init(s);
    docs_init(s);
}

const struct settings *app_settings(void)
{
    return app_current_settings;
}

void app_reply(const struct http_request *req, struct http_response *res, enum repo_status status,
               struct repo_result *out, int success, const char *not_found)
{
    switch (status) {
    case REPO_OK:
        if (success == 204) {
            http_reply_json(res, 204, NULL);
        } else {
            http_reply_raw(res, success, out->json);
            out->json = NULL;
        }
        break;
    case REPO_NOT_FOUND:
        http_reply_detail(res, 404, not_found);
        break;
    case REPO_UNAVAILABLE:
        if (out->error[0] != '\0') { /* a timeout or deadlock; a lost connection logs itself */
            char reason[256];
            log_warn("event=db_retry_later rid=%s reason=%s", req->request_id,
                     log_quote(out->error, reason, sizeof reason));
        }
        http_reply_unavailable(res);
        break;
    default:
        http_reply_internal_error(req, res, out->error[0] ? out->error : "unexpected outcome");
        break;
    }
    repo_result_free(out);
}

void app_reply_text(const struct http_request *req, struct http_response *res, int status,
                    const char *json)
{
    char *copy = strdup(json);

    if (copy == NULL) {
        http_reply_internal_error(req, res, "out of memory");
        return;
    }
    http_reply_raw(res, status, copy);
}
