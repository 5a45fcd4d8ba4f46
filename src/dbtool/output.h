/*
 * output.h — how revisions are printed, the way Alembic prints them:
 *
 *   1a2b3c4d5e6f -> 66d8a54cd297 (head) (current), add items        (history line)
 *   <base> -> 1a2b3c4d5e6f (branchpoint), initial tables
 *
 * and the --verbose block (Rev, Parent/Merges, Branches into, Path, Transaction, then
 * the header fields indented).
 */
#ifndef DBTOOL_OUTPUT_H
#define DBTOOL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "common/revgraph.h"

/* The markers after an id: " (head)", " (branchpoint)", " (mergepoint)", " (current)"
 * and " (file missing)" as they apply; current may be NULL. */
void output_marks(FILE *out, const struct revgraph *g, size_t ix, const bool *current);

/* "parents -> id<marks>, message" (parents "<base>" for a root). */
void output_line(FILE *out, const struct revgraph *g, size_t ix, const bool *current);

/* The verbose block, followed by a blank line. */
void output_block(FILE *out, const struct revgraph *g, size_t ix, const bool *current);

#endif
