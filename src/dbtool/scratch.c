/*
 * scratch.c — creating, using and always dropping the scratch database (see scratch.h).
 *
 * CREATE/DROP DATABASE and the DROPs of scratch_reset are utility statements, which take
 * no $n parameters: the names in them are dbtool's own (digits and hex) or come quoted
 * by the server (quote_ident, via the catalog).
 */
#include "dbtool/scratch.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "dbtool/sqlsplit.h"

#define SQLSTATE_INSUFFICIENT_PRIVILEGE "42501"

static const char SQL_CURRENT_USER[] = "SELECT current_user";
static const char SQL_BEGIN[] = "BEGIN";
static const char SQL_ROLLBACK[] = "ROLLBACK";
/* Everything a user could have put in the schema: relations, user-defined types that are
 * not a relation's row type, functions and procedures. */
static const char SQL_COUNT_OBJECTS[] =
    "SELECT (SELECT count(*) FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid) + "
    "(SELECT count(*) FROM pg_catalog.pg_type t WHERE t.typnamespace = n.oid "
    " AND t.typtype IN ('b', 'd', 'e', 'r', 'm') AND t.typelem = 0) + "
    "(SELECT count(*) FROM pg_catalog.pg_proc p WHERE p.pronamespace = n.oid) "
    "FROM pg_catalog.pg_namespace n WHERE n.nspname = $1";
static const char SQL_DROP_DBTOOL_TABLES[] =
    "DROP TABLE IF EXISTS dbtool_progress, dbtool_history, dbtool_version";

/* ---- signals ------------------------------------------------------------------------- */

static const int scratch_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
#define NSIGNALS (sizeof scratch_signals / sizeof scratch_signals[0])

static volatile sig_atomic_t scratch_signal;
static PGcancel *volatile scratch_cancel; /* the scratch connection's, while it is open */
static struct sigaction scratch_saved[NSIGNALS];

/* Remembers the signal and cancels the statement running on the scratch database, so
 * the command's error path runs and drops it. PQcancel is async-signal-safe. */
static void scratch_on_signal(int sig)
{
    scratch_signal = sig;
    PGcancel *cancel = scratch_cancel;
    if (cancel) {
        char ignored[256];
        (void)PQcancel(cancel, ignored, sizeof ignored);
    }
}

static void scratch_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = scratch_on_signal;
    sigemptyset(&sa.sa_mask);
    scratch_signal = 0;
    for (size_t i = 0; i < NSIGNALS; i++)
        (void)sigaction(scratch_signals[i], &sa, &scratch_saved[i]);
}

static void scratch_restore(void)
{
    for (size_t i = 0; i < NSIGNALS; i++)
        (void)sigaction(scratch_signals[i], &scratch_saved[i], NULL);
}

/* Swaps the cancel handle with the signals blocked, so the handler never sees a freed
 * one. */
static void scratch_set_cancel(PGcancel *cancel)
{
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    PGcancel *prev = scratch_cancel;
    scratch_cancel = cancel;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (prev)
        PQfreeCancel(prev);
}

bool scratch_interrupted(void)
{
    return scratch_signal != 0;
}

/* ---- connecting ---------------------------------------------------------------------- */

/* A conninfo string with the settings of url but dbname replaced. NULL with err set when
 * url does not parse or memory runs out. */
static char *scratch_conninfo(const char *url, const char *dbname, char *err, size_t errlen)
{
    char *why = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &why);
    if (!opts) {
        snprintf(err, errlen, "cannot parse DATABASE_URL: %s", why ? why : "out of memory");
        PQfreemem(why);
        return NULL;
    }
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f) {
        PQconninfoFree(opts);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        const char *val = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;
        if (!val || !*val)
            continue;
        fprintf(f, "%s='", o->keyword);
        for (const char *p = val; *p; p++) {
            if (*p == '\'' || *p == '\\')
                fputc('\\', f);
            fputc(*p, f);
        }
        fputs("' ", f);
    }
    PQconninfoFree(opts);
    if (fclose(f) != 0) {
        free(out);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return out;
}

/* Fails unless the scratch database has nothing in CATALOG_SCHEMA. */
static int scratch_check_empty(struct scratch *sc, char *err, size_t errlen)
{
    const char *params[] = {CATALOG_SCHEMA};
    char why[1024];
    PGresult *res = dbconn_query(&sc->db, SQL_COUNT_OBJECTS, 1, params, why, sizeof why);
    if (!res) {
        snprintf(err, errlen, "cannot inspect the scratch database %s: %s", sc->db.masked, why);
        return -1;
    }
    long count = PQntuples(res) == 1 ? atol(PQgetvalue(res, 0, 0)) : 0;
    PQclear(res);
    if (count > 0) {
        snprintf(err, errlen,
                 "the scratch database %s is not empty (%ld object%s in schema %s): give "
                 "--scratch-url an empty database, which dbtool leaves empty again",
                 sc->db.masked, count, count == 1 ? "" : "s", CATALOG_SCHEMA);
        return -1;
    }
    return 0;
}

/* Creates dbtool_scratch_<pid>_<hex> through the admin connection. */
static int scratch_create(struct scratch *sc, char *err, size_t errlen)
{
    unsigned char rnd[4];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        snprintf(err, errlen, "cannot name a scratch database: %s", strerror(errno));
        return -1;
    }
    char name[64], sql[160], why[1024];
    snprintf(name, sizeof name, "dbtool_scratch_%ld_%02x%02x%02x%02x", (long)getpid(), rnd[0],
             rnd[1], rnd[2], rnd[3]);
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\" TEMPLATE template0", name);
    PGresult *res = PQexec(sc->admin.conn, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK) {
        PQclear(res);
        snprintf(sc->name, sizeof sc->name, "%s", name);
        return 0;
    }
    dbconn_error(&sc->admin, res, why, sizeof why);
    bool denied = strcmp(dbconn_sqlstate(res), SQLSTATE_INSUFFICIENT_PRIVILEGE) == 0;
    PQclear(res);
    if (!denied) {
        snprintf(err, errlen, "cannot create a scratch database on %s: %s", sc->admin.masked, why);
        return -1;
    }
    char role[128] = "ROLE";
    char ignored[256];
    res = dbconn_query(&sc->admin, SQL_CURRENT_USER, 0, NULL, ignored, sizeof ignored);
    if (res && PQntuples(res) == 1)
        snprintf(role, sizeof role, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    snprintf(err, errlen,
             "cannot create a scratch database on %s: %s. dbtool applies the declared schema "
             "to an empty scratch database to compare it with yours: give the role CREATEDB "
             "(ALTER ROLE \"%s\" CREATEDB), or pass --scratch-url URL of an empty database "
             "you provide (it is left empty again)",
             sc->admin.masked, why, role);
    return -1;
}

int scratch_open(struct scratch *sc, const char *server_url, const char *scratch_url,
                 long long lock_timeout_ms, char *err, size_t errlen)
{
    memset(sc, 0, sizeof *sc);
    scratch_install();
    sc->open = true;
    char *conninfo = NULL;
    if (!scratch_url) {
        if (dbconn_open(&sc->admin, server_url, lock_timeout_ms, err, errlen) != 0 ||
            scratch_create(sc, err, errlen) != 0 ||
            !(conninfo = scratch_conninfo(server_url, sc->name, err, errlen)))
            goto fail;
    }
    if (scratch_interrupted()) {
        snprintf(err, errlen, "interrupted");
        goto fail;
    }
    if (dbconn_open(&sc->db, conninfo ? conninfo : scratch_url, lock_timeout_ms, err, errlen) != 0)
        goto fail;
    free(conninfo);
    conninfo = NULL;
    scratch_set_cancel(PQgetCancel(sc->db.conn));
    if (scratch_url && scratch_check_empty(sc, err, errlen) != 0)
        goto fail;
    return 0;
fail:
    free(conninfo);
    scratch_close(sc); /* after a signal, this ends the process once the database is gone */
    return -1;
}

/* ---- using --------------------------------------------------------------------------- */

static char *scratch_read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    char buf[8192];
    size_t n;
    while (out && (n = fread(buf, 1, sizeof buf, f)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            break;
    bool bad = ferror(f) != 0;
    fclose(f);
    if (!out || fclose(out) != 0 || bad) {
        free(text);
        snprintf(err, errlen, "cannot read %s", path);
        return NULL;
    }
    return text;
}

/* Runs the statements of text; errors name path:line. */
static int scratch_run_file(struct scratch *sc, const char *path, const char *text, char *err,
                            size_t errlen)
{
    struct sqlstmt *st = NULL;
    int err_line = 0;
    char why[1024];
    long n = sqlsplit_parse(text, &st, &err_line, why, sizeof why);
    if (n < 0) {
        snprintf(err, errlen, "%s:%d: %s", path, err_line + 1, why);
        return -1;
    }
    int rc = 0;
    for (long k = 0; k < n && rc == 0; k++) {
        if (sqlsplit_is_transaction_control(text, &st[k])) {
            snprintf(err, errlen,
                     "%s:%d: transaction control is not allowed here: dbtool applies the file "
                     "in one transaction",
                     path, st[k].line + 1);
            rc = -1;
            break;
        }
        char *sql = strndup(text + st[k].off, st[k].len);
        if (!sql) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        PGresult *res = dbconn_exec_statement(&sc->db, sql);
        ExecStatusType status = PQresultStatus(res);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK &&
            status != PGRES_EMPTY_QUERY) {
            const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
            int line = pos ? sqlsplit_position_line(text, &st[k], atol(pos)) : st[k].line;
            dbconn_error(&sc->db, res, why, sizeof why);
            snprintf(err, errlen, "%s:%d: %s", path, line + 1, why);
            rc = -1;
        }
        PQclear(res);
        free(sql);
    }
    free(st);
    return rc;
}

int scratch_declared(struct scratch *sc, const char *path, struct catalog *out, char *err,
                     size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *text = scratch_read_file(path, err, errlen);
    if (!text)
        return -1;
    int rc = dbconn_command(&sc->db, SQL_BEGIN, 0, NULL, err, errlen);
    if (rc == 0)
        rc = scratch_run_file(sc, path, text, err, errlen);
    if (rc == 0)
        rc = catalog_read(&sc->db, CATALOG_SCHEMA, out, err, errlen);
    char ignored[256];
    (void)dbconn_command(&sc->db, SQL_ROLLBACK, 0, NULL, ignored, sizeof ignored);
    free(text);
    if (rc == 0 && scratch_interrupted()) {
        catalog_free(out);
        snprintf(err, errlen, "interrupted");
        rc = -1;
    }
    return rc;
}

int scratch_reset(struct scratch *sc, char *err, size_t errlen)
{
    struct catalog cat;
    if (dbconn_command(&sc->db, SQL_DROP_DBTOOL_TABLES, 0, NULL, err, errlen) != 0 ||
        catalog_read(&sc->db, CATALOG_SCHEMA, &cat, err, errlen) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < cat.ntables && rc == 0; i++) {
        char *sql = NULL;
        if (asprintf(&sql, "DROP TABLE IF EXISTS %s CASCADE", cat.tables[i].qname) < 0)
            sql = NULL;
        rc = sql ? dbconn_command(&sc->db, sql, 0, NULL, err, errlen) : -1;
        free(sql);
    }
    for (size_t i = 0; i < cat.nseqs && rc == 0; i++) {
        char *sql = NULL;
        if (asprintf(&sql, "DROP SEQUENCE IF EXISTS %s CASCADE", cat.seqs[i].qname) < 0)
            sql = NULL;
        rc = sql ? dbconn_command(&sc->db, sql, 0, NULL, err, errlen) : -1;
        free(sql);
    }
    for (size_t i = 0; i < cat.nenums && rc == 0; i++) {
        char *sql = NULL;
        if (asprintf(&sql, "DROP TYPE IF EXISTS %s CASCADE", cat.enums[i].qname) < 0)
            sql = NULL;
        rc = sql ? dbconn_command(&sc->db, sql, 0, NULL, err, errlen) : -1;
        free(sql);
    }
    catalog_free(&cat);
    if (rc == 0)
        rc = scratch_check_empty(sc, err, errlen);
    return rc;
}

/* ---- closing ------------------------------------------------------------------------- */

static void scratch_drop(struct scratch *sc)
{
    char sql[160], why[1024];
    if (!sc->admin.conn || PQstatus(sc->admin.conn) != CONNECTION_OK) {
        fprintf(stderr,
                "dbtool: warning: could not drop the scratch database %s (connection lost): "
                "drop it by hand\n",
                sc->name);
        return;
    }
    /* WITH (FORCE) ends a session a cancelled statement may have left (PostgreSQL 13+);
     * older servers get the plain form. */
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", sc->name);
    if (dbconn_command(&sc->admin, sql, 0, NULL, why, sizeof why) == 0)
        return;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\"", sc->name);
    if (dbconn_command(&sc->admin, sql, 0, NULL, why, sizeof why) != 0)
        fprintf(stderr,
                "dbtool: warning: could not drop the scratch database %s: %s; drop it by "
                "hand\n",
                sc->name, why);
}

void scratch_close(struct scratch *sc)
{
    if (!sc->open)
        return;
    scratch_set_cancel(NULL);
    dbconn_close(&sc->db);
    if (sc->name[0])
        scratch_drop(sc);
    dbconn_close(&sc->admin);
    sc->open = false;
    scratch_restore();
    int sig = scratch_signal;
    if (sig) {
        if (sc->name[0])
            fprintf(stderr, "dbtool: interrupted (signal %d); scratch database %s dropped\n", sig,
                    sc->name);
        else
            fprintf(stderr, "dbtool: interrupted (signal %d)\n", sig);
        signal(sig, SIG_DFL);
        raise(sig);
    }
    sc->name[0] = '\0';
}
