/*
 * plan.h — targets (`head`, `heads`, `base`, `+N`, `-N`, `REV`, `REV+N`, `REV-N`) and the
 * plans that reach them (SPEC §7). Pure functions of a revision graph and the set of
 * applied revisions: no database, so every rule here is unit-tested.
 *
 * The database state is the set of applied revisions (`applied[i]` per graph node),
 * always closed under ancestors; the version table holds its heads (applied revisions
 * without applied children), like alembic_version.
 *
 * Meanings follow Alembic:
 *   upgrade X        apply X and every ancestor of X not yet applied (parents first)
 *   upgrade +N       N revisions above the current one (which must be single)
 *   upgrade REV+N    N revisions above REV
 *   downgrade X      revert every applied revision that descends from X (children first)
 *   downgrade -N     revert the current head N times (each time the head must be single)
 *   downgrade base   revert everything
 *   stamp X          make the applied set exactly X and its ancestors, running no SQL
 */
#ifndef DBTOOL_PLAN_H
#define DBTOOL_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/revgraph.h"

enum target_anchor {
    TARGET_HEAD,    /* "head": the single head of the folder */
    TARGET_HEADS,   /* "heads": every head */
    TARGET_BASE,    /* "base": before the first revision */
    TARGET_CURRENT, /* "current", or a bare "+N"/"-N": the database's single head */
    TARGET_REV,     /* a revision id or a unique prefix of one */
};

struct target {
    enum target_anchor anchor;
    char rev[REVISION_ID_MAX + 1]; /* TARGET_REV only */
    long delta;                    /* +N / -N steps from the anchor, 0 for none */
};

/*
 * Parses target syntax only (no graph needed). Returns 0, or -1 with err for malformed
 * text ("+x", "abc+", "heads+1", "+0", a character outside [A-Za-z0-9_]): a usage error.
 */
int plan_parse_target(const char *s, struct target *t, char *err, size_t errlen);

enum step_kind { STEP_UP, STEP_DOWN, STEP_STAMP, STEP_UNSTAMP };

struct plan_step {
    size_t node;
    enum step_kind kind;
};

struct plan {
    struct plan_step *steps;
    size_t n;
};

void plan_free(struct plan *p);

/*
 * Resolves a target to one node, for commands that need exactly one (show, revision
 * --head, a history range end). *ix = -1 means base. Errors: several heads for "head",
 * unknown or ambiguous id, a relative walk that is ambiguous or too long, "current"
 * when applied is NULL or has several heads.
 */
int plan_resolve(const struct revgraph *g, const bool *applied, const struct target *t, long *ix,
                 char *err, size_t errlen);

/* The plan for `upgrade TARGET` from the applied set. An empty plan means nothing to do.
 * Returns -1 with err (one line) when the target is not reachable by upgrading. */
int plan_upgrade(const struct revgraph *g, const bool *applied, const struct target *t,
                 struct plan *out, char *err, size_t errlen);

/* The plan for `downgrade TARGET`; same contract. */
int plan_downgrade(const struct revgraph *g, const bool *applied, const struct target *t,
                   struct plan *out, char *err, size_t errlen);

/* The plan for `stamp TARGET`: STEP_UNSTAMP for revisions leaving the applied set
 * (children first), then STEP_STAMP for those entering it (parents first). */
int plan_stamp(const struct revgraph *g, const bool *applied, const struct target *t,
               struct plan *out, char *err, size_t errlen);

/* Fills applied (g->n entries) with the state "at TARGET": the target and its
 * ancestors; base gives the empty set. Used by offline `--sql FROM:TO`. */
int plan_state_at(const struct revgraph *g, const struct target *t, bool *applied, char *err,
                  size_t errlen);

/* Writes the heads of an applied set (applied revisions with no applied child), in
 * topological order, into out (room for g->n); returns their count. */
size_t plan_state_heads(const struct revgraph *g, const bool *applied, size_t *out);

/* The message for a "head" target when the folder has several heads. */
void plan_multiple_heads_error(const struct revgraph *g, char *err, size_t errlen);

#endif
