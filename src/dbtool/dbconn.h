/*
 * dbconn.h — dbtool's database connection: connecting with a timeout, one-line error
 * messages that never show the password, the advisory lock that serialises dbtool
 * runs, and statement execution that can tell which lock a waiting statement wants.
 *
 * Only this module and history.c talk to libpq directly for dbtool.
 */
#ifndef DBTOOL_DBCONN_H
#define DBTOOL_DBCONN_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

/* The advisory lock key all dbtool runs share: the ASCII bytes "dbtoolmg" read as a
 * big-endian 64-bit number. Advisory locks are per database, so two databases on one
 * server never wait for each other. */
#define DBCONN_LOCK_KEY     0x6462746f6f6c6d67LL
#define DBCONN_LOCK_KEY_STR "7233471973470006631"

#define DBCONN_CONNECT_TIMEOUT "10" /* seconds, unless the URL sets connect_timeout */

struct dbconn {
    PGconn *conn;
    PGconn *monitor; /* second connection, opened only to look at a waiting statement */
    char *url;
    char masked[512]; /* the URL with its password masked, for messages */
    long long lock_timeout_ms;
    bool locked;         /* holds the advisory lock */
    char lock_desc[256]; /* what the last statement waited for ("" when it did not) */
};

/*
 * Connects (connect_timeout 10 s unless the URL says otherwise, application_name
 * "dbtool"), sets client_min_messages to warning and lock_timeout to lock_timeout_ms.
 * Returns 0, or -1 with a one-line reason in err naming the masked URL.
 */
int dbconn_open(struct dbconn *c, const char *url, long long lock_timeout_ms, char *err,
                size_t errlen);

/* Releases the lock if held and closes both connections; safe to call twice. */
void dbconn_close(struct dbconn *c);

/* "message (SQLSTATE xxxxx)" of a failed result, on one line; falls back to the
 * connection's message when res is NULL. */
void dbconn_error(const struct dbconn *c, const PGresult *res, char *buf, size_t buflen);

/* The SQLSTATE of a failed result, or "" (never NULL). */
const char *dbconn_sqlstate(const PGresult *res);

/*
 * Runs a parameterised statement (text parameters). Returns the result when it is
 * PGRES_COMMAND_OK or PGRES_TUPLES_OK; otherwise clears it, writes the error into err
 * and returns NULL. The caller PQclear()s a returned result.
 */
PGresult *dbconn_query(struct dbconn *c, const char *sql, int nparams, const char *const *params,
                       char *err, size_t errlen);

/* dbconn_query for statements whose result is not needed: 0 or -1 (err set). */
int dbconn_command(struct dbconn *c, const char *sql, int nparams, const char *const *params,
                   char *err, size_t errlen);

/*
 * Runs one statement of a revision (simple query protocol, as psql would). While it
 * runs longer than half the lock_timeout (or 2 s), a second connection asks the server
 * which lock it waits for and who holds it, and keeps the answer in c->lock_desc.
 * Returns the last result (never NULL: a libpq failure gives a PGRES_FATAL_ERROR
 * result); the caller PQclear()s it.
 */
PGresult *dbconn_exec_statement(struct dbconn *c, const char *sql);

/*
 * Takes the advisory lock, polling pg_try_advisory_lock with back-off (50 ms doubling
 * to 1 s) for up to wait_s seconds. Prints "waiting for another dbtool (pid N, ...)"
 * once to out when it has to wait. Returns 0, or -1 with err.
 */
int dbconn_lock(struct dbconn *c, long long wait_s, FILE *out, char *err, size_t errlen);

/* Milliseconds from a monotonic clock. */
long long dbconn_now_ms(void);

/* Sleeps ms milliseconds (restarting after signals). */
void dbconn_sleep_ms(long long ms);

#endif
