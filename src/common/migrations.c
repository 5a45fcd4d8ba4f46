/*
 * migrations.c — migrations_head() for the worker's /readyz (contract in migrations.h):
 * the single head of a revision folder, through the same parser and graph as dbtool.
 */
#include "common/migrations.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/revgraph.h"

int migrations_head(const char *dir, char *head, size_t headlen, char *err, size_t errlen)
{
    struct revgraph g;
    if (revgraph_load(&g, dir, err, errlen) != 0)
        return -1;
    int rc = -1;
    size_t *heads = malloc((g.n ? g.n : 1) * sizeof *heads);
    if (!heads) {
        snprintf(err, errlen, "out of memory");
    } else if (g.n == 0) {
        snprintf(err, errlen, "no revisions in %s", dir);
    } else {
        size_t nheads = revgraph_heads(&g, true, heads);
        if (nheads != 1) {
            snprintf(err, errlen, "%s has %zu heads (%s, %s...); merge them with dbtool merge", dir,
                     nheads, g.nodes[heads[0]].rev.id, g.nodes[heads[1]].rev.id);
        } else if ((size_t)snprintf(head, headlen, "%s", g.nodes[heads[0]].rev.id) >= headlen) {
            snprintf(err, errlen, "head id longer than the buffer");
        } else {
            rc = 0;
        }
    }
    free(heads);
    revgraph_free(&g);
    return rc;
}
