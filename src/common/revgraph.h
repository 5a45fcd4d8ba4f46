/*
 * revgraph.h — the revision graph (SPEC §7): every revision of a folder linked to its
 * parents and children, checked (duplicate ids, missing parents, cycles) and put in a
 * topological order. Shared by dbtool and the worker.
 *
 * Nodes are addressed by index. The topological order (parents before children) breaks
 * ties by file name, so plans and listings are the same on every machine.
 *
 * "Stored" nodes are revisions the database has applied but whose file is gone (built by
 * dbtool from its history table); they take part in the graph but never count as file
 * heads, so `upgrade head` always means the head of the folder.
 */
#ifndef COMMON_REVGRAPH_H
#define COMMON_REVGRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/revision.h"

struct revnode {
    struct revision rev;
    size_t *parents; /* indexes of rev.parents, same order */
    size_t *children;
    size_t nchildren;
};

struct revgraph {
    char *dir; /* the folder the files came from (for messages) */
    struct revnode *nodes;
    size_t n, cap;
    size_t *topo; /* node indexes, parents before children (after revgraph_build) */
};

/*
 * Reads every `*.sql` file of dir (hidden files and sub-folders are skipped), in file
 * name order, then builds the graph. An empty folder gives an empty graph (callers that
 * need a revision say so). Returns 0, or -1 with a one-line reason in err: an unreadable
 * folder, a parse error (file:line), or a graph error (see revgraph_build). On failure
 * the graph is freed.
 */
int revgraph_load(struct revgraph *g, const char *dir, char *err, size_t errlen);

/* Adds a revision, taking over what it owns (*rev is zeroed). Call revgraph_build after
 * the last one. Returns 0 or -1 when out of memory (then *rev is freed). */
int revgraph_add(struct revgraph *g, struct revision *rev);

/*
 * Links parents and children and computes the topological order. Returns 0, or -1 with
 * err set: "duplicate Revision ID x in a.sql:1 and b.sql:1", "a.sql:2: Revises: x is
 * not a revision in DIR", "cycle in the revision graph: a -> b -> a". May be called
 * again after more revisions were added.
 */
int revgraph_build(struct revgraph *g, char *err, size_t errlen);

void revgraph_free(struct revgraph *g);

/* The node with exactly this id, or -1. */
long revgraph_find(const struct revgraph *g, const char *id);

/*
 * Resolves a full id or a unique prefix of one. Returns 0 with *ix set, or -1 with err:
 * "no revision 'x' in DIR" or "'ab' matches several revisions: ab12.., ab34..".
 */
int revgraph_lookup(const struct revgraph *g, const char *id_or_prefix, size_t *ix, char *err,
                    size_t errlen);

/* Writes the head indexes (revisions without children) in topological order into out
 * (room for g->n) and returns their count. With files_only, stored nodes are ignored:
 * a file revision whose only children are stored ones is a head. */
size_t revgraph_heads(const struct revgraph *g, bool files_only, size_t *out);

/* Sets mark[i] for ix and every ancestor of it (mark has g->n entries). */
void revgraph_mark_ancestors(const struct revgraph *g, size_t ix, bool *mark);

/* Sets mark[i] for ix and every descendant of it. */
void revgraph_mark_descendants(const struct revgraph *g, size_t ix, bool *mark);

/* True when the node has no children (counting stored ones unless files_only). */
bool revgraph_is_head(const struct revgraph *g, size_t ix, bool files_only);

#endif
