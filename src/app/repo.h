/*
 * repo.h — what every repository (repo_*.c) returns, and the few helpers they share.
 *
 * A repository function runs its prepared statements (registered with db_register, so
 * they are prepared once per connection) and reports a small status; on success the
 * resource comes back as ready-made JSON. Handlers map the status to HTTP and never
 * see libpq.
 */
#ifndef APP_REPO_H
#define APP_REPO_H

#include <stddef.h>

enum repo_status {
    REPO_OK,            /* done; result filled */
    REPO_NOT_FOUND,     /* the addressed row (or its owner) does not exist */
    REPO_CONFLICT,      /* a unique constraint said no (duplicate email) */
    REPO_LIMIT_REACHED, /* the owner already has ITEMS_PER_USER items */
    REPO_UNAVAILABLE,   /* no connection, lost connection or a timeout: answer 503 */
    REPO_ERROR          /* anything else: answer 500, result.error says why (log only) */
};

struct repo_result {
    long long id;    /* the resource's id (for Location), 0 for lists */
    char *json;      /* the resource or list as JSON (malloc'd; the caller takes it) */
    char error[200]; /* why it failed, "statement: SQLSTATE message", for the log only */
};

/* Hands every statement the repositories added (repo_*_register) to the worker's
 * connection in one db_register() call, so all are prepared on each new connection.
 * Call once, after the repo_*_register functions and before db_open(). */
void repo_register(void);

/* Resets r: no JSON, no error. */
void repo_result_init(struct repo_result *r);

/* Frees what r still owns (its JSON, when the caller did not take it). */
void repo_result_free(struct repo_result *r);

#endif
