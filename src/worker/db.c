/*
 * db.c — the worker's one PostgreSQL connection (implements db.h; SPEC §3, §6).
 *
 * Life of the connection:
 * - opened by db_open() at worker start; DATABASE_URL may be a URI or a conninfo string
 *   (expand_dbname), application_name is the worker's label, statement_timeout comes
 *   from STATEMENT_TIMEOUT_MS through the startup "options", and connect_timeout is 3 s
 *   unless the URL sets its own;
 * - every statement registered with db_register() is prepared on each new connection;
 *   a failed PREPARE makes the connection unusable (closed, retried later);
 * - when a connection is lost (the server closed it while idle, or a call failed with
 *   CONNECTION_BAD) it is dropped and re-established lazily by the next request; failed
 *   attempts back off (250 ms doubling to 5 s), and meanwhile db_conn() returns NULL at
 *   once, so requests get a quick 503 and the worker stays alive;
 * - a transaction left open or failed by a previous unit of work is rolled back before
 *   the connection is handed out again.
 * The password never reaches the log: URLs are logged through settings_mask_url().
 */
#include "worker/db.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"

#define DB_CONNECT_TIMEOUT  "3"  /* seconds, unless DATABASE_URL says otherwise */
#define DB_BACKOFF_FIRST_MS 250  /* first wait after a failed connection attempt */
#define DB_BACKOFF_MAX_MS   5000 /* cap of the doubling back-off */

static struct {
    PGconn *conn;                     /* NULL while disconnected */
    const struct db_statement *stmts; /* registered by the repositories */
    size_t nstmts;
    const struct settings *settings;
    char label[64];       /* application_name */
    long long retry_at;   /* monotonic ms before which no new attempt is made */
    long long backoff_ms; /* 0 after a success */
} db;

static long long db_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The first line of a libpq message (the primary message; the rest is a hint or a
 * "LINE 1: ..." excerpt of the SQL), quoted for the log. */
static const char *db_message(const char *msg, char *buf, size_t buflen)
{
    char line[300];

    snprintf(line, sizeof line, "%.*s", (int)strcspn(msg != NULL ? msg : "", "\n"),
             msg != NULL ? msg : "");
    return log_quote(line, buf, buflen);
}

/* Server notices and warnings (and the FATAL a server sends before it closes an idle
 * connection) go to our log instead of libpq's default, stderr without a format. */
static void db_notice(void *arg, const PGresult *res)
{
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    char msg[400];
    enum log_level level = LOG_DEBUG;

    (void)arg;
    if (severity != NULL && (strcmp(severity, "WARNING") == 0 || strcmp(severity, "ERROR") == 0 ||
                             strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0)) {
        level = LOG_WARN;
    }
    log_msg(level, "event=db_notice severity=%s msg=%s", severity != NULL ? severity : "?",
            db_message(PQresultErrorMessage(res), msg, sizeof msg));
}

void db_register(const struct db_statement *stmts, size_t n)
{
    db.stmts = stmts;
    db.nstmts = n;
}

/* Drops the connection; the next use reconnects (immediately unless backing off). */
static void db_drop(const char *why)
{
    if (db.conn != NULL) {
        char msg[400];

        log_warn("event=db_connection_lost why=%s error=%s", why,
                 db_message(PQerrorMessage(db.conn), msg, sizeof msg));
        PQfinish(db.conn);
        db.conn = NULL;
    }
}

/* Records a failed attempt and schedules the next one. */
static void db_backoff(void)
{
    db.backoff_ms = db.backoff_ms == 0 ? DB_BACKOFF_FIRST_MS : db.backoff_ms * 2;
    if (db.backoff_ms > DB_BACKOFF_MAX_MS) {
        db.backoff_ms = DB_BACKOFF_MAX_MS;
    }
    db.retry_at = db_now_ms() + db.backoff_ms;
}

/* Prepares every registered statement; false (logged) on the first failure. */
static bool db_prepare_all(PGconn *conn)
{
    size_t i;

    for (i = 0; i < db.nstmts; i++) {
        const struct db_statement *st = &db.stmts[i];
        PGresult *res = PQprepare(conn, st->name, st->sql, st->nparams, NULL);
        bool ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;

        if (!ok) {
            char msg[400];

            log_error("event=db_prepare_failed stmt=%s error=%s", st->name,
                      db_message(res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(conn),
                                 msg, sizeof msg));
        }
        PQclear(res);
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Startup "options": the URL's own, then ours, so statement_timeout is always set.
 * idle_in_transaction_session_timeout (the same limit, SPEC §12): a worker stopped or
 * stuck between the statements of a transaction loses its session, and its row locks,
 * instead of blocking every writer of those rows. */
static void db_options(const PQconninfoOption *parsed, char *buf, size_t buflen)
{
    const char *theirs = "";
    const PQconninfoOption *o;

    for (o = parsed; o != NULL && o->keyword != NULL; o++) {
        if (strcmp(o->keyword, "options") == 0 && o->val != NULL) {
            theirs = o->val;
        }
    }
    snprintf(buf, buflen,
             "%s%s-c statement_timeout=%lld -c idle_in_transaction_session_timeout=%lld", theirs,
             theirs[0] ? " " : "", db.settings->statement_timeout_ms,
             db.settings->statement_timeout_ms);
}

/* True when the URL sets connect_timeout itself. */
static bool db_has_connect_timeout(const PQconninfoOption *parsed)
{
    const PQconninfoOption *o;

    for (o = parsed; o != NULL && o->keyword != NULL; o++) {
        if (strcmp(o->keyword, "connect_timeout") == 0 && o->val != NULL && o->val[0]) {
            return true;
        }
    }
    return false;
}

/* One connection attempt; on success db.conn is set and every statement prepared. */
static void db_connect(void)
{
    const char *keywords[6], *values[6];
    char options[512], masked[512], msg[400];
    PQconninfoOption *parsed;
    char *perr = NULL;
    PGconn *conn;
    int n = 0;

    settings_mask_url(db.settings->database_url, masked, sizeof masked);
    parsed = PQconninfoParse(db.settings->database_url, &perr);
    if (parsed == NULL) {
        /* settings_load() validated the URL; only out-of-memory lands here. */
        log_error("event=db_connect_failed url=%s error=%s", masked,
                  db_message(perr != NULL ? perr : "out of memory", msg, sizeof msg));
        PQfreemem(perr);
        db_backoff();
        return;
    }
    /* Later entries override earlier ones: a connect_timeout placed before dbname
     * yields to the URL's; application_name and options after it are ours. */
    if (!db_has_connect_timeout(parsed)) {
        keywords[n] = "connect_timeout";
        values[n++] = DB_CONNECT_TIMEOUT;
    }
    keywords[n] = "dbname";
    values[n++] = db.settings->database_url;
    keywords[n] = "application_name";
    values[n++] = db.label;
    db_options(parsed, options, sizeof options);
    keywords[n] = "options";
    values[n++] = options;
    keywords[n] = NULL;
    values[n] = NULL;
    PQconninfoFree(parsed);

    conn = PQconnectdbParams(keywords, values, 1);
    if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
        db_backoff();
        log_warn(
            "event=db_connect_failed url=%s retry_in_ms=%lld error=%s", masked, db.backoff_ms,
            db_message(conn != NULL ? PQerrorMessage(conn) : "out of memory", msg, sizeof msg));
        PQfinish(conn);
        return;
    }
    PQsetNoticeReceiver(conn, db_notice, NULL);
    if (!db_prepare_all(conn)) {
        PQfinish(conn);
        db_backoff();
        return;
    }
    db.conn = conn;
    db.backoff_ms = 0;
    log_info("event=db_connected url=%s statements=%zu", masked, db.nstmts);
}

void db_open(const struct settings *s, const char *worker_label)
{
    db.settings = s;
    snprintf(db.label, sizeof db.label, "%s", worker_label);
    db.backoff_ms = 0;
    db.retry_at = 0;
    db_connect();
}

/*
 * Detects a connection the server closed while we were idle (restart, idle timeout,
 * pg_terminate_backend): an idle connection has nothing to read, so readable means a
 * notice or the end. PQconsumeInput() then reads it; a closed socket turns the status
 * to CONNECTION_BAD. Called only between statements outside a transaction.
 */
static bool db_alive(void)
{
    int fd = PQsocket(db.conn);
    int round;

    for (round = 0; round < 4; round++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n;

        if (fd < 0 || PQstatus(db.conn) != CONNECTION_OK) {
            return false;
        }
        n = poll(&p, 1, 0);
        if (n < 0 && errno != EINTR) {
            return false;
        }
        if (n <= 0) {
            return true;
        }
        if (!PQconsumeInput(db.conn)) {
            return false;
        }
    }
    return PQstatus(db.conn) == CONNECTION_OK;
}

/* Connection for the next statement: reconnects when needed and allowed; NULL while
 * the database is unreachable. Does not touch an open transaction. */
static PGconn *db_use(void)
{
    if (db.conn != NULL) {
        PGTransactionStatusType ts = PQtransactionStatus(db.conn);

        if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
            return db.conn; /* mid-transaction: the caller's statements decide */
        }
        if (ts == PQTRANS_IDLE && db_alive()) {
            return db.conn;
        }
        db_drop(ts == PQTRANS_IDLE ? "closed_by_server" : "bad_state");
        db.retry_at = 0; /* reconnect right now: the server may well be back */
    }
    if (db.settings == NULL || db_now_ms() < db.retry_at) {
        return NULL;
    }
    db_connect();
    return db.conn;
}

/* Runs a transaction-control command; false when it failed. */
static bool db_command(const char *sql)
{
    PGresult *res = PQexec(db.conn, sql);
    bool ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;

    if (!ok) {
        char msg[400];

        log_warn("event=db_command_failed sql=%s error=%s", sql,
                 db_message(res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(db.conn), msg,
                            sizeof msg));
    }
    PQclear(res);
    if (!ok && PQstatus(db.conn) == CONNECTION_BAD) {
        db_drop("lost_during_command");
    }
    return ok;
}

PGconn *db_conn(void)
{
    PGconn *conn = db_use();
    PGTransactionStatusType ts;

    if (conn == NULL) {
        return NULL;
    }
    ts = PQtransactionStatus(conn);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
        log_warn("event=db_rollback_leftover state=%s", ts == PQTRANS_INTRANS ? "open" : "failed");
        if (!db_command("ROLLBACK")) {
            db_drop("rollback_failed");
            db.retry_at = 0;
            return db_use(); /* a fresh connection has no transaction */
        }
    }
    return db.conn;
}

bool db_available(void)
{
    return db_conn() != NULL;
}

PGresult *db_exec(const char *stmt_name, int nparams, const char *const *params)
{
    PGconn *conn = db_use();
    PGresult *res;

    if (conn == NULL) {
        return NULL;
    }
    res = PQexecPrepared(conn, stmt_name, nparams, params, NULL, NULL, 0);
    if (res == NULL || PQstatus(conn) == CONNECTION_BAD) {
        PQclear(res);
        db_drop("lost_during_statement");
        return NULL;
    }
    return res;
}

/* Explicit, whatever default_transaction_isolation the server or role has: the
 * repositories' locking (SELECT ... FOR NO KEY UPDATE, then a count) is written for
 * READ COMMITTED; under REPEATABLE READ it would fail with serialization errors. */
#define DB_BEGIN_SQL "BEGIN ISOLATION LEVEL READ COMMITTED"

bool db_begin(void)
{
    return db_conn() != NULL && db_command(DB_BEGIN_SQL);
}

/* Sends BEGIN, the steps and COMMIT, then the sync that ends the pipeline. */
static bool db_pipeline_send(PGconn *conn, const struct db_step *steps, size_t n)
{
    if (PQsendQueryParams(conn, DB_BEGIN_SQL, 0, NULL, NULL, NULL, NULL, 0) != 1) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (PQsendQueryPrepared(conn, steps[i].stmt, steps[i].nparams, steps[i].params, NULL, NULL,
                                0) != 1) {
            return false;
        }
    }
    return PQsendQueryParams(conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) == 1 &&
           PQpipelineSync(conn) == 1;
}

/* The result of the pipeline's next command (the NULL after it consumed), or NULL when
 * the connection failed. */
static PGresult *db_pipeline_next(PGconn *conn)
{
    PGresult *res = PQgetResult(conn), *extra;

    if (res == NULL) {
        return NULL;
    }
    while ((extra = PQgetResult(conn)) != NULL) { /* a command has one result here */
        PQclear(extra);
    }
    return res;
}

int db_transaction(const struct db_step *steps, size_t n, PGresult **results)
{
    PGconn *conn = db_conn(); /* no transaction left open by an earlier request */
    bool broken = false, failed = false, committed = false;
    PGresult *res;

    for (size_t i = 0; i < n; i++) {
        results[i] = NULL;
    }
    if (conn == NULL || n > DB_MAX_STEPS) {
        return -1;
    }
    if (PQenterPipelineMode(conn) != 1 || !db_pipeline_send(conn, steps, n)) {
        db_drop("lost_during_pipeline");
        return -1;
    }
    /* n + 2 commands (BEGIN, the steps, COMMIT), then the sync's own result. */
    for (size_t cmd = 0; cmd < n + 2 && !broken; cmd++) {
        ExecStatusType st;

        res = db_pipeline_next(conn);
        if (res == NULL) {
            broken = true;
            break;
        }
        st = PQresultStatus(res);
        if (st == PGRES_FATAL_ERROR) {
            failed = true;
        } else if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
                   st != PGRES_PIPELINE_ABORTED) {
            broken = true; /* not what a pipeline answers: give the connection up */
        }
        if (cmd == n + 1) {
            committed = st == PGRES_COMMAND_OK && !failed;
        }
        if (cmd >= 1 && cmd <= n && st != PGRES_PIPELINE_ABORTED && !broken) {
            results[cmd - 1] = res;
        } else {
            PQclear(res);
        }
    }
    res = broken ? NULL : PQgetResult(conn);
    broken = broken || res == NULL || PQresultStatus(res) != PGRES_PIPELINE_SYNC;
    PQclear(res);
    if (broken || PQexitPipelineMode(conn) != 1 || PQstatus(conn) == CONNECTION_BAD) {
        for (size_t i = 0; i < n; i++) {
            PQclear(results[i]);
            results[i] = NULL;
        }
        db_drop("lost_during_pipeline");
        return -1;
    }
    if (!committed) {
        db_rollback(); /* after a failed statement the block is still open, aborted */
    }
    return committed ? 1 : 0;
}

bool db_commit(void)
{
    if (db.conn == NULL) {
        return false;
    }
    /* COMMIT of a failed transaction "succeeds" as ROLLBACK; report it as a failure. */
    if (PQtransactionStatus(db.conn) != PQTRANS_INTRANS) {
        db_rollback();
        return false;
    }
    return db_command("COMMIT");
}

void db_rollback(void)
{
    PGTransactionStatusType ts;

    if (db.conn == NULL) {
        return;
    }
    ts = PQtransactionStatus(db.conn);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
        (void)db_command("ROLLBACK");
    }
}

const char *db_sqlstate(const PGresult *res)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    return state != NULL ? state : "";
}

bool db_ok(const PGresult *res)
{
    ExecStatusType st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;

    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

void db_close(void)
{
    if (db.conn != NULL) {
        PQfinish(db.conn);
        db.conn = NULL;
    }
}
