/*
 * repo.c — the shared part of the repositories: the result type and how a libpq
 * outcome becomes a repo_status (see repo.h, repo_pg.h).
 */
#include "app/repo.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/repo_pg.h"
#include "common/log.h"
#include "worker/db.h"

/* Every repository's statements, gathered because db_register() takes one table. */
#define REPO_MAX_STATEMENTS 32
static struct db_statement repo_statements[REPO_MAX_STATEMENTS];
static size_t repo_nstatements;

void repo_add_statements(const struct db_statement *stmts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool known = false;
        for (size_t j = 0; j < repo_nstatements; j++) {
            known = known || strcmp(repo_statements[j].name, stmts[i].name) == 0;
        }
        if (known) {
            continue;
        }
        if (repo_nstatements == REPO_MAX_STATEMENTS) {
            /* A programming error, found the first time the worker starts. */
            log_error("event=too_many_statements max=%d", REPO_MAX_STATEMENTS);
            abort();
        }
        repo_statements[repo_nstatements++] = stmts[i];
    }
}

void repo_register(void)
{
    db_register(repo_statements, repo_nstatements);
}

void repo_result_init(struct repo_result *r)
{
    r->id = 0;
    r->json = NULL;
    r->error[0] = '\0';
}

void repo_result_free(struct repo_result *r)
{
    free(r->json);
    r->json = NULL;
}

const char *repo_int_text(char *buf, long long v)
{
    snprintf(buf, REPO_INT_TEXT, "%lld", v);
    return buf;
}

static enum repo_status repo_copy_json(const PGresult *res, int col, struct repo_result *r)
{
    size_t len = (size_t)PQgetlength(res, 0, col);
    char *json = malloc(len + 1);

    if (json == NULL) {
        snprintf(r->error, sizeof r->error, "out of memory copying a %zu-byte result", len);
        return REPO_ERROR;
    }
    memcpy(json, PQgetvalue(res, 0, col), len);
    json[len] = '\0';
    r->json = json;
    return REPO_OK;
}

enum repo_status repo_take_row(const PGresult *res, struct repo_result *out)
{
    if (PQntuples(res) == 0) {
        return REPO_NOT_FOUND;
    }
    if (PQnfields(res) != 2 || PQgetisnull(res, 0, 0) || PQgetisnull(res, 0, 1)) {
        snprintf(out->error, sizeof out->error, "unexpected result shape");
        return REPO_ERROR;
    }
    out->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    return repo_copy_json(res, 1, out);
}

enum repo_status repo_exec_row(const char *stmt, int nparams, const char *const *params,
                               struct repo_result *out)
{
    PGresult *res = db_exec(stmt, nparams, params);

    if (!db_ok(res)) {
        return repo_failure(res, stmt, out);
    }
    enum repo_status status = repo_take_row(res, out);
    PQclear(res);
    return status;
}

enum repo_status repo_exec_value(const char *stmt, int nparams, const char *const *params,
                                 struct repo_result *out)
{
    PGresult *res = db_exec(stmt, nparams, params);

    if (!db_ok(res)) {
        return repo_failure(res, stmt, out);
    }
    enum repo_status status;
    if (PQntuples(res) != 1 || PQnfields(res) != 1 || PQgetisnull(res, 0, 0)) {
        snprintf(out->error, sizeof out->error, "%s: unexpected result shape", stmt);
        status = REPO_ERROR;
    } else {
        out->id = 0;
        status = repo_copy_json(res, 0, out);
    }
    PQclear(res);
    return status;
}

enum repo_status repo_exec_found(const char *stmt, int nparams, const char *const *params,
                                 struct repo_result *out)
{
    PGresult *res = db_exec(stmt, nparams, params);

    if (!db_ok(res)) {
        return repo_failure(res, stmt, out);
    }
    enum repo_status status = PQntuples(res) > 0 ? REPO_OK : REPO_NOT_FOUND;
    PQclear(res);
    return status;
}

/* SQLSTATEs after which the same request may well succeed: answer 503 + Retry-After. */
static const char *const repo_retryable[] = {
    "57014", /* query_canceled: statement_timeout */
    "55P03", /* lock_not_available: lock_timeout */
    "40001", /* serialization_failure */
    "40P01", /* deadlock_detected */
    "57P01", /* admin_shutdown: the server is going away */
    "57P03", /* cannot_connect_now: the server is starting */
};

enum repo_status repo_failure(PGresult *res, const char *stmt, struct repo_result *r)
{
    if (res == NULL) {
        return REPO_UNAVAILABLE;
    }
    const char *state = db_sqlstate(res);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    enum repo_status status = REPO_ERROR;

    for (size_t i = 0; i < sizeof repo_retryable / sizeof repo_retryable[0]; i++) {
        if (strcmp(state, repo_retryable[i]) == 0) {
            status = REPO_UNAVAILABLE;
        }
    }
    snprintf(r->error, sizeof r->error, "%s: %s %s", stmt, state[0] ? state : "-",
             msg ? msg : PQresStatus(PQresultStatus(res)));
    PQclear(res);
    return status;
}

int repo_is_unique_violation(const PGresult *res, const char *constraint)
{
    const char *name = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);

    return strcmp(db_sqlstate(res), "23505") == 0 && name != NULL && strcmp(name, constraint) == 0;
}
