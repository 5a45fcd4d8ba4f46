/*
 * autogen.c — `revision --autogenerate` and the drift part of `check` (see autogen.h).
 */
#include "dbtool/autogen.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbtool/scratch.h"

void autogen_schema_file(const struct settings *s, char *buf, size_t len, bool *named)
{
    int i = settings_find("SCHEMA_FILE");
    *named = i >= 0 && s->source[i] != SOURCE_DEFAULT;
    if (*named) {
        snprintf(buf, len, "%s", s->schema_file);
        return;
    }
    /* "sql/versions" -> "sql/schema.sql", "versions/" -> "schema.sql" */
    size_t n = strlen(s->migrations_dir);
    while (n > 1 && s->migrations_dir[n - 1] == '/')
        n--;
    size_t slash = n;
    while (slash > 0 && s->migrations_dir[slash - 1] != '/')
        slash--;
    const char *base = s->migrations_dir + slash;
    size_t baselen = n - slash;
    if ((baselen == 1 && base[0] == '.') || (baselen == 2 && strncmp(base, "..", 2) == 0))
        snprintf(buf, len, "%s", s->schema_file); /* no folder to stand beside */
    else
        snprintf(buf, len, "%.*sschema.sql", (int)slash, s->migrations_dir);
}

/* Reads the declared catalog through a scratch database that is always dropped again. */
static int autogen_declared(const struct settings *s, const char *scratch_url, const char *path,
                            struct catalog *out, char *err, size_t errlen)
{
    struct scratch sc;
    if (scratch_open(&sc, s->database_url, scratch_url, s->lock_timeout_ms, err, errlen) != 0)
        return -1;
    int rc = scratch_declared(&sc, path, out, err, errlen);
    scratch_close(&sc);
    return rc;
}

/* "a, b" for the revisions set in mark, or "base". */
static void autogen_list(const struct revgraph *g, const bool *mark, char *buf, size_t len)
{
    snprintf(buf, len, "%s", "");
    for (size_t k = 0; k < g->n; k++) {
        size_t i = g->topo[k], used = strlen(buf);
        if (mark[i])
            snprintf(buf + used, len - used, "%s%s", used ? ", " : "", g->nodes[i].rev.id);
    }
    if (!buf[0])
        snprintf(buf, len, "base");
}

/* Requires the database to be exactly at the given revisions (Alembic refuses to
 * autogenerate against a database that is not up to date). */
static int autogen_at_parents(const struct dbstate *st, const char *const *parents, size_t nparents,
                              char *err, size_t errlen)
{
    bool *want = calloc(st->g.n + 1, sizeof *want);
    if (!want) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t p = 0; p < nparents; p++) {
        long ix = revgraph_find(&st->g, parents[p]);
        if (ix >= 0)
            want[ix] = true;
    }
    bool same = st->nunknown == 0;
    for (size_t i = 0; i < st->g.n && same; i++)
        same = want[i] == st->current[i];
    if (!same) {
        char at[1024], wanted[1024];
        autogen_list(&st->g, st->current, at, sizeof at);
        autogen_list(&st->g, want, wanted, sizeof wanted);
        snprintf(err, errlen,
                 "the database is at %s, not at %s: run \"dbtool upgrade\" first "
                 "(autogenerate compares the declared schema with the schema the revisions "
                 "produce, so the database must be up to date)",
                 at, wanted);
    }
    free(want);
    return same ? 0 : -1;
}

/* Reads both catalogs and diffs current -> declared (and back, when back is given). */
static int autogen_compare(struct dbstate *st, const struct settings *s, const char *scratch_url,
                           const char *path, struct diff *forth, struct diff *back, char *err,
                           size_t errlen)
{
    struct catalog declared, current;
    if (autogen_declared(s, scratch_url, path, &declared, err, errlen) != 0)
        return -1;
    if (catalog_read(&st->db, CATALOG_SCHEMA, &current, err, errlen) != 0) {
        catalog_free(&declared);
        return -1;
    }
    int rc = diff_compute(&current, &declared, DIFF_NORMAL, forth);
    if (rc == 0 && back && (rc = diff_compute(&declared, &current, DIFF_NORMAL, back)) != 0)
        diff_free(forth);
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    catalog_free(&declared);
    catalog_free(&current);
    return rc;
}

int autogen_revision(struct dbstate *st, const struct settings *s, const char *scratch_url,
                     const char *const *parents, size_t nparents, char **up, char **down, char *err,
                     size_t errlen)
{
    char path[4096];
    bool named;
    *up = *down = NULL;
    autogen_schema_file(s, path, sizeof path, &named);
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen,
                 "cannot read the declared schema %s: autogenerate compares it with the "
                 "database (--schema FILE or SCHEMA_FILE to use another file)",
                 path);
        return -1;
    }
    if (state_connect(st, s, false, stdout, err, errlen) != 0 ||
        state_read(st, false, err, errlen) != 0 ||
        autogen_at_parents(st, parents, nparents, err, errlen) != 0)
        return -1;
    struct diff forth, back;
    if (autogen_compare(st, s, scratch_url, path, &forth, &back, err, errlen) != 0)
        return -1;
    int rc = 0;
    if (forth.nchanges == 0) {
        printf("No changes in schema detected.\n");
    } else {
        for (size_t i = 0; i < forth.nchanges; i++)
            printf("Detected %s\n", forth.changes[i]);
        for (size_t i = 0; i < forth.nwarnings; i++)
            fprintf(stderr, "dbtool: warning: %s\n", forth.warnings[i]);
        if (asprintf(up,
                     "-- Generated by dbtool revision --autogenerate from %s.\n"
                     "-- Review it before applying: renames show up as a drop and an add, and\n"
                     "-- data is not migrated.\n"
                     "\n%s",
                     path, forth.sql) < 0) {
            *up = NULL;
            snprintf(err, errlen, "out of memory");
            rc = -1;
        } else {
            *down = back.sql;
            back.sql = NULL;
            rc = 1;
        }
    }
    fflush(stdout);
    diff_free(&forth);
    diff_free(&back);
    return rc;
}

int autogen_drift(struct dbstate *st, const struct settings *s, const char *scratch_url,
                  struct diff *out, char *path, size_t pathlen, char *err, size_t errlen)
{
    bool named;
    memset(out, 0, sizeof *out);
    autogen_schema_file(s, path, pathlen, &named);
    if (access(path, R_OK) != 0) {
        if (!named)
            return 0;
        snprintf(err, errlen, "cannot read the declared schema %s (--schema / SCHEMA_FILE)", path);
        return -1;
    }
    return autogen_compare(st, s, scratch_url, path, out, NULL, err, errlen) == 0 ? 1 : -1;
}
