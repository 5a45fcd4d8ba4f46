/*
 * meta.c — the service endpoints (SPEC §5):
 *
 *   GET /info     200 {"app_name", "admin_email", "items_per_user"} from the settings
 *   GET /healthz  200 {"status":"ok"}: the process answers; the database is not touched
 *   GET /readyz   200 {"status":"ready","database":"ok","schema":"<rev>"} when the
 *                 database answers and is at exactly the head revision of
 *                 MIGRATIONS_DIR; otherwise 503 {"detail":"Service Unavailable"}
 *
 * Settings do not change during a worker's life (SIGHUP replaces the workers), so the
 * /info body and the head revision are computed once, in meta_init. Why the worker is not
 * ready goes to the log, once each time the reason changes, never to the client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app/handlers.h"
#include "app/repo_meta.h"
#include "common/log.h"
#include "common/migrations.h"

static char *meta_info_body;  /* the /info JSON */
static char *meta_ready_body; /* the /readyz JSON, NULL when the head is unknown */
static char meta_head[64];    /* the head revision of MIGRATIONS_DIR, "" if unknown */
static char meta_head_error[256];
static char meta_last_reason[256]; /* the last "not ready" reason logged, "" when ready */

/* Serialises an object built by fill(); NULL on allocation failure. */
static char *meta_render(cJSON *obj)
{
    char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;

    cJSON_Delete(obj);
    return text;
}

static char *meta_render_info(const struct settings *s)
{
    cJSON *obj = cJSON_CreateObject();
    char count[32];

    snprintf(count, sizeof count, "%lld", s->items_per_user); /* exact, unlike a double */
    if (obj == NULL || !cJSON_AddStringToObject(obj, "app_name", s->app_name) ||
        !cJSON_AddStringToObject(obj, "admin_email", s->admin_email) ||
        !cJSON_AddRawToObject(obj, "items_per_user", count)) {
        cJSON_Delete(obj);
        return NULL;
    }
    return meta_render(obj);
}

static char *meta_render_ready(const char *head)
{
    cJSON *obj = cJSON_CreateObject();

    if (obj == NULL || !cJSON_AddStringToObject(obj, "status", "ready") ||
        !cJSON_AddStringToObject(obj, "database", "ok") ||
        !cJSON_AddStringToObject(obj, "schema", head)) {
        cJSON_Delete(obj);
        return NULL;
    }
    return meta_render(obj);
}

void meta_init(const struct settings *s)
{
    free(meta_info_body);
    free(meta_ready_body);
    meta_info_body = meta_render_info(s);
    meta_ready_body = NULL;
    meta_last_reason[0] = '\0';
    meta_head_error[0] = '\0';
    if (migrations_head(s->migrations_dir, meta_head, sizeof meta_head, meta_head_error,
                        sizeof meta_head_error) != 0) {
        meta_head[0] = '\0';
    } else if ((meta_ready_body = meta_render_ready(meta_head)) == NULL) {
        snprintf(meta_head_error, sizeof meta_head_error, "out of memory");
        meta_head[0] = '\0';
    }
    if (meta_head[0] == '\0') {
        char dir[256], why[300];
        log_error("event=migrations_head_failed dir=%s reason=%s",
                  log_quote(s->migrations_dir, dir, sizeof dir),
                  log_quote(meta_head_error, why, sizeof why));
    }
}

void meta_info(struct http_request *req, struct http_response *res)
{
    if (meta_info_body == NULL) {
        http_reply_internal_error(req, res, "the /info body could not be built");
        return;
    }
    app_reply_text(req, res, 200, meta_info_body);
}

void meta_healthz(struct http_request *req, struct http_response *res)
{
    app_reply_text(req, res, 200, "{\"status\":\"ok\"}");
}

/* Answers 503 and logs why, once per change of reason (probes poll often). */
static void meta_not_ready(const struct http_request *req, struct http_response *res,
                           const char *reason)
{
    if (strcmp(reason, meta_last_reason) != 0) {
        char why[300];
        snprintf(meta_last_reason, sizeof meta_last_reason, "%s", reason);
        log_warn("event=not_ready rid=%s reason=%s", req->request_id,
                 log_quote(reason, why, sizeof why));
    }
    http_reply_unavailable(res);
}

void meta_readyz(struct http_request *req, struct http_response *res)
{
    char revision[256], reason[400];
    struct repo_result out;

    if (meta_head[0] == '\0') {
        snprintf(reason, sizeof reason, "head revision unknown: %s", meta_head_error);
        meta_not_ready(req, res, reason);
        return;
    }
    repo_result_init(&out);
    switch (repo_meta_schema_revision(revision, sizeof revision, &out)) {
    case REPO_OK:
        if (strcmp(revision, meta_head) == 0) {
            if (meta_last_reason[0] != '\0') {
                log_info("event=ready schema=%s", meta_head);
                meta_last_reason[0] = '\0';
            }
            app_reply_text(req, res, 200, meta_ready_body);
            return;
        }
        snprintf(reason, sizeof reason, "database at revision \"%s\", head is %s",
                 revision[0] ? revision : "base", meta_head);
        break;
    case REPO_UNAVAILABLE:
        snprintf(reason, sizeof reason, "database unavailable%s%s", out.error[0] ? ": " : "",
                 out.error);
        break;
    default:
        snprintf(reason, sizeof reason, "%s", out.error[0] ? out.error : "unexpected outcome");
        break;
    }
    meta_not_ready(req, res, reason);
}
