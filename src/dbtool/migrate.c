/*
 * migrate.c — executes plans (transactions, retries, resumable `Transaction: none`
 * revisions) and prints them as SQL for --sql. Contract and transaction rules in
 * migrate.h; the bookkeeping SQL itself is in history.c.
 */
#include "dbtool/migrate.h"

#include <stdlib.h>
#include <string.h>

#include "dbtool/checksum.h"
#include "dbtool/history.h"
#include "dbtool/sqlsplit.h"

static const char SQL_BEGIN[] = "BEGIN";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

#define SQLSTATE_LOCK_NOT_AVAILABLE "55P03"

/* One step of a plan, ready to run: its section split into statements. */
struct mstep {
    const struct revision *rev;
    size_t node;
    enum step_kind kind;
    const char *sql; /* the section run by this step ("" for stamps) */
    int line0;       /* file line of the section's first line */
    struct sqlstmt *st;
    long nst;
    char checksum[CHECKSUM_HEX_LEN + 1]; /* of the file; "" for stored revisions */
    char revises[512];                   /* "a, b" */
};

/* The version-table change of one step: heads that leave and heads that arrive. */
struct vdiff {
    char **del;
    size_t ndel;
    char **add;
    size_t nadd;
};

static const char *migrate_direction(enum step_kind k)
{
    static const char *const names[] = {"up", "down", "stamp", "unstamp"};
    return names[k];
}

static void mstep_free(struct mstep *s)
{
    free(s->st);
    s->st = NULL;
}

/* Fills a step from a plan entry; splits its section. Returns 0 or -1 (err set). */
static int mstep_init(struct mstep *s, const struct revgraph *g, const struct plan_step *ps,
                      char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->node = ps->node;
    s->rev = &g->nodes[ps->node].rev;
    s->kind = ps->kind;
    for (size_t i = 0; i < s->rev->nparents; i++) {
        size_t used = strlen(s->revises);
        snprintf(s->revises + used, sizeof s->revises - used, "%s%s", i ? ", " : "",
                 s->rev->parents[i]);
    }
    if (s->rev->text && checksum_sha256_hex(s->rev->text, s->rev->textlen, s->checksum) != 0) {
        snprintf(err, errlen, "%s: cannot compute its sha256 (libcrypto failed)", s->rev->path);
        return -1;
    }
    if (s->kind == STEP_STAMP || s->kind == STEP_UNSTAMP) {
        s->sql = "";
        return 0;
    }
    if (s->kind == STEP_DOWN && !s->rev->down) {
        snprintf(err, errlen,
                 "%s cannot be downgraded: %s has no \"-- migrate:down\" section; nothing was "
                 "changed",
                 s->rev->id, s->rev->path);
        return -1;
    }
    s->sql = s->kind == STEP_UP ? s->rev->up : s->rev->down;
    s->line0 = s->kind == STEP_UP ? s->rev->up_line : s->rev->down_line;
    int err_line = 0;
    char why[256];
    s->nst = sqlsplit_parse(s->sql, &s->st, &err_line, why, sizeof why);
    if (s->nst < 0) {
        snprintf(err, errlen, "%s:%d: %s", s->rev->path, s->line0 + err_line, why);
        return -1;
    }
    for (long k = 0; k < s->nst; k++)
        if (sqlsplit_is_transaction_control(s->sql, &s->st[k])) {
            snprintf(err, errlen,
                     "%s:%d: transaction control is not allowed in a revision: dbtool runs "
                     "each revision in a transaction of its own (use \"-- Transaction: none\" "
                     "for statements that cannot run in one)",
                     s->rev->path, s->line0 + s->st[k].line);
            mstep_free(s);
            return -1;
        }
    return 0;
}

int migrate_check(const struct revgraph *g, const struct plan *p, bool single_transaction,
                  char *err, size_t errlen)
{
    for (size_t i = 0; i < p->n; i++) {
        struct mstep s;
        if (mstep_init(&s, g, &p->steps[i], err, errlen) != 0)
            return -1;
        mstep_free(&s);
        if (single_transaction && s.rev->tx == REVISION_TX_NONE &&
            (s.kind == STEP_UP || s.kind == STEP_DOWN)) {
            snprintf(err, errlen,
                     "%s is marked \"Transaction: none\" and cannot run inside "
                     "--single-transaction; nothing was changed",
                     s.rev->path);
            return -1;
        }
    }
    return 0;
}

/* Computes the version change of moving from `before` to `after`. */
static int migrate_diff(const struct revgraph *g, const bool *before, const bool *after,
                        struct vdiff *d)
{
    size_t *hb = malloc((g->n + 1) * sizeof *hb), *ha = malloc((g->n + 1) * sizeof *ha);
    d->del = calloc(g->n + 1, sizeof *d->del);
    d->add = calloc(g->n + 1, sizeof *d->add);
    d->ndel = d->nadd = 0;
    if (!hb || !ha || !d->del || !d->add) {
        free(hb);
        free(ha);
        free(d->del);
        free(d->add);
        d->del = d->add = NULL;
        return -1;
    }
    size_t nb = plan_state_heads(g, before, hb), na = plan_state_heads(g, after, ha);
    for (size_t i = 0; i < nb; i++) {
        bool kept = false;
        for (size_t j = 0; j < na; j++)
            kept = kept || ha[j] == hb[i];
        if (!kept)
            d->del[d->ndel++] = g->nodes[hb[i]].rev.id;
    }
    for (size_t j = 0; j < na; j++) {
        bool old = false;
        for (size_t i = 0; i < nb; i++)
            old = old || ha[j] == hb[i];
        if (!old)
            d->add[d->nadd++] = g->nodes[ha[j]].rev.id;
    }
    free(hb);
    free(ha);
    return 0;
}

static void vdiff_free(struct vdiff *d)
{
    free(d->del);
    free(d->add);
    d->del = d->add = NULL;
}

/* The state after one step, into `after` (g->n entries). */
static void migrate_after(const struct revgraph *g, const bool *applied, const struct mstep *s,
                          bool *after)
{
    memcpy(after, applied, g->n * sizeof *after);
    after[s->node] = s->kind == STEP_UP || s->kind == STEP_STAMP;
}

static void migrate_row(const struct mstep *s, struct history_row *row)
{
    memset(row, 0, sizeof *row);
    row->revision = s->rev->id;
    row->revises = s->revises;
    row->direction = migrate_direction(s->kind);
    row->message = s->rev->message;
    row->transaction = s->rev->tx == REVISION_TX_NONE ? "none" : "per-revision";
    row->checksum = s->checksum[0] ? s->checksum : NULL;
    row->duration_ms = -1;
    row->up_sql = s->rev->up;
    row->down_sql = s->rev->down;
}

/* "Running upgrade a -> b, message (12 ms)" as Alembic prints it. */
static void migrate_print_running(FILE *out, const struct mstep *s, long long ms)
{
    const char *from = s->kind == STEP_UP ? s->revises : s->rev->id;
    const char *to = s->kind == STEP_UP ? s->rev->id : s->revises;
    fprintf(out, "Running %s %s -> %s%s%s", s->kind == STEP_UP ? "upgrade" : "downgrade", from, to,
            *s->rev->message ? ", " : "", s->rev->message);
    if (ms >= 0)
        fprintf(out, " (%lld ms)", ms);
    fputc('\n', out);
    fflush(out);
}

/* A NUL-terminated copy of statement k. */
static char *migrate_stmt_text(const struct mstep *s, long k)
{
    return strndup(s->sql + s->st[k].off, s->st[k].len);
}

/* Formats a failed statement: "file:line: message (SQLSTATE x)" plus detail and hint. */
static void migrate_stmt_error(const struct dbconn *c, const struct mstep *s, long k,
                               const PGresult *res, char *err, size_t errlen)
{
    const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
    int line = pos ? sqlsplit_position_line(s->sql, &s->st[k], atol(pos)) : s->st[k].line;
    char msg[1024];
    dbconn_error(c, res, msg, sizeof msg);
    int off = snprintf(err, errlen, "%s:%d: %s", s->rev->path, s->line0 + line, msg);
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
    if (detail && off > 0 && (size_t)off < errlen)
        off += snprintf(err + off, errlen - (size_t)off, "\n  detail: %s", detail);
    if (hint && off > 0 && (size_t)off < errlen)
        off += snprintf(err + off, errlen - (size_t)off, "\n  hint: %s", hint);
    if (strcmp(dbconn_sqlstate(res), SQLSTATE_LOCK_NOT_AVAILABLE) == 0 && c->lock_desc[0] &&
        off > 0 && (size_t)off < errlen)
        snprintf(err + off, errlen - (size_t)off, "\n  waited for: %s", c->lock_desc);
}

/* Runs statements [from, s->nst) of a step. Returns -1 at the first failure with err and
 * *failed_at set; *retry is true when the failure was lock_not_available. With progress,
 * each completed statement is recorded in dbtool_progress (Transaction: none). */
static int migrate_statements(struct dbconn *c, const struct mstep *s, long from, bool progress,
                              long *failed_at, bool *retry, char *err, size_t errlen)
{
    for (long k = from; k < s->nst; k++) {
        char *text = migrate_stmt_text(s, k);
        if (!text) {
            snprintf(err, errlen, "out of memory");
            *failed_at = k;
            return -1;
        }
        PGresult *res = dbconn_exec_statement(c, text);
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
            migrate_stmt_error(c, s, k, res, err, errlen);
            *retry = strcmp(dbconn_sqlstate(res), SQLSTATE_LOCK_NOT_AVAILABLE) == 0;
            *failed_at = k;
            PQclear(res);
            free(text);
            return -1;
        }
        PQclear(res);
        int rc = 0;
        if (progress) {
            char sha[CHECKSUM_HEX_LEN + 1];
            rc = checksum_sha256_hex(text, strlen(text), sha);
            if (rc == 0)
                rc = history_record_progress(c, s->rev->id, migrate_direction(s->kind), (int)k + 1,
                                             sha, s->line0 + s->st[k].line, err, errlen);
        }
        free(text);
        if (rc != 0) {
            *failed_at = k + 1;
            return -1;
        }
    }
    return 0;
}

/* The bookkeeping of a completed step: version rows and a success history row. */
static int migrate_bookkeeping(struct dbconn *c, const struct revgraph *g, const bool *applied,
                               const struct mstep *s, long long ms, char *err, size_t errlen)
{
    bool *after = malloc((g->n + 1) * sizeof *after);
    struct vdiff d = {0};
    if (!after || (migrate_after(g, applied, s, after), migrate_diff(g, applied, after, &d)) != 0) {
        free(after);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct history_row row;
    migrate_row(s, &row);
    row.duration_ms = ms;
    row.success = true;
    int rc = history_set_versions(c, d.del, d.ndel, d.add, d.nadd, err, errlen);
    if (rc == 0)
        rc = history_record(c, &row, err, errlen);
    vdiff_free(&d);
    free(after);
    return rc;
}

/* Records a failed step (after its transaction was rolled back); best effort. */
static void migrate_record_failure(struct dbconn *c, const struct mstep *s, long long ms,
                                   const char *error)
{
    struct history_row row;
    char ignored[256];
    migrate_row(s, &row);
    row.duration_ms = ms;
    row.success = false;
    row.error = error;
    if (PQstatus(c->conn) == CONNECTION_OK)
        (void)history_record(c, &row, ignored, sizeof ignored);
}

static long long migrate_backoff_ms(const struct dbconn *c, int attempt)
{
    long long base = c->lock_timeout_ms / 2;
    if (base < 100)
        base = 100;
    if (base > 2000)
        base = 2000;
    return base << attempt;
}

static void migrate_rollback(struct dbconn *c)
{
    PGresult *res = PQexec(c->conn, SQL_ROLLBACK);
    PQclear(res); /* nothing to do if it fails: the session is going away then */
}

/* Tells the operator a lock_timeout is being retried. */
static void migrate_print_retry(FILE *out, const struct dbconn *c, const struct mstep *s,
                                int attempt, long long pause)
{
    fprintf(out, "lock_timeout in %s (%lld ms)%s%s; retrying in %lld ms (attempt %d of %d)\n",
            s->rev->id, c->lock_timeout_ms, c->lock_desc[0] ? " waiting for " : "", c->lock_desc,
            pause, attempt + 2, MIGRATE_LOCK_RETRIES + 1);
    fflush(out);
}

static void migrate_add_retry_note(char *err, size_t errlen, int attempts)
{
    size_t used = strlen(err);
    snprintf(err + used, errlen - used,
             "\n  gave up after %d attempts (lock_timeout each time); the revision was rolled "
             "back and the database is unchanged by it",
             attempts);
}

/* One revision in its own transaction, with lock_timeout retries. */
static int migrate_per_revision(struct dbconn *c, const struct revgraph *g, bool *applied,
                                const struct mstep *s, FILE *out, char *err, size_t errlen)
{
    for (int attempt = 0;; attempt++) {
        long long t0 = dbconn_now_ms();
        long failed_at = -1;
        bool retry = false;
        int rc = dbconn_command(c, SQL_BEGIN, 0, NULL, err, errlen);
        if (rc == 0)
            rc = migrate_statements(c, s, 0, false, &failed_at, &retry, err, errlen);
        long long ms = dbconn_now_ms() - t0;
        if (rc == 0)
            rc = migrate_bookkeeping(c, g, applied, s, ms, err, errlen);
        if (rc == 0 && dbconn_command(c, SQL_COMMIT, 0, NULL, err, errlen) != 0) {
            size_t used = strlen(err);
            snprintf(err + used, errlen - used, " (at COMMIT of %s)", s->rev->path);
            rc = -1;
        }
        if (rc == 0) {
            applied[s->node] = s->kind == STEP_UP;
            migrate_print_running(out, s, dbconn_now_ms() - t0);
            return 0;
        }
        migrate_rollback(c);
        if (retry && attempt < MIGRATE_LOCK_RETRIES) {
            long long pause = migrate_backoff_ms(c, attempt);
            migrate_print_retry(out, c, s, attempt, pause);
            dbconn_sleep_ms(pause);
            continue;
        }
        if (retry)
            migrate_add_retry_note(err, errlen, attempt + 1);
        migrate_record_failure(c, s, ms, err);
        return -1;
    }
}

/* How many leading statements an earlier run completed (same text, same order). */
static long migrate_resume_point(struct dbconn *c, const struct mstep *s, char *err, size_t errlen)
{
    struct history_progress *rows = NULL;
    size_t n = 0;
    if (history_read_progress(c, s->rev->id, migrate_direction(s->kind), &rows, &n, err, errlen) !=
        0)
        return -1;
    long done = 0;
    for (; done < s->nst; done++) {
        const char *sha = NULL;
        for (size_t i = 0; i < n; i++)
            if (rows[i].statement == done + 1)
                sha = rows[i].sha256; /* the latest row for that index wins */
        char *text = sha ? migrate_stmt_text(s, done) : NULL;
        char mine[CHECKSUM_HEX_LEN + 1] = "";
        if (text)
            (void)checksum_sha256_hex(text, strlen(text), mine);
        free(text);
        if (!sha || strcmp(sha, mine) != 0)
            break;
    }
    free(rows);
    return done;
}

/* A `Transaction: none` revision: statements commit one by one, progress recorded. */
static int migrate_no_transaction(struct dbconn *c, const struct revgraph *g, bool *applied,
                                  const struct mstep *s, FILE *out, char *err, size_t errlen)
{
    long from = migrate_resume_point(c, s, err, errlen);
    if (from < 0)
        return -1;
    if (from > 0)
        fprintf(out, "Resuming %s of %s at statement %ld of %ld (%ld done by an earlier run)\n",
                s->kind == STEP_UP ? "upgrade" : "downgrade", s->rev->id, from + 1, s->nst, from);
    long long t0 = dbconn_now_ms();
    for (int attempt = 0;; attempt++) {
        long failed_at = -1;
        bool retry = false;
        if (migrate_statements(c, s, from, true, &failed_at, &retry, err, errlen) == 0)
            break;
        if (retry && attempt < MIGRATE_LOCK_RETRIES) {
            long long pause = migrate_backoff_ms(c, attempt);
            migrate_print_retry(out, c, s, attempt, pause);
            dbconn_sleep_ms(pause);
            from = failed_at;
            continue;
        }
        if (retry)
            migrate_add_retry_note(err, errlen, attempt + 1);
        size_t used = strlen(err);
        const char *hint = "";
        if (failed_at < s->nst &&
            (sqlsplit_starts_with(s->sql, &s->st[failed_at], "CREATE INDEX CONCURRENTLY") ||
             sqlsplit_starts_with(s->sql, &s->st[failed_at], "CREATE UNIQUE INDEX CONCURRENTLY")))
            hint = "; a failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind: drop "
                   "it (DROP INDEX CONCURRENTLY) before you rerun";
        snprintf(err + used, errlen - used,
                 "\n  %s is \"Transaction: none\": statements 1-%ld of %ld are done and stay "
                 "done; statement %ld failed. Fix the cause and run dbtool again to resume at "
                 "statement %ld%s",
                 s->rev->path, failed_at, s->nst, failed_at + 1, failed_at + 1, hint);
        migrate_record_failure(c, s, dbconn_now_ms() - t0, err);
        return -1;
    }
    long long ms = dbconn_now_ms() - t0;
    int rc = dbconn_command(c, SQL_BEGIN, 0, NULL, err, errlen);
    if (rc == 0)
        rc = migrate_bookkeeping(c, g, applied, s, ms, err, errlen);
    if (rc == 0)
        rc = dbconn_command(c, SQL_COMMIT, 0, NULL, err, errlen);
    if (rc != 0) {
        migrate_rollback(c);
        return -1;
    }
    applied[s->node] = s->kind == STEP_UP;
    migrate_print_running(out, s, ms);
    return 0;
}

/* Everything in one transaction; lines are printed once it has committed. */
static int migrate_single(struct dbconn *c, const struct revgraph *g, bool *applied,
                          struct mstep *steps, size_t n, FILE *out, char *err, size_t errlen)
{
    bool *start = malloc((g->n + 1) * sizeof *start);
    long long *ms = calloc(n + 1, sizeof *ms);
    if (!start || !ms) {
        free(start);
        free(ms);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(start, applied, g->n * sizeof *start);
    int rc = -1;
    for (int attempt = 0;; attempt++) {
        size_t i = 0;
        long failed_at = -1;
        bool retry = false;
        long long t0 = dbconn_now_ms();
        rc = dbconn_command(c, SQL_BEGIN, 0, NULL, err, errlen);
        for (; rc == 0 && i < n; i++) {
            long long ts = dbconn_now_ms();
            rc = migrate_statements(c, &steps[i], 0, false, &failed_at, &retry, err, errlen);
            ms[i] = dbconn_now_ms() - ts;
            if (rc == 0)
                rc = migrate_bookkeeping(c, g, applied, &steps[i], ms[i], err, errlen);
            if (rc == 0)
                applied[steps[i].node] = steps[i].kind == STEP_UP;
        }
        if (rc == 0)
            rc = dbconn_command(c, SQL_COMMIT, 0, NULL, err, errlen);
        if (rc == 0) {
            for (i = 0; i < n; i++)
                migrate_print_running(out, &steps[i], ms[i]);
            fprintf(out, "Committed %zu revision%s as one transaction (%lld ms)\n", n,
                    n == 1 ? "" : "s", dbconn_now_ms() - t0);
            break;
        }
        migrate_rollback(c);
        memcpy(applied, start, g->n * sizeof *applied);
        if (retry && attempt < MIGRATE_LOCK_RETRIES) {
            long long pause = migrate_backoff_ms(c, attempt);
            migrate_print_retry(out, c, &steps[i ? i - 1 : 0], attempt, pause);
            dbconn_sleep_ms(pause);
            continue;
        }
        if (retry)
            migrate_add_retry_note(err, errlen, attempt + 1);
        size_t used = strlen(err);
        snprintf(err + used, errlen - used,
                 "\n  --single-transaction: everything was rolled back; nothing was applied");
        if (i > 0)
            migrate_record_failure(c, &steps[i - 1], dbconn_now_ms() - t0, err);
        break;
    }
    free(start);
    free(ms);
    return rc;
}

int migrate_run(struct dbconn *c, const struct revgraph *g, bool *applied, const struct plan *p,
                const struct migrate_opts *o, char *err, size_t errlen)
{
    struct mstep *steps = calloc(p->n + 1, sizeof *steps);
    if (!steps) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    size_t ready = 0;
    for (; ready < p->n && rc == 0; ready++)
        rc = mstep_init(&steps[ready], g, &p->steps[ready], err, errlen);
    if (rc != 0)
        ready--;
    if (rc == 0 && o->single_transaction) {
        rc = migrate_single(c, g, applied, steps, p->n, o->out, err, errlen);
    } else {
        for (size_t i = 0; i < p->n && rc == 0; i++) {
            const struct mstep *s = &steps[i];
            if (s->rev->stored)
                fprintf(o->out,
                        "No file for %s in this folder: using the SQL stored in "
                        "dbtool_history when it was applied (%s UTC)\n",
                        s->rev->id, s->rev->create_date);
            if (s->rev->tx == REVISION_TX_NONE)
                rc = migrate_no_transaction(c, g, applied, s, o->out, err, errlen);
            else
                rc = migrate_per_revision(c, g, applied, s, o->out, err, errlen);
        }
    }
    for (size_t i = 0; i < ready; i++)
        mstep_free(&steps[i]);
    free(steps);
    return rc;
}

/* Writes "a, b" (or "base") for the heads of a state. */
static void migrate_state_name(const struct revgraph *g, const bool *applied, char *buf,
                               size_t buflen, const char *sep, const char *none)
{
    size_t *heads = malloc((g->n + 1) * sizeof *heads);
    size_t n = heads ? plan_state_heads(g, applied, heads) : 0;
    snprintf(buf, buflen, "%s", n ? "" : none);
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, buflen - used, "%s%s", i ? sep : "", g->nodes[heads[i]].rev.id);
    }
    free(heads);
}

int migrate_stamp(struct dbconn *c, const struct revgraph *g, bool *applied, const struct plan *p,
                  char *const *unknown, size_t nunknown, FILE *out, char *err, size_t errlen)
{
    bool *after = malloc((g->n + 1) * sizeof *after);
    if (!after) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(after, applied, g->n * sizeof *after);
    for (size_t i = 0; i < p->n; i++)
        after[p->steps[i].node] = p->steps[i].kind == STEP_STAMP;
    struct vdiff d = {0};
    int rc = migrate_diff(g, applied, after, &d);
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    if (rc == 0)
        rc = dbconn_command(c, SQL_BEGIN, 0, NULL, err, errlen);
    for (size_t i = 0; i < p->n && rc == 0; i++) {
        struct mstep s;
        struct history_row row;
        rc = mstep_init(&s, g, &p->steps[i], err, errlen);
        if (rc != 0)
            break;
        migrate_row(&s, &row);
        row.success = true;
        rc = history_record(c, &row, err, errlen);
        mstep_free(&s);
    }
    if (rc == 0)
        rc = history_set_versions(c, unknown, nunknown, NULL, 0, err, errlen);
    if (rc == 0)
        rc = history_set_versions(c, d.del, d.ndel, d.add, d.nadd, err, errlen);
    if (rc == 0)
        rc = dbconn_command(c, SQL_COMMIT, 0, NULL, err, errlen);
    if (rc != 0) {
        migrate_rollback(c);
    } else {
        char from[512], to[512];
        migrate_state_name(g, applied, from, sizeof from, ", ", "");
        for (size_t i = 0; i < nunknown; i++) {
            size_t used = strlen(from);
            snprintf(from + used, sizeof from - used, "%s%s", used ? ", " : "", unknown[i]);
        }
        migrate_state_name(g, after, to, sizeof to, ", ", "");
        fprintf(out, "Running stamp %s -> %s\n", from, to);
        memcpy(applied, after, g->n * sizeof *applied);
    }
    vdiff_free(&d);
    free(after);
    return rc;
}

int migrate_print_sql(const struct revgraph *g, bool *applied, const struct plan *p,
                      const struct migrate_opts *o, const char *title, char *err, size_t errlen)
{
    FILE *out = o->out;
    char start[1024];
    bool *after = malloc((g->n + 1) * sizeof *after);
    if (!after) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    migrate_state_name(g, applied, start, sizeof start, ",", "");
    fprintf(out,
            "-- %s\n"
            "-- Generated by dbtool --sql. Run it with psql -v ON_ERROR_STOP=1 so that it stops "
            "at the first error.\n\n",
            title);
    if (o->single_transaction)
        fputs("BEGIN;\n\n", out);
    history_print_ddl(out);
    history_print_expect(out, start);
    int rc = 0;
    for (size_t i = 0; i < p->n && rc == 0; i++) {
        struct mstep s;
        rc = mstep_init(&s, g, &p->steps[i], err, errlen);
        if (rc != 0)
            break;
        bool own_tx = !o->single_transaction;
        fprintf(out, "-- Running %s %s -> %s, %s\n", s.kind == STEP_UP ? "upgrade" : "downgrade",
                s.kind == STEP_UP ? s.revises : s.rev->id,
                s.kind == STEP_UP ? s.rev->id : s.revises, s.rev->message);
        if (own_tx && s.rev->tx != REVISION_TX_NONE)
            fputs("BEGIN;\n", out);
        for (long k = 0; k < s.nst; k++)
            fprintf(out, "%.*s;\n", (int)s.st[k].len, s.sql + s.st[k].off);
        if (own_tx && s.rev->tx == REVISION_TX_NONE)
            fputs("BEGIN;\n", out);
        struct vdiff d = {0};
        migrate_after(g, applied, &s, after);
        if (migrate_diff(g, applied, after, &d) != 0) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        } else {
            struct history_row row;
            migrate_row(&s, &row);
            row.success = true;
            history_print_versions(out, d.del, d.ndel, d.add, d.nadd);
            history_print_record(out, &row);
            if (own_tx)
                fputs("COMMIT;\n", out);
            fputc('\n', out);
            memcpy(applied, after, g->n * sizeof *applied);
        }
        vdiff_free(&d);
        mstep_free(&s);
    }
    if (rc == 0 && o->single_transaction)
        fputs("COMMIT;\n", out);
    free(after);
    return rc;
}
