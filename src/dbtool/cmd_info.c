/*
 * cmd_info.c — the read-only commands: current, history, heads, branches, show, check.
 * None of them creates dbtool's tables or takes the advisory lock. (check's schema
 * comparison works in a scratch database, see autogen.h.)
 */
#include <stdlib.h>
#include <string.h>

#include "dbtool/autogen.h"
#include "dbtool/commands.h"
#include "dbtool/output.h"
#include "dbtool/plan.h"
#include "dbtool/state.h"

#define ERRLEN 4096

/* Loads the graph and reads the database's position (lenient: unknown rows listed). */
static int info_open(struct dbstate *st, const struct settings *s, char *err, size_t errlen)
{
    if (state_load_graph(st, s->migrations_dir, err, errlen) != 0)
        return -1;
    if (state_connect(st, s, false, stdout, err, errlen) != 0 ||
        state_read(st, true, err, errlen) != 0) {
        state_free(st);
        return -1;
    }
    return 0;
}

/* True when the version rows are exactly the folder's heads. */
static bool info_at_heads(const struct dbstate *st)
{
    if (st->nunknown > 0)
        return false;
    for (size_t i = 0; i < st->g.n; i++) {
        bool head = !st->g.nodes[i].rev.stored && revgraph_is_head(&st->g, i, true);
        if (head != st->current[i])
            return false;
    }
    return st->g.n > 0;
}

static void info_list_heads(const struct revgraph *g, char *buf, size_t buflen)
{
    size_t *heads = malloc((g->n + 1) * sizeof *heads);
    size_t n = heads ? revgraph_heads(g, true, heads) : 0;
    snprintf(buf, buflen, "%s", n ? "" : "base (no revisions)");
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, buflen - used, "%s%s", i ? ", " : "", g->nodes[heads[i]].rev.id);
    }
    free(heads);
}

static void info_list_current(const struct dbstate *st, char *buf, size_t buflen)
{
    snprintf(buf, buflen, "%s", "");
    for (size_t k = 0; k < st->g.n; k++) {
        size_t i = st->g.topo[k], used = strlen(buf);
        if (st->current[i])
            snprintf(buf + used, buflen - used, "%s%s", used ? ", " : "", st->g.nodes[i].rev.id);
    }
    for (size_t i = 0; i < st->nunknown; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, buflen - used, "%s%s", used ? ", " : "", st->unknown[i]);
    }
    if (!buf[0])
        snprintf(buf, buflen, "base (nothing applied)");
}

int cmd_current(const struct cli *cli, const struct settings *s)
{
    struct dbstate st;
    char err[ERRLEN];
    if (info_open(&st, s, err, sizeof err) != 0)
        return cli_fail("%s", err);
    bool verbose = cli_has(cli, OPT_VERBOSE);
    if (verbose)
        printf("Current revision(s) for %s:\n", st.db.masked);
    for (size_t k = 0; k < st.g.n; k++) {
        size_t i = st.g.topo[k];
        if (!st.current[i])
            continue;
        if (verbose) {
            output_block(stdout, &st.g, i, NULL);
        } else {
            printf("%s", st.g.nodes[i].rev.id);
            output_marks(stdout, &st.g, i, NULL);
            putchar('\n');
        }
    }
    for (size_t i = 0; i < st.nunknown; i++)
        printf("%s (unknown: neither in %s nor in dbtool_history)\n", st.unknown[i], st.g.dir);
    int status = EXIT_OK;
    if (cli_has(cli, OPT_CHECK_HEADS) && !info_at_heads(&st)) {
        char at[1024], heads[1024];
        info_list_current(&st, at, sizeof at);
        info_list_heads(&st.g, heads, sizeof heads);
        status = cli_fail("the database is at %s, not at the head of %s (%s)", at, st.g.dir, heads);
    }
    state_free(&st);
    return status;
}

/* Marks the nodes of history's -r A:B range in keep; returns 0 or -1 (err set). */
static int info_range(const struct dbstate *st, const char *range, bool *keep, char *err,
                      size_t errlen)
{
    const struct revgraph *g = &st->g;
    const bool *known = st->connected ? st->applied : NULL; /* "current" needs the database */
    const char *colon = strchr(range, ':');
    if (!colon) {
        snprintf(err, errlen, "bad range \"%s\": expected A:B (either end may be empty)", range);
        return -2;
    }
    char lower[128], upper[128];
    snprintf(lower, sizeof lower, "%.*s", (int)(colon - range), range);
    snprintf(upper, sizeof upper, "%s", colon + 1);
    struct target lo, hi;
    if (plan_parse_target(lower[0] ? lower : "base", &lo, err, errlen) != 0 ||
        plan_parse_target(upper[0] ? upper : "heads", &hi, err, errlen) != 0)
        return -2;
    bool *above = calloc(g->n + 1, sizeof *above), *below = calloc(g->n + 1, sizeof *below);
    int rc = 0;
    long ix;
    if (!above || !below) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    } else if (lo.anchor == TARGET_BASE && lo.delta == 0) {
        for (size_t i = 0; i < g->n; i++)
            above[i] = true;
    } else if ((rc = plan_resolve(g, known, &lo, &ix, err, errlen)) == 0) {
        if (ix >= 0)
            revgraph_mark_descendants(g, (size_t)ix, above);
        else
            for (size_t i = 0; i < g->n; i++)
                above[i] = true;
    }
    if (rc == 0 && hi.anchor == TARGET_HEADS) {
        for (size_t i = 0; i < g->n; i++)
            below[i] = true;
    } else if (rc == 0 && (rc = plan_resolve(g, known, &hi, &ix, err, errlen)) == 0 && ix >= 0) {
        revgraph_mark_ancestors(g, (size_t)ix, below);
    }
    for (size_t i = 0; rc == 0 && i < g->n; i++)
        keep[i] = above[i] && below[i];
    free(above);
    free(below);
    return rc;
}

int cmd_history(const struct cli *cli, const struct settings *s)
{
    struct dbstate st;
    char err[ERRLEN];
    if (state_load_graph(&st, s->migrations_dir, err, sizeof err) != 0)
        return cli_fail("%s", err);
    /* (current) marks need the database; without it the list is still useful. */
    if (state_connect(&st, s, false, stdout, err, sizeof err) != 0 ||
        state_read(&st, true, err, sizeof err) != 0) {
        fprintf(stderr, "dbtool: warning: no (current) marks: %s\n", err);
        dbconn_close(&st.db);
        st.connected = false;
        if (state_init_offline(&st) != 0) {
            state_free(&st);
            return cli_fail("out of memory");
        }
    }
    bool *keep = calloc(st.g.n + 1, sizeof *keep);
    int status = EXIT_OK;
    if (!keep) {
        status = cli_fail("out of memory");
    } else if (cli_has(cli, OPT_REV_RANGE)) {
        int rc = info_range(&st, cli->opt[OPT_REV_RANGE], keep, err, sizeof err);
        if (rc == -2)
            status = cli_usage_error(cli, "%s", err);
        else if (rc != 0)
            status = cli_fail("%s", err);
    } else {
        for (size_t i = 0; i < st.g.n; i++)
            keep[i] = true;
    }
    for (size_t k = st.g.n; keep && status == EXIT_OK && k-- > 0;) {
        size_t i = st.g.topo[k];
        if (!keep[i])
            continue;
        if (cli_has(cli, OPT_VERBOSE))
            output_block(stdout, &st.g, i, st.current);
        else
            output_line(stdout, &st.g, i, st.current);
    }
    free(keep);
    state_free(&st);
    return status;
}

int cmd_heads(const struct cli *cli, const struct settings *s)
{
    struct dbstate st;
    char err[ERRLEN];
    if (state_load_graph(&st, s->migrations_dir, err, sizeof err) != 0)
        return cli_fail("%s", err);
    size_t *heads = malloc((st.g.n + 1) * sizeof *heads);
    if (!heads) {
        state_free(&st);
        return cli_fail("out of memory");
    }
    size_t n = revgraph_heads(&st.g, true, heads);
    for (size_t i = 0; i < n; i++) {
        if (cli_has(cli, OPT_VERBOSE)) {
            output_block(stdout, &st.g, heads[i], NULL);
        } else {
            printf("%s", st.g.nodes[heads[i]].rev.id);
            output_marks(stdout, &st.g, heads[i], NULL);
            putchar('\n');
        }
    }
    free(heads);
    state_free(&st);
    return EXIT_OK;
}

int cmd_branches(const struct cli *cli, const struct settings *s)
{
    struct dbstate st;
    char err[ERRLEN];
    if (state_load_graph(&st, s->migrations_dir, err, sizeof err) != 0)
        return cli_fail("%s", err);
    for (size_t k = 0; k < st.g.n; k++) {
        size_t i = st.g.topo[k];
        const struct revnode *node = &st.g.nodes[i];
        if (node->nchildren < 2)
            continue;
        if (cli_has(cli, OPT_VERBOSE))
            output_block(stdout, &st.g, i, NULL);
        else
            output_line(stdout, &st.g, i, NULL);
        for (size_t c = 0; c < node->nchildren; c++) {
            size_t child = node->children[c];
            printf("%*s -> %s", (int)strlen(node->rev.id), "", st.g.nodes[child].rev.id);
            output_marks(stdout, &st.g, child, NULL);
            printf("%s%s\n", *st.g.nodes[child].rev.message ? ", " : "",
                   st.g.nodes[child].rev.message);
        }
    }
    state_free(&st);
    return EXIT_OK;
}

int cmd_show(const struct cli *cli, const struct settings *s)
{
    struct dbstate st;
    struct target t;
    char err[ERRLEN];
    long ix;
    if (plan_parse_target(cli->args[0], &t, err, sizeof err) != 0)
        return cli_usage_error(cli, "%s", err);
    if (state_load_graph(&st, s->migrations_dir, err, sizeof err) != 0)
        return cli_fail("%s", err);
    int status = EXIT_OK;
    if (plan_resolve(&st.g, NULL, &t, &ix, err, sizeof err) != 0)
        status = cli_fail("%s", err);
    else if (ix < 0)
        status = cli_fail("base is not a revision: it is the state before the first one");
    else
        output_block(stdout, &st.g, (size_t)ix, NULL);
    state_free(&st);
    return status;
}

int cmd_check(const struct cli *cli, const struct settings *s)
{
    struct dbstate st;
    char err[ERRLEN], problems[ERRLEN] = "", at[1024], heads[1024], schema[4096];
    if (info_open(&st, s, err, sizeof err) != 0)
        return cli_fail("%s", err);
    int count = 0;
    bool at_heads = info_at_heads(&st);
    if (!at_heads) {
        info_list_current(&st, at, sizeof at);
        info_list_heads(&st.g, heads, sizeof heads);
        snprintf(problems, sizeof problems, "the database is at %s, not at the head of %s (%s)", at,
                 st.g.dir, heads);
        count++;
    }
    size_t used = strlen(problems);
    int changed = state_changed_files(&st, problems + used + (used ? 1 : 0),
                                      sizeof problems - used - 1, err, sizeof err);
    if (changed < 0) {
        state_free(&st);
        return cli_fail("%s", err);
    }
    if (changed > 0 && used)
        problems[used] = '\n';
    count += changed;
    struct diff drift;
    int compared = autogen_drift(&st, s, cli->opt[OPT_SCRATCH_URL], &drift, schema, sizeof schema,
                                 err, sizeof err);
    if (compared < 0) {
        state_free(&st);
        return cli_fail("%s", err);
    }
    count += (int)drift.nchanges;
    int status = EXIT_OK;
    if (count == 0) {
        info_list_heads(&st.g, heads, sizeof heads);
        if (compared)
            printf("OK: the database is at the head (%s), no applied file was changed, and the "
                   "schema matches %s.\n",
                   heads, schema);
        else
            printf("OK: the database is at the head (%s) and no applied file was changed "
                   "(no %s: the schema was not compared).\n",
                   heads, schema);
    } else {
        fprintf(stderr, "dbtool: error: check found %d problem%s:\n", count, count == 1 ? "" : "s");
        for (char *line = strtok(problems, "\n"); line; line = strtok(NULL, "\n"))
            fprintf(stderr, "  %s\n", line);
        for (size_t i = 0; i < drift.nchanges; i++)
            fprintf(stderr, "  schema drift (database -> %s): %s\n", schema, drift.changes[i]);
        if (drift.nchanges > 0 && at_heads)
            fprintf(stderr, "hint: dbtool revision --autogenerate -m MSG writes a revision that "
                            "removes the drift\n");
        status = EXIT_FAILED;
    }
    diff_free(&drift);
    state_free(&st);
    return status;
}
