/*
 * output.c — Alembic-style revision listings (see output.h).
 */
#include "dbtool/output.h"

/* Prints ids of nodes joined by ", ". */
static void output_ids(FILE *out, const struct revgraph *g, const size_t *ix, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%s", i ? ", " : "", g->nodes[ix[i]].rev.id);
}

static void output_parents(FILE *out, const struct revgraph *g, size_t ix)
{
    const struct revnode *node = &g->nodes[ix];
    if (node->rev.nparents == 0)
        fputs("<base>", out);
    else
        output_ids(out, g, node->parents, node->rev.nparents);
}

void output_marks(FILE *out, const struct revgraph *g, size_t ix, const bool *current)
{
    const struct revnode *node = &g->nodes[ix];
    if (!node->rev.stored && revgraph_is_head(g, ix, true))
        fputs(" (head)", out);
    if (node->nchildren > 1)
        fputs(" (branchpoint)", out);
    if (node->rev.nparents > 1)
        fputs(" (mergepoint)", out);
    if (current && current[ix])
        fputs(" (current)", out);
    if (node->rev.stored)
        fputs(" (file missing)", out);
}

void output_line(FILE *out, const struct revgraph *g, size_t ix, const bool *current)
{
    output_parents(out, g, ix);
    fprintf(out, " -> %s", g->nodes[ix].rev.id);
    output_marks(out, g, ix, current);
    const char *message = g->nodes[ix].rev.message;
    fprintf(out, "%s%s\n", *message ? ", " : "", message);
}

void output_block(FILE *out, const struct revgraph *g, size_t ix, const bool *current)
{
    const struct revnode *node = &g->nodes[ix];
    const struct revision *r = &node->rev;
    fprintf(out, "Rev: %s", r->id);
    output_marks(out, g, ix, current);
    fprintf(out, "\n%s: ", r->nparents > 1 ? "Merges" : "Parent");
    output_parents(out, g, ix);
    fputc('\n', out);
    if (node->nchildren > 1) {
        fputs("Branches into: ", out);
        output_ids(out, g, node->children, node->nchildren);
        fputc('\n', out);
    }
    fprintf(out,
            "Path: %s\nTransaction: %s\n\n    %s\n\n    Revision ID: %s\n    Revises: ", r->path,
            r->tx == REVISION_TX_NONE ? "none" : "per-revision",
            *r->message ? r->message : "(no message)", r->id);
    for (size_t p = 0; p < r->nparents; p++)
        fprintf(out, "%s%s", p ? ", " : "", r->parents[p]);
    fprintf(out, "\n    Create Date: %s\n\n", r->create_date);
}
