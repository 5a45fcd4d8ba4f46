/*
 * cmd_schema.c — the commands about schemas: `test` (the revision graph checked on a
 * scratch database, SPEC §8) and `catalog` (the schema as dbtool reads it).
 *
 * `dbtool test`, for CI:
 *   1. every file parses, every section splits into statements, every revision has a
 *      down section, and the folder has one head;
 *   2. the stairway on a scratch database: for each revision in order, upgrade,
 *      downgrade, upgrade again; the catalog after the downgrade must be the one before
 *      the upgrade (compared strictly, names included: a downgrade leaves no trace), and
 *      the second upgrade must give the catalog of the first;
 *   3. the catalog at head must match the declared schema (as `check` compares them);
 *   4. downgrade base must leave an empty schema.
 * A failing check is reported with the revision and the differences; a revision whose
 * SQL fails stops the stairway (what follows could not be trusted).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbtool/autogen.h"
#include "dbtool/catalog.h"
#include "dbtool/commands.h"
#include "dbtool/diff.h"
#include "dbtool/history.h"
#include "dbtool/migrate.h"
#include "dbtool/plan.h"
#include "dbtool/scratch.h"

#define ERRLEN 4096

struct selftest {
    const struct revgraph *g;
    struct scratch sc;
    bool *applied;
    FILE *sink; /* migrate_run's "Running upgrade ..." lines go here, unread */
    char *sink_buf;
    size_t sink_len;
    int checks, failed;
};

static void st_ok(struct selftest *t, const char *what)
{
    t->checks++;
    printf("ok   %s\n", what);
    fflush(stdout);
}

/* "FAIL <what>: <why>" and the changes of d (if any), indented. */
static void st_fail(struct selftest *t, const char *what, const char *why, const struct diff *d)
{
    t->checks++;
    t->failed++;
    printf("FAIL %s: %s\n", what, why);
    for (size_t i = 0; d && i < d->nchanges; i++)
        printf("       %s\n", d->changes[i]);
    fflush(stdout);
}

/* Runs one revision up or down on the scratch database. */
static int st_step(struct selftest *t, size_t ix, enum step_kind kind, char *err, size_t errlen)
{
    struct plan_step step = {ix, kind};
    struct plan p = {&step, 1};
    struct migrate_opts o = {.single_transaction = false, .out = t->sink};
    return migrate_run(&t->sc.db, t->g, t->applied, &p, &o, err, errlen);
}

/* Compares two catalogs strictly; 1 when equal, 0 when not (*d filled), -1 on OOM. */
static int st_same(const struct catalog *a, const struct catalog *b, struct diff *d)
{
    if (diff_compute(a, b, DIFF_STRICT, d) != 0)
        return -1;
    return d->nchanges == 0;
}

/* Step 1: parsing, sections, one head. Returns 0 when the stairway can run. */
static int st_graph(struct selftest *t, const char *dir)
{
    char err[ERRLEN], what[512];
    int bad = 0;
    for (size_t i = 0; i < t->g->n; i++) {
        const struct plan_step steps[2] = {{i, STEP_UP}, {i, STEP_DOWN}};
        for (int k = 0; k < 2; k++) {
            struct plan p = {(struct plan_step *)&steps[k], 1};
            if (migrate_check(t->g, &p, false, err, sizeof err) != 0) {
                snprintf(what, sizeof what, "%s", t->g->nodes[i].rev.id);
                st_fail(t, what, err, NULL);
                bad++;
                break;
            }
        }
    }
    size_t *heads = malloc((t->g->n + 1) * sizeof *heads);
    size_t nheads = heads ? revgraph_heads(t->g, true, heads) : 0;
    if (nheads > 1) {
        plan_multiple_heads_error(t->g, err, sizeof err);
        st_fail(t, dir, err, NULL);
        bad++;
    } else if (bad == 0) {
        snprintf(what, sizeof what, "%s: %zu revision%s, every file parses, %s%s%s", dir, t->g->n,
                 t->g->n == 1 ? "" : "s", nheads ? "one head (" : "no revisions",
                 nheads ? t->g->nodes[heads[0]].rev.id : "", nheads ? ")" : "");
        st_ok(t, what);
    }
    free(heads);
    return bad ? -1 : 0;
}

/* Step 2 for one revision. Returns -1 when its SQL failed (the stairway stops). */
static int st_stairway(struct selftest *t, size_t ix)
{
    const struct revision *r = &t->g->nodes[ix].rev;
    char err[ERRLEN], what[512];
    snprintf(what, sizeof what, "%s %s", r->id, r->message);
    struct catalog before = {0}, up = {0}, down = {0}, again = {0};
    struct diff d = {0};
    int rc = -1;
    if (catalog_read(&t->sc.db, CATALOG_SCHEMA, &before, err, sizeof err) != 0)
        goto fail;
    if (st_step(t, ix, STEP_UP, err, sizeof err) != 0) {
        snprintf(what + strlen(what), sizeof what - strlen(what), " (upgrade)");
        goto fail;
    }
    if (catalog_read(&t->sc.db, CATALOG_SCHEMA, &up, err, sizeof err) != 0)
        goto fail;
    if (st_step(t, ix, STEP_DOWN, err, sizeof err) != 0) {
        snprintf(what + strlen(what), sizeof what - strlen(what), " (downgrade)");
        goto fail;
    }
    if (catalog_read(&t->sc.db, CATALOG_SCHEMA, &down, err, sizeof err) != 0)
        goto fail;
    int same = st_same(&before, &down, &d);
    if (same < 0) {
        snprintf(err, sizeof err, "out of memory");
        goto fail;
    }
    bool clean = same == 1;
    if (!clean)
        st_fail(t, what,
                "the downgrade leaves a trace (schema before the upgrade -> schema after the "
                "downgrade)",
                &d);
    diff_free(&d);
    if (st_step(t, ix, STEP_UP, err, sizeof err) != 0) {
        snprintf(what + strlen(what), sizeof what - strlen(what), " (upgrade after downgrade)");
        goto fail;
    }
    if (catalog_read(&t->sc.db, CATALOG_SCHEMA, &again, err, sizeof err) != 0)
        goto fail;
    same = st_same(&up, &again, &d);
    if (same == 0)
        st_fail(t, what,
                "upgrading again after the downgrade gives another schema (first upgrade -> "
                "second upgrade)",
                &d);
    else if (same == 1 && clean) {
        snprintf(what + strlen(what), sizeof what - strlen(what), " (upgrade/downgrade/upgrade)");
        st_ok(t, what);
    }
    rc = 0;
    goto done;
fail:
    st_fail(t, what, err, NULL);
done:
    diff_free(&d);
    catalog_free(&before);
    catalog_free(&up);
    catalog_free(&down);
    catalog_free(&again);
    return rc;
}

/* Step 3: the head against the declared schema (read before the stairway). */
static void st_head(struct selftest *t, const struct catalog *declared, const char *path)
{
    char err[ERRLEN], what[4200];
    struct catalog head;
    struct diff d;
    snprintf(what, sizeof what, "head matches %s", path);
    if (catalog_read(&t->sc.db, CATALOG_SCHEMA, &head, err, sizeof err) != 0) {
        st_fail(t, what, err, NULL);
        return;
    }
    if (diff_compute(&head, declared, DIFF_NORMAL, &d) != 0) {
        st_fail(t, what, "out of memory", NULL);
    } else if (d.nchanges == 0) {
        st_ok(t, what);
    } else {
        snprintf(what, sizeof what, "head of %s vs %s", t->g->dir, path);
        st_fail(t, what,
                "they differ (head -> declared schema, what revision --autogenerate would "
                "write)",
                &d);
    }
    diff_free(&d);
    catalog_free(&head);
}

/* Step 4 (and the cleanup of a --scratch-url database): downgrade everything. */
static int st_base(struct selftest *t, bool report)
{
    char err[ERRLEN];
    struct target base = {.anchor = TARGET_BASE};
    struct plan p = {0};
    struct migrate_opts o = {.single_transaction = false, .out = t->sink};
    int rc = plan_downgrade(t->g, t->applied, &base, &p, err, sizeof err);
    if (rc == 0 && p.n > 0)
        rc = migrate_run(&t->sc.db, t->g, t->applied, &p, &o, err, sizeof err);
    plan_free(&p);
    if (!report)
        return rc;
    if (rc != 0) {
        st_fail(t, "downgrade base", err, NULL);
        return rc;
    }
    struct catalog left, empty = {0};
    struct diff d = {0};
    if (catalog_read(&t->sc.db, CATALOG_SCHEMA, &left, err, sizeof err) != 0) {
        st_fail(t, "downgrade base", err, NULL);
        return -1;
    }
    int same = st_same(&empty, &left, &d);
    if (same == 1)
        st_ok(t, "downgrade base leaves an empty schema");
    else
        st_fail(t, "downgrade base",
                same < 0 ? "out of memory" : "objects are left (empty schema -> what is left)", &d);
    diff_free(&d);
    catalog_free(&left);
    return same == 1 ? 0 : -1;
}

int cmd_test(const struct cli *cli, const struct settings *s)
{
    struct revgraph g;
    char err[ERRLEN], path[4096];
    bool named;
    if (revgraph_load(&g, s->migrations_dir, err, sizeof err) != 0) {
        printf("FAIL %s: %s\n", s->migrations_dir, err);
        return cli_fail("test failed: the revision files do not load");
    }
    struct selftest t = {.g = &g};
    struct catalog declared = {0};
    bool have_declared = false, stopped = false;
    autogen_schema_file(s, path, sizeof path, &named);
    t.applied = calloc(g.n + 1, sizeof *t.applied);
    t.sink = open_memstream(&t.sink_buf, &t.sink_len);
    if (!t.applied || !t.sink) {
        cli_fail("out of memory");
        goto done;
    }
    if (st_graph(&t, g.dir) != 0)
        goto done;
    if (access(path, R_OK) != 0 && named) {
        st_fail(&t, path, "cannot read the declared schema (--schema / SCHEMA_FILE)", NULL);
        goto done;
    }
    if (scratch_open(&t.sc, s->database_url, cli->opt[OPT_SCRATCH_URL], s->lock_timeout_ms, err,
                     sizeof err) != 0) {
        cli_fail("%s", err);
        t.checks++;
        t.failed++;
        goto done;
    }
    if (access(path, R_OK) == 0) {
        if (scratch_declared(&t.sc, path, &declared, err, sizeof err) != 0) {
            st_fail(&t, path, err, NULL);
            goto close;
        }
        have_declared = true;
    }
    if (history_ensure(&t.sc.db, err, sizeof err) != 0) {
        st_fail(&t, "scratch database", err, NULL);
        goto close;
    }
    for (size_t k = 0; k < g.n && !stopped; k++) {
        stopped = scratch_interrupted() || st_stairway(&t, g.topo[k]) != 0;
    }
    if (!stopped && have_declared)
        st_head(&t, &declared, path);
    else if (!stopped)
        printf("skip head vs declared schema: no %s\n", path);
    if (!stopped && !scratch_interrupted())
        st_base(&t, true);
close:
    if (!t.sc.name[0]) { /* a database the user gave: leave it empty */
        if (stopped)
            (void)st_base(&t, false);
        if (scratch_reset(&t.sc, err, sizeof err) != 0)
            fprintf(stderr, "dbtool: warning: the scratch database is not empty again: %s\n", err);
    }
    scratch_close(&t.sc);
done:
    if (t.sink)
        fclose(t.sink);
    free(t.sink_buf);
    free(t.applied);
    catalog_free(&declared);
    revgraph_free(&g);
    if (t.failed == 0 && t.checks > 0) {
        printf("dbtool test: OK (%d checks)\n", t.checks);
        return EXIT_OK;
    }
    if (t.checks > 0)
        fprintf(stderr, "dbtool: error: test failed: %d of %d checks\n", t.failed, t.checks);
    return EXIT_FAILED;
}

int cmd_catalog(const struct cli *cli, const struct settings *s)
{
    (void)cli;
    struct dbconn c;
    struct catalog cat;
    char err[ERRLEN];
    if (dbconn_open(&c, s->database_url, s->lock_timeout_ms, err, sizeof err) != 0)
        return cli_fail("%s", err);
    int rc = catalog_read(&c, CATALOG_SCHEMA, &cat, err, sizeof err);
    dbconn_close(&c);
    if (rc != 0)
        return cli_fail("%s", err);
    catalog_print(stdout, &cat);
    catalog_free(&cat);
    return EXIT_OK;
}
