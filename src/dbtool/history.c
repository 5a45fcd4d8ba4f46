/*
 * history.c — the SQL of dbtool's version, history and progress tables (see history.h
 * for what each table holds and why).
 */
#include "dbtool/history.h"

#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <unistd.h>

#include "common/migrations.h"

static const char *const history_ddl[] = {
    "CREATE TABLE IF NOT EXISTS " MIGRATIONS_VERSION_TABLE " (\n"
    "    version_num text PRIMARY KEY\n"
    ")",
    "CREATE TABLE IF NOT EXISTS " MIGRATIONS_HISTORY_TABLE " (\n"
    "    id bigserial PRIMARY KEY,\n"
    "    revision text NOT NULL,\n"
    "    revises text NOT NULL DEFAULT '',\n"
    "    direction text NOT NULL CHECK (direction IN ('up', 'down', 'stamp', 'unstamp')),\n"
    "    message text NOT NULL DEFAULT '',\n"
    "    transaction_mode text NOT NULL DEFAULT 'per-revision',\n"
    "    checksum text,\n"
    "    applied_by text NOT NULL DEFAULT current_user,\n"
    "    applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),\n"
    "    duration_ms bigint,\n"
    "    success boolean NOT NULL,\n"
    "    up_sql text,\n"
    "    down_sql text,\n"
    "    error text\n"
    ")",
    "CREATE TABLE IF NOT EXISTS dbtool_progress (\n"
    "    id bigint PRIMARY KEY DEFAULT nextval('" MIGRATIONS_HISTORY_TABLE "_id_seq'),\n"
    "    revision text NOT NULL,\n"
    "    direction text NOT NULL,\n"
    "    statement_index integer NOT NULL,\n"
    "    statement_sha256 text NOT NULL,\n"
    "    line integer NOT NULL,\n"
    "    done_at timestamptz NOT NULL DEFAULT clock_timestamp()\n"
    ")",
};

static const char SQL_TABLE_EXISTS[] = "SELECT to_regclass($1) IS NOT NULL";
static const char SQL_READ_VERSIONS[] =
    "SELECT version_num FROM " MIGRATIONS_VERSION_TABLE " ORDER BY version_num COLLATE \"C\"";
static const char SQL_LOAD_STORED[] =
    "SELECT revises, message, transaction_mode, up_sql, down_sql, "
    "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
    "FROM " MIGRATIONS_HISTORY_TABLE " WHERE revision = $1 AND success "
    "AND direction IN ('up', 'stamp') ORDER BY id DESC LIMIT 1";
static const char SQL_APPLIED_CHECKSUM[] =
    "SELECT checksum FROM " MIGRATIONS_HISTORY_TABLE " WHERE revision = $1 AND success "
    "AND direction IN ('up', 'stamp') ORDER BY id DESC LIMIT 1";
static const char SQL_RECORD[] =
    "INSERT INTO " MIGRATIONS_HISTORY_TABLE " (revision, revises, direction, message, "
    "transaction_mode, checksum, applied_by, duration_ms, success, up_sql, down_sql, error) "
    "VALUES ($1, $2, $3, $4, $5, $6, current_user || ' (' || $7 || ')', $8::bigint, "
    "$9::boolean, $10, $11, $12)";
static const char SQL_DELETE_VERSION[] =
    "DELETE FROM " MIGRATIONS_VERSION_TABLE " WHERE version_num = $1";
static const char SQL_INSERT_VERSION[] =
    "INSERT INTO " MIGRATIONS_VERSION_TABLE " (version_num) VALUES ($1)";
/* Progress since the revision's last successful run (any direction): older rows belong
 * to runs that finished and must not be skipped again. */
static const char SQL_READ_PROGRESS[] =
    "SELECT statement_index, statement_sha256 FROM dbtool_progress "
    "WHERE revision = $1 AND direction = $2 AND id > coalesce((SELECT max(id) "
    "FROM " MIGRATIONS_HISTORY_TABLE " WHERE revision = $1 AND success), 0) ORDER BY id";
static const char SQL_RECORD_PROGRESS[] =
    "INSERT INTO dbtool_progress (revision, direction, statement_index, statement_sha256, "
    "line) VALUES ($1, $2, $3::integer, $4, $5::integer)";

int history_ensure(struct dbconn *c, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof history_ddl / sizeof history_ddl[0]; i++)
        if (dbconn_command(c, history_ddl[i], 0, NULL, err, errlen) != 0)
            return -1;
    return 0;
}

void history_print_ddl(FILE *out)
{
    for (size_t i = 0; i < sizeof history_ddl / sizeof history_ddl[0]; i++)
        fprintf(out, "%s;\n\n", history_ddl[i]);
}

/* 1 when the table exists, 0 when not, -1 on error. */
static int history_table_exists(struct dbconn *c, const char *table, char *err, size_t errlen)
{
    const char *params[] = {table};
    PGresult *res = dbconn_query(c, SQL_TABLE_EXISTS, 1, params, err, errlen);
    if (!res)
        return -1;
    int exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return exists;
}

void history_free_ids(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

int history_read_versions(struct dbconn *c, char ***ids, size_t *n, char *err, size_t errlen)
{
    *ids = NULL;
    *n = 0;
    int exists = history_table_exists(c, MIGRATIONS_VERSION_TABLE, err, errlen);
    if (exists <= 0)
        return exists;
    PGresult *res = dbconn_query(c, SQL_READ_VERSIONS, 0, NULL, err, errlen);
    if (!res)
        return -1;
    int rows = PQntuples(res);
    char **v = calloc((size_t)rows + 1, sizeof *v);
    for (int i = 0; v && i < rows; i++) {
        v[i] = strdup(PQgetvalue(res, i, 0));
        if (!v[i]) {
            history_free_ids(v, (size_t)i);
            v = NULL;
        }
    }
    PQclear(res);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *ids = v;
    *n = (size_t)rows;
    return 0;
}

/* Splits "a, b" into rev->parents. */
static int history_parents(struct revision *rev, const char *revises)
{
    if (*revises == '\0')
        return 0;
    size_t cap = 1;
    for (const char *p = revises; *p; p++)
        cap += *p == ',';
    rev->parents = calloc(cap, sizeof *rev->parents);
    if (!rev->parents)
        return -1;
    for (const char *p = revises; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ", ");
        if (len == 0)
            break;
        rev->parents[rev->nparents] = strndup(p, len);
        if (!rev->parents[rev->nparents])
            return -1;
        rev->nparents++;
        p += len;
    }
    return 0;
}

int history_load_stored(struct dbconn *c, const char *id, struct revision *rev, char *err,
                        size_t errlen)
{
    memset(rev, 0, sizeof *rev);
    int exists = history_table_exists(c, MIGRATIONS_HISTORY_TABLE, err, errlen);
    if (exists <= 0)
        return exists;
    const char *params[] = {id};
    PGresult *res = dbconn_query(c, SQL_LOAD_STORED, 1, params, err, errlen);
    if (!res)
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    char label[128];
    snprintf(label, sizeof label, "stored SQL of %s", id);
    rev->stored = true;
    rev->path = strdup(label);
    rev->id = strdup(id);
    rev->message = strdup(PQgetvalue(res, 0, 1));
    rev->create_date = strdup(PQgetvalue(res, 0, 5));
    rev->tx =
        strcmp(PQgetvalue(res, 0, 2), "none") == 0 ? REVISION_TX_NONE : REVISION_TX_PER_REVISION;
    rev->up = strdup(PQgetvalue(res, 0, 3));
    rev->down = PQgetisnull(res, 0, 4) ? NULL : strdup(PQgetvalue(res, 0, 4));
    rev->up_line = rev->down_line = rev->id_line = rev->revises_line = 1;
    int rc = history_parents(rev, PQgetvalue(res, 0, 0));
    if (rc != 0 || !rev->path || !rev->id || !rev->message || !rev->create_date || !rev->up ||
        (!PQgetisnull(res, 0, 4) && !rev->down)) {
        PQclear(res);
        revision_free(rev);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    PQclear(res);
    return 1;
}

int history_applied_checksum(struct dbconn *c, const char *id, char hex[65], char *err,
                             size_t errlen)
{
    hex[0] = '\0';
    int exists = history_table_exists(c, MIGRATIONS_HISTORY_TABLE, err, errlen);
    if (exists <= 0)
        return exists;
    const char *params[] = {id};
    PGresult *res = dbconn_query(c, SQL_APPLIED_CHECKSUM, 1, params, err, errlen);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0);
    if (found)
        snprintf(hex, 65, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return found;
}

/* "user@host pid N" for applied_by. */
static const char *history_who(void)
{
    static char who[160];
    if (!who[0]) {
        char host[64] = "localhost";
        const char *user = getenv("USER");
        const struct passwd *pw = user && *user ? NULL : getpwuid(geteuid());
        if (pw)
            user = pw->pw_name;
        if (gethostname(host, sizeof host) != 0)
            snprintf(host, sizeof host, "localhost");
        host[sizeof host - 1] = '\0';
        snprintf(who, sizeof who, "%s@%s pid %ld", user && *user ? user : "?", host,
                 (long)getpid());
    }
    return who;
}

int history_record(struct dbconn *c, const struct history_row *row, char *err, size_t errlen)
{
    char duration[32];
    snprintf(duration, sizeof duration, "%lld", row->duration_ms);
    const char *params[] = {
        row->revision,
        row->revises,
        row->direction,
        row->message,
        row->transaction,
        row->checksum,
        history_who(),
        row->duration_ms < 0 ? NULL : duration,
        row->success ? "true" : "false",
        row->up_sql,
        row->down_sql,
        row->error,
    };
    return dbconn_command(c, SQL_RECORD, 12, params, err, errlen);
}

int history_set_versions(struct dbconn *c, char *const *del, size_t ndel, char *const *add,
                         size_t nadd, char *err, size_t errlen)
{
    for (size_t i = 0; i < ndel; i++) {
        const char *params[] = {del[i]};
        if (dbconn_command(c, SQL_DELETE_VERSION, 1, params, err, errlen) != 0)
            return -1;
    }
    for (size_t i = 0; i < nadd; i++) {
        const char *params[] = {add[i]};
        if (dbconn_command(c, SQL_INSERT_VERSION, 1, params, err, errlen) != 0)
            return -1;
    }
    return 0;
}

int history_read_progress(struct dbconn *c, const char *revision, const char *direction,
                          struct history_progress **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    const char *params[] = {revision, direction};
    PGresult *res = dbconn_query(c, SQL_READ_PROGRESS, 2, params, err, errlen);
    if (!res)
        return -1;
    int rows = PQntuples(res);
    if (rows > 0) {
        *out = calloc((size_t)rows, sizeof **out);
        if (!*out) {
            PQclear(res);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        for (int i = 0; i < rows; i++) {
            (*out)[i].statement = atoi(PQgetvalue(res, i, 0));
            snprintf((*out)[i].sha256, sizeof(*out)[i].sha256, "%s", PQgetvalue(res, i, 1));
        }
        *n = (size_t)rows;
    }
    PQclear(res);
    return 0;
}

int history_record_progress(struct dbconn *c, const char *revision, const char *direction,
                            int statement, const char *sha256, int line, char *err, size_t errlen)
{
    char index[16], lineno[16];
    snprintf(index, sizeof index, "%d", statement);
    snprintf(lineno, sizeof lineno, "%d", line);
    const char *params[] = {revision, direction, index, sha256, lineno};
    return dbconn_command(c, SQL_RECORD_PROGRESS, 5, params, err, errlen);
}

void history_print_literal(FILE *out, const char *s)
{
    char tag[32] = "$dbtool$";
    for (int i = 1; strstr(s, tag); i++)
        snprintf(tag, sizeof tag, "$dbtool%d$", i);
    fprintf(out, "%s%s%s", tag, s, tag);
}

/* Prints NULL or a literal. */
static void history_print_value(FILE *out, const char *s)
{
    if (s)
        history_print_literal(out, s);
    else
        fputs("NULL", out);
}

void history_print_versions(FILE *out, char *const *del, size_t ndel, char *const *add, size_t nadd)
{
    /* Revision ids are [A-Za-z0-9_] (revision.h), so plain quotes are safe. */
    for (size_t i = 0; i < ndel; i++)
        fprintf(out, "DELETE FROM " MIGRATIONS_VERSION_TABLE " WHERE version_num = '%s';\n",
                del[i]);
    for (size_t i = 0; i < nadd; i++)
        fprintf(out, "INSERT INTO " MIGRATIONS_VERSION_TABLE " (version_num) VALUES ('%s');\n",
                add[i]);
}

void history_print_record(FILE *out, const struct history_row *row)
{
    fprintf(out,
            "INSERT INTO " MIGRATIONS_HISTORY_TABLE " (revision, revises, direction, message, "
            "transaction_mode, checksum, applied_by, duration_ms, success, up_sql, down_sql, "
            "error)\nVALUES ('%s', '%s', '%s', ",
            row->revision, row->revises, row->direction);
    history_print_value(out, row->message);
    fprintf(out, ", '%s', ", row->transaction);
    history_print_value(out, row->checksum);
    fprintf(out, ", current_user || ' (dbtool --sql)', NULL, %s,\n",
            row->success ? "true" : "false");
    history_print_value(out, row->up_sql);
    fputs(",\n", out);
    history_print_value(out, row->down_sql);
    fputs(", NULL);\n", out);
}

void history_print_expect(FILE *out, const char *ids)
{
    fprintf(out,
            "DO $dbtool$\nBEGIN\n"
            "    IF (SELECT coalesce(string_agg(version_num, ',' ORDER BY version_num COLLATE "
            "\"C\"), '') "
            "FROM " MIGRATIONS_VERSION_TABLE ") <> '%s' THEN\n"
            "        RAISE EXCEPTION 'this dbtool --sql script starts from revision(s) [%s]; "
            "the database is elsewhere (see dbtool current)';\n"
            "    END IF;\nEND\n$dbtool$;\n\n",
            ids, ids);
}
