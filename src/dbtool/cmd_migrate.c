/*
 * cmd_migrate.c — the commands that change the database: upgrade, downgrade, stamp,
 * and their offline --sql forms.
 *
 * Order of work, so that bad input never touches the database: target syntax (usage
 * error), the folder's graph and everything decidable from it alone (several heads, an
 * unknown or ambiguous id), then connect, take the advisory lock, read the version
 * table, check checksums, plan, check the plan's files, and only then create the
 * tables (first run) and execute.
 */
#include <stdlib.h>
#include <string.h>

#include "dbtool/commands.h"
#include "dbtool/history.h"
#include "dbtool/migrate.h"
#include "dbtool/plan.h"
#include "dbtool/state.h"

#define ERRLEN 4096

enum migrate_kind { KIND_UPGRADE, KIND_DOWNGRADE, KIND_STAMP };

static const char *const kind_names[] = {"upgrade", "downgrade", "stamp"};

/* Resolves what can be resolved without the database, so such errors come first. */
static int cmd_precheck(const struct dbstate *st, const struct target *t, enum migrate_kind kind,
                        char *err, size_t errlen)
{
    long ix;
    if (t->anchor == TARGET_CURRENT || t->anchor == TARGET_BASE || t->anchor == TARGET_HEADS)
        return 0;
    if (t->anchor == TARGET_REV && kind != KIND_UPGRADE) {
        /* may name a revision whose file is gone: only an ambiguous prefix is final */
        size_t found;
        if (revgraph_lookup(&st->g, t->rev, &found, err, errlen) != 0 &&
            strstr(err, " matches ") != NULL)
            return -1;
        return 0;
    }
    return plan_resolve(&st->g, NULL, t, &ix, err, errlen);
}

/* Writes the current heads of a state, e.g. "66d8a54cd297 (head)" or "base". */
static void cmd_where(const struct dbstate *st, char *buf, size_t buflen)
{
    size_t *heads = malloc((st->g.n + 1) * sizeof *heads);
    size_t n = heads ? plan_state_heads(&st->g, st->applied, heads) : 0;
    snprintf(buf, buflen, "%s", n ? "" : "base");
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, buflen - used, "%s%s%s", i ? ", " : "", st->g.nodes[heads[i]].rev.id,
                 revgraph_is_head(&st->g, heads[i], true) && !st->g.nodes[heads[i]].rev.stored
                     ? " (head)"
                     : "");
    }
    free(heads);
}

/* An upgrade cannot start from a revision this folder does not have (the database was
 * migrated by a newer release): say how to get back instead. */
static int cmd_ahead(const struct dbstate *st, char *err, size_t errlen)
{
    for (size_t i = 0; i < st->g.n; i++) {
        const struct revnode *node = &st->g.nodes[i];
        if (!st->current[i] || !node->rev.stored)
            continue;
        size_t base = i;
        while (st->g.nodes[base].rev.stored && st->g.nodes[base].rev.nparents == 1)
            base = st->g.nodes[base].parents[0];
        snprintf(err, errlen,
                 "the database is at %s, which has no file in %s (applied by a newer "
                 "release?); nothing was changed. To return to this folder's revisions run "
                 "\"dbtool downgrade %s\" (it uses the SQL stored when %s was applied)",
                 node->rev.id, st->g.dir,
                 st->g.nodes[base].rev.stored ? "base" : st->g.nodes[base].rev.id, node->rev.id);
        return -1;
    }
    return 0;
}

/* Refuses (or, with --ignore-checksums, warns about) applied files changed since. */
static int cmd_checksums(struct dbstate *st, bool ignore, char *err, size_t errlen)
{
    char problems[ERRLEN - 64];
    int n = state_changed_files(st, problems, sizeof problems, err, errlen);
    if (n < 0)
        return -1;
    if (n == 0)
        return 0;
    if (ignore) {
        for (char *line = strtok(problems, "\n"); line; line = strtok(NULL, "\n"))
            fprintf(stderr, "dbtool: warning: %s; going on (--ignore-checksums)\n", line);
        return 0;
    }
    snprintf(err, errlen, "%s; use --ignore-checksums to go on anyway", problems);
    return -1;
}

/* `upgrade --sql [FROM:]TO` and `downgrade --sql FROM:TO`: no database involved. */
static int cmd_offline(const struct cli *cli, const struct settings *s, enum migrate_kind kind,
                       const char *range)
{
    char err[ERRLEN], from_text[128] = "base", title[512];
    const char *to_text = range;
    const char *colon = strchr(range, ':');
    if (colon) {
        snprintf(from_text, sizeof from_text, "%.*s", (int)(colon - range), range);
        to_text = colon + 1;
    } else if (kind == KIND_DOWNGRADE) {
        return cli_usage_error(cli, "downgrade --sql needs a range FROM:TO (e.g. head:base), "
                                    "since it does not read the database");
    }
    struct target from, to;
    if (plan_parse_target(from_text[0] ? from_text : "base", &from, err, sizeof err) != 0 ||
        plan_parse_target(*to_text ? to_text : "head", &to, err, sizeof err) != 0)
        return cli_usage_error(cli, "%s", err);

    struct dbstate st;
    struct plan p = {0};
    int status = EXIT_FAILED;
    if (state_load_graph(&st, s->migrations_dir, err, sizeof err) != 0)
        return cli_fail("%s", err);
    if (state_init_offline(&st) != 0) {
        snprintf(err, sizeof err, "out of memory");
        goto done;
    }
    if (plan_state_at(&st.g, &from, st.applied, err, sizeof err) != 0)
        goto done;
    if ((kind == KIND_UPGRADE ? plan_upgrade : plan_downgrade)(&st.g, st.applied, &to, &p, err,
                                                               sizeof err) != 0)
        goto done;
    if (migrate_check(&st.g, &p, cli_has(cli, OPT_SINGLE_TRANSACTION), err, sizeof err) != 0)
        goto done;
    snprintf(title, sizeof title, "dbtool %s --sql %s:%s (%zu revision%s)", kind_names[kind],
             from_text[0] ? from_text : "base", *to_text ? to_text : "head", p.n,
             p.n == 1 ? "" : "s");
    struct migrate_opts o = {.single_transaction = cli_has(cli, OPT_SINGLE_TRANSACTION),
                             .out = stdout};
    if (migrate_print_sql(&st.g, st.applied, &p, &o, title, err, sizeof err) == 0)
        status = EXIT_OK;
done:
    if (status != EXIT_OK)
        cli_fail("%s", err);
    plan_free(&p);
    state_free(&st);
    return status;
}

static int cmd_migrate(const struct cli *cli, const struct settings *s, enum migrate_kind kind)
{
    const char *arg = cli->nargs > 0 ? cli->args[0] : "head";
    char err[ERRLEN], where[1024];
    if (kind != KIND_STAMP && cli_has(cli, OPT_SQL))
        return cmd_offline(cli, s, kind, cli->nargs > 0 ? cli->args[0] : "base:head");
    struct target t;
    if (plan_parse_target(arg, &t, err, sizeof err) != 0)
        return cli_usage_error(cli, "%s", err);
    if (kind == KIND_UPGRADE && t.anchor == TARGET_BASE && t.delta == 0)
        return cli_usage_error(cli, "upgrade base goes nowhere: did you mean downgrade base?");

    struct dbstate st;
    struct plan p = {0};
    int status = EXIT_FAILED;
    if (state_load_graph(&st, s->migrations_dir, err, sizeof err) != 0)
        return cli_fail("%s", err);
    if (cmd_precheck(&st, &t, kind, err, sizeof err) != 0 ||
        state_connect(&st, s, true, stdout, err, sizeof err) != 0 ||
        state_read(&st, kind == KIND_STAMP, err, sizeof err) != 0)
        goto done;
    if (kind == KIND_UPGRADE && cmd_ahead(&st, err, sizeof err) != 0)
        goto done;
    if (kind != KIND_STAMP &&
        cmd_checksums(&st, cli_has(cli, OPT_IGNORE_CHECKSUMS), err, sizeof err) != 0)
        goto done;
    int rc = kind == KIND_UPGRADE     ? plan_upgrade(&st.g, st.applied, &t, &p, err, sizeof err)
             : kind == KIND_DOWNGRADE ? plan_downgrade(&st.g, st.applied, &t, &p, err, sizeof err)
                                      : plan_stamp(&st.g, st.applied, &t, &p, err, sizeof err);
    if (rc != 0)
        goto done;
    if (p.n == 0 && st.nunknown == 0) {
        cmd_where(&st, where, sizeof where);
        printf("Nothing to do: the database is at %s.\n", where);
        status = EXIT_OK;
        goto done;
    }
    if (kind != KIND_STAMP &&
        migrate_check(&st.g, &p, cli_has(cli, OPT_SINGLE_TRANSACTION), err, sizeof err) != 0)
        goto done;
    if (history_ensure(&st.db, err, sizeof err) != 0)
        goto done;
    if (kind == KIND_STAMP) {
        rc = migrate_stamp(&st.db, &st.g, st.applied, &p, st.unknown, st.nunknown, stdout, err,
                           sizeof err);
    } else {
        struct migrate_opts o = {.single_transaction = cli_has(cli, OPT_SINGLE_TRANSACTION),
                                 .out = stdout};
        rc = migrate_run(&st.db, &st.g, st.applied, &p, &o, err, sizeof err);
    }
    if (rc == 0)
        status = EXIT_OK;
done:
    if (status != EXIT_OK)
        cli_fail("%s", err);
    plan_free(&p);
    state_free(&st);
    return status;
}

int cmd_upgrade(const struct cli *cli, const struct settings *s)
{
    return cmd_migrate(cli, s, KIND_UPGRADE);
}

int cmd_downgrade(const struct cli *cli, const struct settings *s)
{
    return cmd_migrate(cli, s, KIND_DOWNGRADE);
}

int cmd_stamp(const struct cli *cli, const struct settings *s)
{
    return cmd_migrate(cli, s, KIND_STAMP);
}
