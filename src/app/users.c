/*
 * users.c — the /users endpoints (SPEC §5): validated input -> repo_users -> reply.
 *
 *   POST   /users/            201 User + Location   409 "Email already registered"
 *   GET    /users/            200 [User]
 *   GET    /users/{user_id}   200 User              404 "User not found"
 *   PATCH  /users/{user_id}   200 User              404
 *   DELETE /users/{user_id}   204                   404
 */
#include <stdio.h>
#include <string.h>

#include "app/handlers.h"
#include "app/models.h"
#include "app/password.h"
#include "app/repo_users.h"
#include "app/schemas.h"

#define USER_NOT_FOUND "User not found"

/* An email as validated (at most USER_EMAIL_MAX code points of up to 4 bytes) + NUL. */
#define USERS_EMAIL_BYTES (USER_EMAIL_MAX * 4 + 1)

/*
 * Copies `email` into buf with its domain (after the last '@') lower-cased and the
 * local part as given: the local part may be case-sensitive (RFC 5321), the domain never
 * is. Only ASCII letters change, as DNS compares names. Returns false when it is absent
 * or does not fit (neither can happen after validation).
 */
static bool users_normalize_email(const char *email, char *buf, size_t buflen)
{
    size_t len = email != NULL ? strlen(email) : buflen;

    if (len >= buflen) {
        return false;
    }
    memcpy(buf, email, len + 1);
    char *at = strrchr(buf, '@');
    for (char *p = at ? at + 1 : buf + len; *p != '\0'; p++) {
        if (*p >= 'A' && *p <= 'Z') {
            *p = (char)(*p - 'A' + 'a');
        }
    }
    return true;
}

void users_create(struct http_request *req, struct http_response *res)
{
    char email[USERS_EMAIL_BYTES], hash[PASSWORD_HASH_SIZE], why[128];
    const char *password = schema_get_string(req->json, "password");
    struct repo_result out;

    repo_result_init(&out);
    if (!users_normalize_email(schema_get_string(req->json, "email"), email, sizeof email) ||
        password == NULL) {
        http_reply_internal_error(req, res, "validated body without email or password");
        return;
    }
    switch (password_hash(password, hash, sizeof hash, why, sizeof why)) {
    case PASSWORD_BUSY: /* enough workers are hashing already (SPEC §12) */
        http_reply_unavailable(res);
        return;
    case PASSWORD_FAILED:
        http_reply_internal_error(req, res, why);
        return;
    case PASSWORD_OK:
        break;
    }
    struct user_new user = {.email = email, .hashed_password = hash};
    enum repo_status status = repo_users_create(&user, &out);
    if (status == REPO_CONFLICT) {
        http_reply_detail(res, 409, "Email already registered");
        return;
    }
    if (status == REPO_OK) {
        http_add_header(res, "Location", "/users/%lld", out.id);
    }
    app_reply(req, res, status, &out, 201, USER_NOT_FOUND);
}

void users_list(struct http_request *req, struct http_response *res)
{
    struct repo_result out;

    repo_result_init(&out);
    enum repo_status status = repo_users_list(req->query_params[SCHEMAS_QUERY_SKIP],
                                              req->query_params[SCHEMAS_QUERY_LIMIT], &out);
    app_reply(req, res, status, &out, 200, USER_NOT_FOUND);
}

void users_get(struct http_request *req, struct http_response *res)
{
    struct repo_result out;

    repo_result_init(&out);
    enum repo_status status = repo_users_get(req->path_params[0], &out);
    app_reply(req, res, status, &out, 200, USER_NOT_FOUND);
}

void users_update(struct http_request *req, struct http_response *res)
{
    struct user_patch patch = {
        .set_is_active = schema_has(req->json, "is_active"),
        .is_active = schema_get_bool(req->json, "is_active", true),
    };
    struct repo_result out;

    repo_result_init(&out);
    enum repo_status status = repo_users_update(req->path_params[0], &patch, &out);
    app_reply(req, res, status, &out, 200, USER_NOT_FOUND);
}

void users_delete(struct http_request *req, struct http_response *res)
{
    struct repo_result out;

    repo_result_init(&out);
    enum repo_status status = repo_users_delete(req->path_params[0], &out);
    app_reply(req, res, status, &out, 204, USER_NOT_FOUND);
}
