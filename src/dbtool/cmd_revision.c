/*
 * cmd_revision.c — the commands that write revision files: revision (empty, or filled by
 * --autogenerate, see autogen.h) and merge. Files are created with O_EXCL, so an existing
 * file is never overwritten.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "dbtool/autogen.h"
#include "dbtool/commands.h"
#include "dbtool/plan.h"
#include "dbtool/state.h"

#define ERRLEN   4096
#define SLUG_MAX 40

/* A fresh 12-hex id not used in the graph. Returns 0 or -1 (errno from getrandom). */
static int rev_new_id(const struct revgraph *g, char id[13])
{
    for (int tries = 0; tries < 100; tries++) {
        unsigned char b[6];
        if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
            return -1;
        for (int i = 0; i < 6; i++)
            snprintf(id + 2 * i, 3, "%02x", b[i]);
        /* keep it from being all digits, which reads like a step count */
        if (strspn(id, "0123456789") == 12)
            id[0] = 'a';
        if (revgraph_find(g, id) < 0)
            return 0;
    }
    errno = EEXIST;
    return -1;
}

/* "Add items table!" -> "add_items_table" (lower case, [a-z0-9_], at most SLUG_MAX). */
static void rev_slug(const char *msg, char *slug, size_t len)
{
    size_t n = 0;
    for (const char *p = msg; *p && n + 1 < len && n < SLUG_MAX; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c) && c < 0x80)
            slug[n++] = (char)tolower(c);
        else if (n > 0 && slug[n - 1] != '_')
            slug[n++] = '_';
    }
    while (n > 0 && slug[n - 1] == '_')
        n--;
    slug[n] = '\0';
}

/* The message on one line, without control characters. */
static void rev_clean_message(const char *msg, char *out, size_t len)
{
    size_t n = 0;
    for (const char *p = msg; *p && n + 1 < len; p++)
        out[n++] = (unsigned char)*p < 0x20 ? ' ' : *p;
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

/*
 * Writes a new revision file with the given parents; prints "Generating PATH ...  done".
 * up and down are the sections' SQL, or NULL for an empty revision with guiding comments.
 * Returns the exit status.
 */
static int rev_write(const struct cli *cli, const struct revgraph *g, const char *dir,
                     const char *const *parents, size_t nparents, const char *up, const char *down)
{
    char id[REVISION_ID_MAX + 1], slug[SLUG_MAX + 1], message[512], path[4096], date[32];
    if (cli_has(cli, OPT_REV_ID)) {
        if (!revision_id_valid(cli->opt[OPT_REV_ID]))
            return cli_usage_error(cli,
                                   "--rev-id \"%s\" is not a valid revision id ([A-Za-z0-9_]"
                                   ", at most %d characters)",
                                   cli->opt[OPT_REV_ID], REVISION_ID_MAX);
        snprintf(id, sizeof id, "%s", cli->opt[OPT_REV_ID]);
        if (revgraph_find(g, id) >= 0)
            return cli_fail("revision %s already exists in %s", id, dir);
    } else if (rev_new_id(g, id) != 0) {
        return cli_fail("cannot make a revision id: %s", strerror(errno));
    }
    rev_clean_message(cli->opt[OPT_MESSAGE], message, sizeof message);
    rev_slug(message, slug, sizeof slug);
    snprintf(path, sizeof path, "%s/%s%s%s.sql", dir, id, slug[0] ? "_" : "", slug);
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(date, sizeof date, "1970-01-01 00:00:00");

    printf("Generating %s ...", path);
    fflush(stdout);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        printf("  failed\n");
        return cli_fail("cannot create %s: %s", path, strerror(saved));
    }
    fprintf(f, "-- Revision ID: %s\n-- Revises: ", id);
    for (size_t i = 0; i < nparents; i++)
        fprintf(f, "%s%s", i ? ", " : "", parents[i]);
    fprintf(f, "\n-- Create Date: %s\n-- Message: %s\n-- Transaction: per-revision\n\n", date,
            message);
    if (up)
        fprintf(f, "-- migrate:up\n%s\n-- migrate:down\n%s", up, down ? down : "");
    else
        fputs("-- migrate:up\n"
              "-- SQL that applies this revision. It runs in one transaction with dbtool's\n"
              "-- bookkeeping; for statements that cannot (CREATE INDEX CONCURRENTLY), set\n"
              "-- \"Transaction: none\" above: statements then run and are recorded one by one.\n"
              "\n\n"
              "-- migrate:down\n"
              "-- SQL that reverts exactly what the up section did.\n\n",
              f);
    if (fclose(f) != 0) {
        int saved = errno;
        printf("  failed\n");
        unlink(path);
        return cli_fail("cannot write %s: %s", path, strerror(saved));
    }
    printf("  done\n");
    return EXIT_OK;
}

/* Writes the revision: empty, or with --autogenerate the SQL that turns the database (at
 * the parents) into the declared schema; nothing when there is no difference. */
static int rev_make(const struct cli *cli, const struct settings *s, struct dbstate *st,
                    const char *const *parents, size_t nparents)
{
    if (!cli_has(cli, OPT_AUTOGENERATE))
        return rev_write(cli, &st->g, s->migrations_dir, parents, nparents, NULL, NULL);
    char err[ERRLEN], *up, *down;
    int rc = autogen_revision(st, s, cli->opt[OPT_SCRATCH_URL], parents, nparents, &up, &down, err,
                              sizeof err);
    int status = rc < 0   ? cli_fail("%s", err)
                 : rc > 0 ? rev_write(cli, &st->g, s->migrations_dir, parents, nparents, up, down)
                          : EXIT_OK;
    free(up);
    free(down);
    return status;
}

int cmd_revision(const struct cli *cli, const struct settings *s)
{
    if (!cli_has(cli, OPT_MESSAGE))
        return cli_usage_error(cli, "revision needs a message: -m MSG");
    if (cli_has(cli, OPT_SCRATCH_URL) && !cli_has(cli, OPT_AUTOGENERATE))
        return cli_usage_error(cli, "--scratch-url only applies with --autogenerate");
    struct dbstate st;
    char err[ERRLEN];
    if (state_load_graph(&st, s->migrations_dir, err, sizeof err) != 0)
        return cli_fail("%s", err);
    int status;
    size_t *heads = malloc((st.g.n + 1) * sizeof *heads);
    if (!heads) {
        status = cli_fail("out of memory");
    } else if (cli_has(cli, OPT_HEAD)) {
        struct target t;
        long ix;
        if (plan_parse_target(cli->opt[OPT_HEAD], &t, err, sizeof err) != 0)
            status = cli_usage_error(cli, "--head: %s", err);
        else if (plan_resolve(&st.g, NULL, &t, &ix, err, sizeof err) != 0)
            status = cli_fail("%s", err);
        else if (ix < 0)
            status = rev_make(cli, s, &st, NULL, 0); /* a new root */
        else {
            const char *parent = st.g.nodes[ix].rev.id;
            status = rev_make(cli, s, &st, &parent, 1);
        }
    } else {
        size_t n = revgraph_heads(&st.g, true, heads);
        if (n > 1) {
            plan_multiple_heads_error(&st.g, err, sizeof err);
            status = cli_fail("%s (for a new revision: --head REV)", err);
        } else if (n == 1) {
            const char *parent = st.g.nodes[heads[0]].rev.id;
            status = rev_make(cli, s, &st, &parent, 1);
        } else {
            status = rev_make(cli, s, &st, NULL, 0);
        }
    }
    free(heads);
    state_free(&st);
    return status;
}

int cmd_merge(const struct cli *cli, const struct settings *s)
{
    if (!cli_has(cli, OPT_MESSAGE))
        return cli_usage_error(cli, "merge needs a message: -m MSG");
    struct dbstate st;
    char err[ERRLEN];
    if (state_load_graph(&st, s->migrations_dir, err, sizeof err) != 0)
        return cli_fail("%s", err);
    const char *parents[CLI_MAX_ARGS + 64];
    size_t n = 0;
    int status = EXIT_OK;
    if (cli->nargs == 1 && strcmp(cli->args[0], "heads") == 0) {
        size_t *heads = malloc((st.g.n + 1) * sizeof *heads);
        size_t nh = heads ? revgraph_heads(&st.g, true, heads) : 0;
        for (size_t i = 0; i < nh && n < sizeof parents / sizeof parents[0]; i++)
            parents[n++] = st.g.nodes[heads[i]].rev.id;
        free(heads);
    } else {
        for (int a = 0; a < cli->nargs && status == EXIT_OK; a++) {
            size_t ix;
            if (revgraph_lookup(&st.g, cli->args[a], &ix, err, sizeof err) != 0) {
                status = cli_fail("%s", err);
                break;
            }
            for (size_t i = 0; i < n; i++)
                if (strcmp(parents[i], st.g.nodes[ix].rev.id) == 0)
                    status = cli_usage_error(cli, "%s is given twice", parents[i]);
            parents[n++] = st.g.nodes[ix].rev.id;
        }
    }
    for (size_t i = 0; status == EXIT_OK && i < n; i++) {
        bool *below = calloc(st.g.n + 1, sizeof *below);
        if (!below) {
            status = cli_fail("out of memory");
            break;
        }
        revgraph_mark_ancestors(&st.g, (size_t)revgraph_find(&st.g, parents[i]), below);
        for (size_t j = 0; j < n && status == EXIT_OK; j++)
            if (j != i && below[revgraph_find(&st.g, parents[j])])
                status = cli_fail("%s is an ancestor of %s: merging them joins nothing", parents[j],
                                  parents[i]);
        free(below);
    }
    if (status == EXIT_OK && n < 2)
        status = cli_fail("merge needs at least two revisions to join (there %s %zu)",
                          n == 1 ? "is" : "are", n);
    if (status == EXIT_OK)
        status = rev_write(cli, &st.g, s->migrations_dir, parents, n, NULL, NULL);
    state_free(&st);
    return status;
}
