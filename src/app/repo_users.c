/*
 * repo_users.c — all SQL about users (SPEC §6): constant statements with $n
 * parameters, prepared once per connection, each call one round trip.
 *
 * The User JSON is built by PostgreSQL from an explicit column list (USER_JSON_FROM),
 * so hashed_password can never reach a response, and a user comes with their items in
 * the same statement: no query per row, whatever the page size.
 */
#include "app/repo_users.h"

#include "app/repo_pg.h"
#include "worker/db.h"

/* For each row of `rel` (columns id, email, is_active): its id and its User JSON. */
#define USER_JSON_FROM(rel)                                                                        \
    "SELECT u.id, row_to_json(r)::text AS json FROM " rel " u, LATERAL (SELECT u.id,"              \
    " u.email, u.is_active, " REPO_ITEMS_JSON_OF("u.id") " AS items) r"

/* The unique index on lower(email): its violation is the "already registered" case. */
#define USERS_EMAIL_INDEX "users_email_lower_key"

static const struct db_statement repo_users_statements[] = {
    {"users_create",
     "WITH c AS (INSERT INTO users (email, hashed_password) VALUES ($1::text, $2::text)"
     " RETURNING id, email, is_active) " USER_JSON_FROM("c"),
     2},
    {"users_get", USER_JSON_FROM("users") " WHERE u.id = $1::bigint", 1},
    {"users_list",
     "SELECT coalesce('[' || string_agg(p.json, ',' ORDER BY p.id) || ']', '[]') FROM "
     "(" USER_JSON_FROM("(SELECT id, email, is_active FROM users ORDER BY id"
                        " OFFSET $1::bigint LIMIT $2::bigint)") ") p",
     2},
    {"users_update",
     "WITH c AS (UPDATE users SET is_active = $2::boolean WHERE id = $1::bigint"
     " RETURNING id, email, is_active) " USER_JSON_FROM("c"),
     2},
    {"users_delete", "DELETE FROM users WHERE id = $1::bigint RETURNING id", 1},
};

void repo_users_register(void)
{
    repo_add_statements(repo_users_statements,
                        sizeof repo_users_statements / sizeof repo_users_statements[0]);
}

enum repo_status repo_users_create(const struct user_new *user, struct repo_result *out)
{
    const char *params[] = {user->email, user->hashed_password};
    PGresult *res = db_exec("users_create", 2, params);

    if (res != NULL && repo_is_unique_violation(res, USERS_EMAIL_INDEX)) {
        PQclear(res);
        return REPO_CONFLICT;
    }
    if (!db_ok(res)) {
        return repo_failure(res, "users_create", out);
    }
    enum repo_status status = repo_take_row(res, out);
    PQclear(res);
    return status;
}

enum repo_status repo_users_get(long long id, struct repo_result *out)
{
    char idtext[REPO_INT_TEXT];
    const char *params[] = {repo_int_text(idtext, id)};

    return repo_exec_row("users_get", 1, params, out);
}

enum repo_status repo_users_list(long long skip, long long limit, struct repo_result *out)
{
    char skiptext[REPO_INT_TEXT], limittext[REPO_INT_TEXT];
    const char *params[] = {repo_int_text(skiptext, skip), repo_int_text(limittext, limit)};

    return repo_exec_value("users_list", 2, params, out);
}

enum repo_status repo_users_update(long long id, const struct user_patch *patch,
                                   struct repo_result *out)
{
    if (!patch->set_is_active) {
        return repo_users_get(id, out);
    }
    char idtext[REPO_INT_TEXT];
    const char *params[] = {repo_int_text(idtext, id), patch->is_active ? "true" : "false"};

    return repo_exec_row("users_update", 2, params, out);
}

enum repo_status repo_users_delete(long long id, struct repo_result *out)
{
    char idtext[REPO_INT_TEXT];
    const char *params[] = {repo_int_text(idtext, id)};

    return repo_exec_found("users_delete", 1, params, out);
}
