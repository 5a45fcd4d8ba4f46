/*
 * plan.c — targets and plans (contract and meanings in plan.h).
 */
#include "dbtool/plan.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int plan_parse_target(const char *s, struct target *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    size_t n = strcspn(s, "+-");
    const char *sign = s + n;
    if (*sign) {
        const char *digits = sign + 1;
        char *end = NULL;
        errno = 0;
        long v = isdigit((unsigned char)*digits) ? strtol(digits, &end, 10) : 0;
        if (!end || *end || errno || v < 1 || v > 1000000) {
            snprintf(err, errlen,
                     "bad target \"%s\": a step count is a whole number >= 1, as in +2, -1 "
                     "or ae10+2",
                     s);
            return -1;
        }
        t->delta = *sign == '+' ? v : -v;
    }
    if (n == 0) {
        t->anchor = TARGET_CURRENT; /* "+N" / "-N" count from the database's revision */
        return 0;
    }
    if (n > REVISION_ID_MAX) {
        snprintf(err, errlen, "bad target \"%s\": longer than a revision id can be", s);
        return -1;
    }
    char word[REVISION_ID_MAX + 1];
    memcpy(word, s, n);
    word[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)word[i]) && word[i] != '_') {
            snprintf(err, errlen,
                     "bad target \"%s\": expected head, heads, base, a revision id, +N, -N "
                     "or REV+N",
                     s);
            return -1;
        }
    if (strcasecmp(word, "head") == 0)
        t->anchor = TARGET_HEAD;
    else if (strcasecmp(word, "heads") == 0)
        t->anchor = TARGET_HEADS;
    else if (strcasecmp(word, "base") == 0)
        t->anchor = TARGET_BASE;
    else if (strcasecmp(word, "current") == 0)
        t->anchor = TARGET_CURRENT;
    else {
        t->anchor = TARGET_REV;
        memcpy(t->rev, word, n + 1);
    }
    if (t->anchor == TARGET_HEADS && t->delta != 0) {
        snprintf(err, errlen, "bad target \"%s\": heads names several revisions; steps need one",
                 s);
        return -1;
    }
    return 0;
}

void plan_free(struct plan *p)
{
    free(p->steps);
    p->steps = NULL;
    p->n = 0;
}

static int plan_push(struct plan *p, size_t node, enum step_kind kind)
{
    struct plan_step *ns = realloc(p->steps, (p->n + 1) * sizeof *ns);
    if (!ns)
        return -1;
    p->steps = ns;
    p->steps[p->n++] = (struct plan_step){.node = node, .kind = kind};
    return 0;
}

/* Appends ", id" for each listed node to buf (for messages). */
static void plan_list_ids(const struct revgraph *g, const size_t *ix, size_t n, char *buf,
                          size_t buflen)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(buf);
        if (used + 1 >= buflen)
            return;
        snprintf(buf + used, buflen - used, "%s%s", i ? ", " : "", g->nodes[ix[i]].rev.id);
    }
}

size_t plan_state_heads(const struct revgraph *g, const bool *applied, size_t *out)
{
    size_t n = 0;
    for (size_t k = 0; k < g->n; k++) {
        size_t i = g->topo[k];
        if (!applied[i])
            continue;
        bool head = true;
        for (size_t c = 0; c < g->nodes[i].nchildren && head; c++)
            head = !applied[g->nodes[i].children[c]];
        if (head)
            out[n++] = i;
    }
    return n;
}

void plan_multiple_heads_error(const struct revgraph *g, char *err, size_t errlen)
{
    size_t *heads = malloc((g->n ? g->n : 1) * sizeof *heads);
    char list[256] = "?";
    if (heads)
        plan_list_ids(g, heads, revgraph_heads(g, true, heads), list, sizeof list);
    free(heads);
    snprintf(err, errlen,
             "there are several head revisions (%s) and \"head\" means exactly one: give the "
             "revision to go to, use \"heads\" to go to all of them (dbtool upgrade heads), or "
             "join them first (dbtool merge -m MSG heads)",
             list);
}

/* The node (or -1 for base) that `anchor` names, before any steps. */
static int plan_anchor(const struct revgraph *g, const bool *applied, const struct target *t,
                       long *ix, char *err, size_t errlen)
{
    size_t *buf = malloc((g->n ? g->n : 1) * sizeof *buf);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    size_t n;
    char list[256];
    switch (t->anchor) {
    case TARGET_BASE:
        *ix = -1;
        break;
    case TARGET_REV: {
        size_t found;
        rc = revgraph_lookup(g, t->rev, &found, err, errlen);
        *ix = rc == 0 ? (long)found : -1;
        break;
    }
    case TARGET_HEAD:
    case TARGET_HEADS:
        n = revgraph_heads(g, true, buf);
        if (n == 0) {
            snprintf(err, errlen, "no revisions in %s", g->dir ? g->dir : "the revision folder");
            rc = -1;
        } else if (n > 1) {
            plan_multiple_heads_error(g, err, errlen);
            rc = -1;
        } else {
            *ix = (long)buf[0];
        }
        break;
    case TARGET_CURRENT:
        if (!applied) {
            snprintf(err, errlen, "\"current\" and bare +N/-N need the database's revision");
            rc = -1;
            break;
        }
        n = plan_state_heads(g, applied, buf);
        if (n > 1) {
            plan_list_ids(g, buf, n, list, sizeof list);
            snprintf(err, errlen,
                     "the database is at several heads (%s), so a relative step is "
                     "ambiguous: name the revision instead",
                     list);
            rc = -1;
        } else {
            *ix = n ? (long)buf[0] : -1;
        }
        break;
    }
    free(buf);
    return rc;
}

static const char *plan_name(const struct revgraph *g, long ix)
{
    return ix < 0 ? "base" : g->nodes[ix].rev.id;
}

/* Walks `steps` up (children, file revisions only) or down (parents) from ix. */
static int plan_walk(const struct revgraph *g, long ix, long steps, long *out, char *err,
                     size_t errlen)
{
    long cur = ix;
    long todo = steps < 0 ? -steps : steps;
    size_t *next = malloc((g->n ? g->n : 1) * sizeof *next);
    if (!next) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (long k = 0; k < todo; k++) {
        size_t n = 0;
        if (steps > 0) {
            for (size_t i = 0; i < g->n; i++) {
                const struct revnode *node = &g->nodes[i];
                if (node->rev.stored)
                    continue;
                bool child = cur < 0 ? node->rev.nparents == 0 : false;
                for (size_t p = 0; cur >= 0 && p < node->rev.nparents; p++)
                    child = child || node->parents[p] == (size_t)cur;
                if (child)
                    next[n++] = i;
            }
        } else if (cur >= 0) {
            for (size_t p = 0; p < g->nodes[cur].rev.nparents; p++)
                next[n++] = g->nodes[cur].parents[p];
        }
        if (n == 1) {
            cur = (long)next[0];
        } else if (n == 0 && steps < 0 && cur >= 0) {
            cur = -1; /* one step below a root is base */
        } else {
            char list[256];
            plan_list_ids(g, next, n, list, sizeof list);
            if (n == 0 && steps > 0)
                snprintf(err, errlen,
                         "cannot go %ld step%s up from %s: only %ld revision%s above it", todo,
                         todo == 1 ? "" : "s", plan_name(g, ix), k, k == 1 ? "" : "s");
            else if (n == 0)
                snprintf(err, errlen,
                         "cannot go %ld step%s down from %s: base is %ld step%s below it", todo,
                         todo == 1 ? "" : "s", plan_name(g, ix), k, k == 1 ? "" : "s");
            else if (steps > 0)
                snprintf(err, errlen,
                         "%s has several children (%s), so %+ld is ambiguous: name the "
                         "revision",
                         plan_name(g, cur), list, steps);
            else
                snprintf(err, errlen,
                         "%s merges several parents (%s), so %ld is ambiguous: name the "
                         "revision",
                         plan_name(g, cur), list, steps);
            free(next);
            return -1;
        }
    }
    free(next);
    *out = cur;
    return 0;
}

int plan_resolve(const struct revgraph *g, const bool *applied, const struct target *t, long *ix,
                 char *err, size_t errlen)
{
    long anchor;
    if (plan_anchor(g, applied, t, &anchor, err, errlen) != 0)
        return -1;
    if (t->delta == 0) {
        *ix = anchor;
        return 0;
    }
    return plan_walk(g, anchor, t->delta, ix, err, errlen);
}

/* Fills a bool array for the state "at t" (t and its ancestors; all heads for heads). */
int plan_state_at(const struct revgraph *g, const struct target *t, bool *applied, char *err,
                  size_t errlen)
{
    memset(applied, 0, g->n * sizeof *applied);
    if (t->anchor == TARGET_HEADS) {
        size_t *heads = malloc((g->n ? g->n : 1) * sizeof *heads);
        if (!heads) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        size_t n = revgraph_heads(g, true, heads);
        for (size_t i = 0; i < n; i++)
            revgraph_mark_ancestors(g, heads[i], applied);
        free(heads);
        return 0;
    }
    long ix;
    if (plan_resolve(g, NULL, t, &ix, err, errlen) != 0)
        return -1;
    if (ix >= 0)
        revgraph_mark_ancestors(g, (size_t)ix, applied);
    return 0;
}

/* Describes the applied set's heads, e.g. "66d8a54cd297" or "base". */
static void plan_state_name(const struct revgraph *g, const bool *applied, char *buf, size_t buflen)
{
    size_t *heads = malloc((g->n ? g->n : 1) * sizeof *heads);
    size_t n = heads ? plan_state_heads(g, applied, heads) : 0;
    if (n == 0)
        snprintf(buf, buflen, "base");
    else
        plan_list_ids(g, heads, n, buf, buflen);
    free(heads);
}

int plan_upgrade(const struct revgraph *g, const bool *applied, const struct target *t,
                 struct plan *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    bool *need = calloc(g->n ? g->n : 1, sizeof *need);
    size_t *heads = malloc((g->n ? g->n : 1) * sizeof *heads);
    int rc = -1;
    char at[256];
    if (!need || !heads) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if (t->anchor == TARGET_HEADS) {
        size_t n = revgraph_heads(g, true, heads);
        if (n == 0) {
            snprintf(err, errlen, "no revisions in %s", g->dir ? g->dir : "the revision folder");
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            revgraph_mark_ancestors(g, heads[i], need);
    } else {
        long ix;
        if (plan_resolve(g, applied, t, &ix, err, errlen) != 0)
            goto done;
        if (ix < 0) {
            snprintf(err, errlen, "base is below every revision: use downgrade to go there");
            goto done;
        }
        if (applied[ix]) {
            bool is_current = true;
            for (size_t c = 0; c < g->nodes[ix].nchildren; c++)
                is_current = is_current && !applied[g->nodes[ix].children[c]];
            if (!is_current) {
                plan_state_name(g, applied, at, sizeof at);
                snprintf(err, errlen,
                         "%s is already applied and the database is above it (at %s): use "
                         "\"dbtool downgrade %s\" to go back to it",
                         g->nodes[ix].rev.id, at, g->nodes[ix].rev.id);
                goto done;
            }
        }
        revgraph_mark_ancestors(g, (size_t)ix, need);
    }
    for (size_t k = 0; k < g->n; k++) {
        size_t i = g->topo[k];
        if (need[i] && !applied[i] && plan_push(out, i, STEP_UP) != 0) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
    }
    rc = 0;
done:
    if (rc != 0)
        plan_free(out);
    free(need);
    free(heads);
    return rc;
}

/* `downgrade -N`: revert the single current head, N times. */
static int plan_down_steps(const struct revgraph *g, const bool *applied, long steps,
                           struct plan *out, char *err, size_t errlen)
{
    bool *state = malloc((g->n ? g->n : 1) * sizeof *state);
    size_t *heads = malloc((g->n ? g->n : 1) * sizeof *heads);
    int rc = -1;
    if (!state || !heads) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    memcpy(state, applied, g->n * sizeof *state);
    for (long k = 0; k < steps; k++) {
        size_t n = plan_state_heads(g, state, heads);
        if (n == 0 && k == 0) {
            snprintf(err, errlen, "the database is at base already: nothing to go down from");
            goto done;
        }
        if (n == 0) {
            snprintf(err, errlen, "cannot go %ld revisions down: base is reached after %ld", steps,
                     k);
            goto done;
        }
        if (n > 1) {
            char list[256];
            plan_list_ids(g, heads, n, list, sizeof list);
            snprintf(err, errlen,
                     "%sthe database is at several heads (%s), so -%ld is ambiguous: name the "
                     "revision to go down to",
                     k ? "after reverting some revisions " : "", list, steps);
            goto done;
        }
        state[heads[0]] = false;
        if (plan_push(out, heads[0], STEP_DOWN) != 0) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
    }
    rc = 0;
done:
    free(state);
    free(heads);
    return rc;
}

int plan_downgrade(const struct revgraph *g, const bool *applied, const struct target *t,
                   struct plan *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (t->anchor == TARGET_HEADS) {
        snprintf(err, errlen, "\"heads\" is not a downgrade target: name a revision, -N or base");
        return -1;
    }
    if (t->anchor == TARGET_CURRENT && t->delta > 0) {
        snprintf(err, errlen, "downgrade goes down: use -%ld, not +%ld", t->delta, t->delta);
        return -1;
    }
    if (t->anchor == TARGET_CURRENT && t->delta < 0) {
        int rc = plan_down_steps(g, applied, -t->delta, out, err, errlen);
        if (rc != 0)
            plan_free(out);
        return rc;
    }
    long ix;
    if (plan_resolve(g, applied, t, &ix, err, errlen) != 0)
        return -1;
    bool *revert = calloc(g->n ? g->n : 1, sizeof *revert);
    if (!revert) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (ix >= 0) {
        if (!applied[ix]) {
            char at[256];
            plan_state_name(g, applied, at, sizeof at);
            snprintf(err, errlen,
                     "%s is not applied (the database is at %s): use \"dbtool upgrade %s\" to "
                     "go up to it",
                     g->nodes[ix].rev.id, at, g->nodes[ix].rev.id);
            free(revert);
            return -1;
        }
        revgraph_mark_descendants(g, (size_t)ix, revert);
        revert[ix] = false;
    } else {
        for (size_t i = 0; i < g->n; i++)
            revert[i] = true;
    }
    int rc = 0;
    for (size_t k = g->n; k-- > 0 && rc == 0;) {
        size_t i = g->topo[k];
        if (revert[i] && applied[i] && plan_push(out, i, STEP_DOWN) != 0) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    }
    free(revert);
    if (rc != 0)
        plan_free(out);
    return rc;
}

int plan_stamp(const struct revgraph *g, const bool *applied, const struct target *t,
               struct plan *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    bool *want = malloc((g->n ? g->n : 1) * sizeof *want);
    if (!want) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    if (t->anchor == TARGET_CURRENT) {
        long ix;
        rc = plan_resolve(g, applied, t, &ix, err, errlen);
        memset(want, 0, g->n * sizeof *want);
        if (rc == 0 && ix >= 0)
            revgraph_mark_ancestors(g, (size_t)ix, want);
    } else {
        rc = plan_state_at(g, t, want, err, errlen);
    }
    for (size_t k = g->n; rc == 0 && k-- > 0;) {
        size_t i = g->topo[k];
        if (applied[i] && !want[i] && plan_push(out, i, STEP_UNSTAMP) != 0) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    }
    for (size_t k = 0; rc == 0 && k < g->n; k++) {
        size_t i = g->topo[k];
        if (!applied[i] && want[i] && plan_push(out, i, STEP_STAMP) != 0) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    }
    free(want);
    if (rc != 0)
        plan_free(out);
    return rc;
}
