/*
 * db.h — the worker's one PostgreSQL connection (SPEC §3, §6).
 *
 * Opened at worker start with application_name and statement_timeout; statements
 * registered by the repositories are prepared once per connection. A lost connection
 * is re-established on the next request, with back-off, so a request arriving while
 * PostgreSQL is down gets 503 quickly and the worker stays alive. Only this module and
 * the repositories include libpq-fe.h.
 */
#ifndef WORKER_DB_H
#define WORKER_DB_H

#include <stdbool.h>
#include <libpq-fe.h>
#include "common/settings.h"

struct db_statement {
    const char *name; /* prepared statement name, unique, e.g. "users_get" */
    const char *sql;  /* constant SQL with $n parameters */
    int nparams;
};

/* Registers statements to prepare on every new connection; call before db_open().
 * The array must have static storage. */
void db_register(const struct db_statement *stmts, size_t n);

/* Opens the connection (failure is logged, not fatal: the next request retries).
 * `worker_label` goes into application_name ("awesome-api worker 3"). */
void db_open(const struct settings *s, const char *worker_label);

/* Returns a usable connection, reconnecting (and re-preparing) if it was lost and the
 * back-off allows; NULL while the database is unreachable. If a transaction was left
 * open or failed, it is rolled back first. */
PGconn *db_conn(void);

/* True when db_conn() would return a connection (used for ROUTE_NEEDS_DB). */
bool db_available(void);

/*
 * Executes a registered prepared statement with text parameters (NULL = SQL NULL).
 * Returns the result (caller PQclear()s) — check PQresultStatus; SQLSTATE through
 * db_sqlstate(). Returns NULL when the connection is unusable or was lost during the
 * call (caller answers 503); the connection is then marked for reconnection.
 */
PGresult *db_exec(const char *stmt_name, int nparams, const char *const *params);

/* Transaction helpers on the worker's connection; return false on failure (connection
 * lost: answer 503). db_rollback is safe to call when no transaction is open. */
bool db_begin(void);
bool db_commit(void);
void db_rollback(void);

/* One statement of a pipelined transaction (db_transaction): a registered statement's
 * name and its text parameters. */
struct db_step {
    const char *stmt;
    int nparams;
    const char *const *params;
};

/* Most steps in one db_transaction. */
#define DB_MAX_STEPS 8

/*
 * Runs steps[0..n) as one READ COMMITTED transaction in ONE network round trip (libpq
 * pipeline mode, PostgreSQL 14+): BEGIN, each prepared statement, COMMIT and a sync go
 * out in one flush, then the results are read. The server runs them in order, each
 * statement with its own snapshot, exactly as one round trip each would. A statement that
 * fails aborts the transaction: the rest are skipped, nothing is committed (and the
 * failed transaction is rolled back here).
 * results[i] receives step i's result, which the caller PQclears; NULL for a step that
 * was skipped. Returns 1 when the transaction committed, 0 when a step failed (its
 * result says why), -1 when the connection failed (every result NULL, the connection
 * dropped: answer 503).
 */
int db_transaction(const struct db_step *steps, size_t n, PGresult **results);

/* SQLSTATE of a failed result ("23505"), or "" if none. */
const char *db_sqlstate(const PGresult *res);

/* True when `res` is a success result (COMMAND_OK or TUPLES_OK). */
bool db_ok(const PGresult *res);

void db_close(void);

#endif
