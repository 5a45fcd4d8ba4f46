/*
 * dbconn.c — connection, errors, advisory lock and watched statements for dbtool
 * (contract in dbconn.h).
 */
#include "dbtool/dbconn.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/settings.h"

/* pg_locks shows a 64-bit advisory key as classid (high half) and objid (low half). */
#define DBCONN_LOCK_CLASSID "1684173935"
#define DBCONN_LOCK_OBJID   "1869376871"

static const char SQL_TRY_LOCK[] = "SELECT pg_try_advisory_lock($1::bigint)";
static const char SQL_UNLOCK[] = "SELECT pg_advisory_unlock($1::bigint)";
static const char SQL_LOCK_HOLDER[] =
    "SELECT a.pid, coalesce(host(a.client_addr), 'a local socket'), a.application_name "
    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND l.classid = $1::oid AND l.objid = $2::oid "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";
static const char SQL_SESSION[] = "SELECT set_config('client_min_messages', 'warning', false), "
                                  "set_config('lock_timeout', $1, false)";
/* What backend $1 waits for, and who is in its way. */
static const char SQL_WAITING_FOR[] =
    "SELECT l.mode, coalesce(l.relation::regclass::text, l.locktype), "
    "array_to_string(pg_blocking_pids($1::int), ', ') "
    "FROM pg_locks l WHERE l.pid = $1::int AND NOT l.granted LIMIT 1";

long long dbconn_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void dbconn_sleep_ms(long long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Copies a libpq message onto one line: newlines and tabs become single spaces. */
static void dbconn_one_line(const char *msg, char *buf, size_t buflen)
{
    size_t n = 0;
    bool space = false;
    for (const char *p = msg ? msg : ""; *p && n + 1 < buflen; p++) {
        if (*p == '\n' || *p == '\t' || *p == '\r' || *p == ' ') {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < buflen)
            buf[n++] = ' ';
        space = false;
        buf[n++] = *p;
    }
    buf[n] = '\0';
}

static PGconn *dbconn_connect(const char *url)
{
    /* Earlier entries are defaults; values in the expanded URL override them. */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *vals[] = {DBCONN_CONNECT_TIMEOUT, "dbtool", url, NULL};
    return PQconnectdbParams(keys, vals, 1);
}

const char *dbconn_sqlstate(const PGresult *res)
{
    const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return s ? s : "";
}

void dbconn_error(const struct dbconn *c, const PGresult *res, char *buf, size_t buflen)
{
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *state = dbconn_sqlstate(res);
    char line[1024];
    if (primary) {
        dbconn_one_line(primary, line, sizeof line);
    } else {
        const char *m = res ? PQresultErrorMessage(res) : "";
        if ((!m || !*m) && c && c->conn)
            m = PQerrorMessage(c->conn);
        dbconn_one_line(m && *m ? m : "unknown error", line, sizeof line);
    }
    if (*state)
        snprintf(buf, buflen, "%s (SQLSTATE %s)", line, state);
    else
        snprintf(buf, buflen, "%s", line);
}

int dbconn_open(struct dbconn *c, const char *url, long long lock_timeout_ms, char *err,
                size_t errlen)
{
    memset(c, 0, sizeof *c);
    settings_mask_url(url, c->masked, sizeof c->masked);
    c->url = strdup(url);
    c->lock_timeout_ms = lock_timeout_ms;
    if (!c->url) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->conn = dbconn_connect(url);
    if (!c->conn || PQstatus(c->conn) != CONNECTION_OK) {
        char why[768];
        dbconn_one_line(c->conn ? PQerrorMessage(c->conn) : "out of memory", why, sizeof why);
        snprintf(err, errlen, "cannot connect to %s: %s", c->masked, why);
        dbconn_close(c);
        return -1;
    }
    char timeout[32];
    snprintf(timeout, sizeof timeout, "%lld", lock_timeout_ms);
    const char *params[] = {timeout};
    if (dbconn_command(c, SQL_SESSION, 1, params, err, errlen) != 0) {
        dbconn_close(c);
        return -1;
    }
    return 0;
}

void dbconn_close(struct dbconn *c)
{
    if (c->conn && c->locked && PQstatus(c->conn) == CONNECTION_OK) {
        const char *params[] = {DBCONN_LOCK_KEY_STR};
        PGresult *res = PQexecParams(c->conn, SQL_UNLOCK, 1, NULL, params, NULL, NULL, 0);
        PQclear(res); /* the lock goes with the session anyway */
    }
    c->locked = false;
    if (c->conn)
        PQfinish(c->conn);
    if (c->monitor)
        PQfinish(c->monitor);
    c->conn = NULL;
    c->monitor = NULL;
    free(c->url);
    c->url = NULL;
}

PGresult *dbconn_query(struct dbconn *c, const char *sql, int nparams, const char *const *params,
                       char *err, size_t errlen)
{
    PGresult *res = PQexecParams(c->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    dbconn_error(c, res, err, errlen);
    PQclear(res);
    return NULL;
}

int dbconn_command(struct dbconn *c, const char *sql, int nparams, const char *const *params,
                   char *err, size_t errlen)
{
    PGresult *res = dbconn_query(c, sql, nparams, params, err, errlen);
    PQclear(res);
    return res ? 0 : -1;
}

/* Asks the monitor connection what the migrating backend waits for. */
static void dbconn_probe(struct dbconn *c)
{
    if (!c->monitor) {
        c->monitor = dbconn_connect(c->url);
        if (!c->monitor)
            return;
    }
    if (PQstatus(c->monitor) != CONNECTION_OK)
        return;
    char pid[32];
    snprintf(pid, sizeof pid, "%d", PQbackendPID(c->conn));
    const char *params[] = {pid};
    PGresult *res = PQexecParams(c->monitor, SQL_WAITING_FOR, 1, NULL, params, NULL, NULL, 0);
    if (res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        const char *holders = PQgetvalue(res, 0, 2);
        snprintf(c->lock_desc, sizeof c->lock_desc, "%s on %s%s%s%s", PQgetvalue(res, 0, 0),
                 PQgetvalue(res, 0, 1), *holders ? " (held by pid " : "", holders,
                 *holders ? ")" : "");
    }
    PQclear(res);
}

PGresult *dbconn_exec_statement(struct dbconn *c, const char *sql)
{
    c->lock_desc[0] = '\0';
    if (!PQsendQuery(c->conn, sql))
        return PQmakeEmptyPGresult(c->conn, PGRES_FATAL_ERROR);
    long long start = dbconn_now_ms();
    long long probe_at = c->lock_timeout_ms > 0 ? c->lock_timeout_ms / 2 : 2000;
    if (probe_at > 2000)
        probe_at = 2000;
    bool probed = false;
    while (PQisBusy(c->conn)) {
        struct pollfd pfd = {.fd = PQsocket(c->conn), .events = POLLIN};
        int rc = poll(&pfd, 1, probed ? 1000 : 20);
        if (rc < 0 && errno != EINTR)
            break;
        if (!PQconsumeInput(c->conn))
            break;
        if (!probed && dbconn_now_ms() - start >= probe_at) {
            probed = true;
            dbconn_probe(c);
        }
    }
    PGresult *last = NULL, *res;
    while ((res = PQgetResult(c->conn)) != NULL) {
        /* COPY ... STDIN/STDOUT has no data source here: end it so the server reports it. */
        if (PQresultStatus(res) == PGRES_COPY_IN || PQresultStatus(res) == PGRES_COPY_BOTH) {
            (void)PQputCopyEnd(c->conn, "COPY FROM STDIN cannot be used in a revision");
        } else if (PQresultStatus(res) == PGRES_COPY_OUT) {
            char *row;
            while (PQgetCopyData(c->conn, &row, 0) > 0)
                PQfreemem(row);
        }
        if (last && PQresultStatus(last) == PGRES_FATAL_ERROR) {
            PQclear(res); /* keep the first error */
            continue;
        }
        PQclear(last);
        last = res;
    }
    return last ? last : PQmakeEmptyPGresult(c->conn, PGRES_FATAL_ERROR);
}

/* Describes who holds the advisory lock, e.g. "pid 4242, from 10.0.0.7". */
static void dbconn_lock_holder(struct dbconn *c, char *buf, size_t buflen)
{
    const char *params[] = {DBCONN_LOCK_CLASSID, DBCONN_LOCK_OBJID};
    char err[256];
    PGresult *res = dbconn_query(c, SQL_LOCK_HOLDER, 2, params, err, sizeof err);
    if (res && PQntuples(res) > 0)
        snprintf(buf, buflen, "pid %s, from %s", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
    else
        snprintf(buf, buflen, "pid unknown");
    PQclear(res);
}

int dbconn_lock(struct dbconn *c, long long wait_s, FILE *out, char *err, size_t errlen)
{
    const char *params[] = {DBCONN_LOCK_KEY_STR};
    long long deadline = dbconn_now_ms() + wait_s * 1000, delay = 50;
    bool announced = false;
    char holder[128] = "";
    for (;;) {
        PGresult *res = dbconn_query(c, SQL_TRY_LOCK, 1, params, err, errlen);
        if (!res)
            return -1;
        bool got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        PQclear(res);
        if (got) {
            c->locked = true;
            return 0;
        }
        long long now = dbconn_now_ms();
        if (!announced || now >= deadline)
            dbconn_lock_holder(c, holder, sizeof holder);
        if (now >= deadline) {
            snprintf(err, errlen,
                     "another dbtool (%s) still holds the migration lock after %lld s "
                     "(--lock-wait); nothing was changed",
                     holder, wait_s);
            return -1;
        }
        if (!announced) {
            fprintf(out, "waiting for another dbtool (%s) to finish, up to %lld s ...\n", holder,
                    wait_s);
            fflush(out);
            announced = true;
        }
        dbconn_sleep_ms(delay < deadline - now ? delay : deadline - now);
        delay = delay * 2 > 1000 ? 1000 : delay * 2;
    }
}
