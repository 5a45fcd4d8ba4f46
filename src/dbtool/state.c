/*
 * state.c — the graph plus the database's position in it (see state.h).
 */
#include "dbtool/state.h"

#include <stdlib.h>
#include <string.h>

#include "dbtool/checksum.h"
#include "dbtool/history.h"

int state_load_graph(struct dbstate *st, const char *dir, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    return revgraph_load(&st->g, dir, err, errlen);
}

int state_connect(struct dbstate *st, const struct settings *s, bool lock, FILE *out, char *err,
                  size_t errlen)
{
    if (dbconn_open(&st->db, s->database_url, s->lock_timeout_ms, err, errlen) != 0)
        return -1;
    st->connected = true;
    if (lock && dbconn_lock(&st->db, s->lock_wait_s, out, err, errlen) != 0)
        return -1;
    return 0;
}

static int state_alloc(struct dbstate *st)
{
    free(st->applied);
    free(st->current);
    st->applied = calloc(st->g.n + 1, sizeof *st->applied);
    st->current = calloc(st->g.n + 1, sizeof *st->current);
    return st->applied && st->current ? 0 : -1;
}

int state_init_offline(struct dbstate *st)
{
    return state_alloc(st);
}

/* Adds stored revisions for version rows (and their missing ancestors) that have no
 * file. Returns the number added, or -1 with err. */
static int state_add_stored(struct dbstate *st, char **ids, size_t n, bool lenient, char *err,
                            size_t errlen)
{
    size_t cap = n + 16, npending = 0;
    char **pending = malloc(cap * sizeof *pending);
    int added = 0;
    if (!pending) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (revgraph_find(&st->g, ids[i]) < 0)
            pending[npending++] = strdup(ids[i]);
    int rc = 0;
    while (npending > 0 && rc == 0) {
        char *id = pending[--npending];
        if (!id) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        struct revision rev;
        int found = revgraph_find(&st->g, id) >= 0
                        ? 2
                        : history_load_stored(&st->db, id, &rev, err, errlen);
        if (found < 0) {
            rc = -1;
        } else if (found == 0 && lenient) {
            char **nu = realloc(st->unknown, (st->nunknown + 1) * sizeof *nu);
            if (!nu) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
            } else {
                st->unknown = nu;
                st->unknown[st->nunknown++] = id;
                id = NULL;
            }
        } else if (found == 0) {
            snprintf(err, errlen,
                     "the database is at revision %s, which is neither in %s nor recorded in "
                     "dbtool_history (applied by another tool?); nothing was changed",
                     id, st->g.dir);
            rc = -1;
        } else if (found == 1) {
            for (size_t p = 0; p < rev.nparents && rc == 0; p++) {
                if (revgraph_find(&st->g, rev.parents[p]) >= 0)
                    continue;
                if (npending == cap) {
                    char **np = realloc(pending, (cap *= 2) * sizeof *np);
                    if (!np) {
                        rc = -1;
                        break;
                    }
                    pending = np;
                }
                pending[npending++] = strdup(rev.parents[p]);
            }
            if (rc != 0 || revgraph_add(&st->g, &rev) != 0) {
                revision_free(&rev);
                snprintf(err, errlen, "out of memory");
                rc = -1;
            }
            added++;
        }
        free(id);
    }
    while (npending > 0)
        free(pending[--npending]);
    free(pending);
    return rc == 0 ? added : -1;
}

int state_read(struct dbstate *st, bool lenient, char *err, size_t errlen)
{
    char **ids = NULL;
    size_t n = 0;
    if (history_read_versions(&st->db, &ids, &n, err, errlen) != 0)
        return -1;
    int rc = state_add_stored(st, ids, n, lenient, err, errlen);
    if (rc > 0)
        rc = revgraph_build(&st->g, err, errlen);
    if (rc >= 0 && state_alloc(st) != 0) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        long ix = revgraph_find(&st->g, ids[i]);
        if (ix < 0)
            continue; /* unknown (lenient) */
        st->current[ix] = true;
        revgraph_mark_ancestors(&st->g, (size_t)ix, st->applied);
    }
    history_free_ids(ids, n);
    return rc >= 0 ? 0 : -1;
}

int state_changed_files(struct dbstate *st, char *problems, size_t plen, char *err, size_t errlen)
{
    int count = 0;
    if (problems && plen)
        problems[0] = '\0';
    for (size_t k = 0; k < st->g.n; k++) {
        size_t i = st->g.topo[k];
        const struct revision *r = &st->g.nodes[i].rev;
        if (!st->applied[i] || r->stored)
            continue;
        char recorded[CHECKSUM_HEX_LEN + 1], now[CHECKSUM_HEX_LEN + 1];
        int found = history_applied_checksum(&st->db, r->id, recorded, err, errlen);
        if (found < 0)
            return -1;
        if (found == 0 || checksum_sha256_hex(r->text, r->textlen, now) != 0 ||
            strcmp(now, recorded) == 0)
            continue;
        count++;
        if (problems) {
            size_t used = strlen(problems);
            snprintf(problems + used, plen - used,
                     "%s%s was changed after it was applied (sha256 %.12s... then, %.12s... "
                     "now)",
                     used ? "\n" : "", r->path, recorded, now);
        }
    }
    return count;
}

void state_free(struct dbstate *st)
{
    dbconn_close(&st->db);
    revgraph_free(&st->g);
    free(st->applied);
    free(st->current);
    for (size_t i = 0; i < st->nunknown; i++)
        free(st->unknown[i]);
    free(st->unknown);
    memset(st, 0, sizeof *st);
}
