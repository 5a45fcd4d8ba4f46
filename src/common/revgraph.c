/*
 * revgraph.c — loading a revision folder and linking it into a checked graph
 * (contract in revgraph.h). Sizes are small (hundreds of revisions), so the code uses
 * plain arrays and quadratic scans where that keeps it obvious.
 */
#include "common/revgraph.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int revgraph_add(struct revgraph *g, struct revision *rev)
{
    if (g->n == g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 16;
        struct revnode *nn = realloc(g->nodes, ncap * sizeof *nn);
        if (!nn) {
            revision_free(rev);
            return -1;
        }
        g->nodes = nn;
        g->cap = ncap;
    }
    struct revnode *node = &g->nodes[g->n++];
    memset(node, 0, sizeof *node);
    node->rev = *rev;
    memset(rev, 0, sizeof *rev);
    return 0;
}

long revgraph_find(const struct revgraph *g, const char *id)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->nodes[i].rev.id, id) == 0)
            return (long)i;
    return -1;
}

static void graph_unlink(struct revgraph *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->nodes[i].parents);
        free(g->nodes[i].children);
        g->nodes[i].parents = NULL;
        g->nodes[i].children = NULL;
        g->nodes[i].nchildren = 0;
    }
    free(g->topo);
    g->topo = NULL;
}

void revgraph_free(struct revgraph *g)
{
    graph_unlink(g);
    for (size_t i = 0; i < g->n; i++)
        revision_free(&g->nodes[i].rev);
    free(g->nodes);
    free(g->dir);
    memset(g, 0, sizeof *g);
}

/* Describes a cycle among the nodes not yet placed (each has an unplaced parent). */
static void graph_describe_cycle(const struct revgraph *g, const bool *placed, char *err,
                                 size_t errlen)
{
    size_t *path = calloc(g->n, sizeof *path);
    long *seen_at = malloc(g->n * sizeof *seen_at);
    if (!path || !seen_at) {
        free(path);
        free(seen_at);
        snprintf(err, errlen, "cycle in the revision graph");
        return;
    }
    for (size_t i = 0; i < g->n; i++)
        seen_at[i] = -1;
    size_t cur = 0;
    while (placed[cur])
        cur++;
    size_t len = 0;
    while (seen_at[cur] < 0) {
        seen_at[cur] = (long)len;
        path[len++] = cur;
        const struct revnode *node = &g->nodes[cur];
        for (size_t p = 0; p < node->rev.nparents; p++)
            if (!placed[node->parents[p]]) {
                cur = node->parents[p];
                break;
            }
    }
    /* path[seen_at[cur]..len) walks from child to parent; print parent -> child. */
    int off = snprintf(err, errlen, "cycle in the revision graph: %s", g->nodes[cur].rev.id);
    for (long i = (long)len - 1; i >= seen_at[cur] && off >= 0 && (size_t)off < errlen; i--)
        off += snprintf(err + off, errlen - (size_t)off, " -> %s", g->nodes[path[i]].rev.id);
    free(path);
    free(seen_at);
}

/* Kahn's algorithm, always taking the lowest-index ready node (file name order). */
static int graph_sort(struct revgraph *g, char *err, size_t errlen)
{
    bool *placed = calloc(g->n ? g->n : 1, sizeof *placed);
    g->topo = malloc((g->n ? g->n : 1) * sizeof *g->topo);
    if (!placed || !g->topo) {
        free(placed);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < g->n; k++) {
        size_t pick = g->n;
        for (size_t i = 0; i < g->n && pick == g->n; i++) {
            if (placed[i])
                continue;
            bool ready = true;
            for (size_t p = 0; p < g->nodes[i].rev.nparents; p++)
                ready = ready && placed[g->nodes[i].parents[p]];
            if (ready)
                pick = i;
        }
        if (pick == g->n) {
            graph_describe_cycle(g, placed, err, errlen);
            free(placed);
            return -1;
        }
        placed[pick] = true;
        g->topo[k] = pick;
    }
    free(placed);
    return 0;
}

int revgraph_build(struct revgraph *g, char *err, size_t errlen)
{
    graph_unlink(g);
    const char *dir = g->dir ? g->dir : "the revision folder";
    for (size_t i = 0; i < g->n; i++)
        for (size_t j = i + 1; j < g->n; j++)
            if (strcmp(g->nodes[i].rev.id, g->nodes[j].rev.id) == 0) {
                snprintf(err, errlen, "duplicate Revision ID %s in %s:%d and %s:%d",
                         g->nodes[i].rev.id, g->nodes[i].rev.path, g->nodes[i].rev.id_line,
                         g->nodes[j].rev.path, g->nodes[j].rev.id_line);
                return -1;
            }
    for (size_t i = 0; i < g->n; i++) {
        struct revnode *node = &g->nodes[i];
        node->parents = calloc(node->rev.nparents + 1, sizeof *node->parents);
        if (!node->parents)
            goto oom;
        for (size_t p = 0; p < node->rev.nparents; p++) {
            long ix = revgraph_find(g, node->rev.parents[p]);
            if (ix < 0) {
                snprintf(err, errlen, "%s:%d: Revises: %s is not a revision in %s", node->rev.path,
                         node->rev.revises_line, node->rev.parents[p], dir);
                graph_unlink(g);
                return -1;
            }
            node->parents[p] = (size_t)ix;
            g->nodes[ix].nchildren++;
        }
    }
    for (size_t i = 0; i < g->n; i++) {
        g->nodes[i].children = calloc(g->nodes[i].nchildren + 1, sizeof(size_t));
        if (!g->nodes[i].children)
            goto oom;
        g->nodes[i].nchildren = 0;
    }
    for (size_t i = 0; i < g->n; i++)
        for (size_t p = 0; p < g->nodes[i].rev.nparents; p++) {
            struct revnode *parent = &g->nodes[g->nodes[i].parents[p]];
            parent->children[parent->nchildren++] = i;
        }
    if (graph_sort(g, err, errlen) != 0) {
        graph_unlink(g);
        return -1;
    }
    return 0;
oom:
    graph_unlink(g);
    snprintf(err, errlen, "out of memory");
    return -1;
}

static int graph_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool graph_wanted(const char *dir, const char *name)
{
    size_t n = strlen(name);
    if (name[0] == '.' || n < 5 || strcmp(name + n - 4, ".sql") != 0)
        return false;
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Lists the revision file names of dir, sorted. Returns the count or -1 (err set). */
static long graph_list(const char *dir, char ***names, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot read revision folder %s: %s", dir, strerror(errno));
        return -1;
    }
    char **list = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (!graph_wanted(dir, e->d_name))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            char **nl = realloc(list, ncap * sizeof *nl);
            if (!nl)
                goto oom;
            list = nl;
            cap = ncap;
        }
        list[n] = strdup(e->d_name);
        if (!list[n])
            goto oom;
        n++;
        errno = 0;
    }
    if (errno != 0) {
        snprintf(err, errlen, "cannot read revision folder %s: %s", dir, strerror(errno));
        goto fail;
    }
    closedir(d);
    if (n > 1)
        qsort(list, n, sizeof *list, graph_name_cmp);
    *names = list;
    return (long)n;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
    closedir(d);
    return -1;
}

int revgraph_load(struct revgraph *g, const char *dir, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->dir = strdup(dir);
    if (!g->dir) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char **names = NULL;
    long n = graph_list(dir, &names, err, errlen);
    if (n < 0) {
        revgraph_free(g);
        return -1;
    }
    int rc = 0;
    for (long i = 0; i < n; i++) {
        if (rc == 0) {
            char path[4096];
            struct revision rev;
            size_t dlen = strlen(dir);
            snprintf(path, sizeof path, "%s%s%s", dir, dlen && dir[dlen - 1] == '/' ? "" : "/",
                     names[i]);
            if (revision_load(&rev, path, err, errlen) != 0)
                rc = -1;
            else if (revgraph_add(g, &rev) != 0) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
            }
        }
        free(names[i]);
    }
    free(names);
    if (rc == 0)
        rc = revgraph_build(g, err, errlen);
    if (rc != 0)
        revgraph_free(g);
    return rc;
}

int revgraph_lookup(const struct revgraph *g, const char *id_or_prefix, size_t *ix, char *err,
                    size_t errlen)
{
    long exact = revgraph_find(g, id_or_prefix);
    if (exact >= 0) {
        *ix = (size_t)exact;
        return 0;
    }
    size_t len = strlen(id_or_prefix), matches = 0;
    char list[256] = "";
    for (size_t k = 0; k < g->n; k++) {
        size_t i = g->topo ? g->topo[k] : k;
        if (len == 0 || strncmp(g->nodes[i].rev.id, id_or_prefix, len) != 0)
            continue;
        if (matches++ == 0)
            *ix = i;
        size_t used = strlen(list);
        if (used + 1 < sizeof list)
            snprintf(list + used, sizeof list - used, "%s%s", matches > 1 ? ", " : "",
                     g->nodes[i].rev.id);
    }
    if (matches == 1)
        return 0;
    if (matches == 0)
        snprintf(err, errlen, "no revision '%s' in %s", id_or_prefix,
                 g->dir ? g->dir : "the revision folder");
    else
        snprintf(err, errlen, "'%s' matches %zu revisions: %s; give more characters", id_or_prefix,
                 matches, list);
    return -1;
}

bool revgraph_is_head(const struct revgraph *g, size_t ix, bool files_only)
{
    const struct revnode *node = &g->nodes[ix];
    for (size_t c = 0; c < node->nchildren; c++)
        if (!files_only || !g->nodes[node->children[c]].rev.stored)
            return false;
    return true;
}

size_t revgraph_heads(const struct revgraph *g, bool files_only, size_t *out)
{
    size_t n = 0;
    for (size_t k = 0; k < g->n; k++) {
        size_t i = g->topo[k];
        if (files_only && g->nodes[i].rev.stored)
            continue;
        if (revgraph_is_head(g, i, files_only))
            out[n++] = i;
    }
    return n;
}

void revgraph_mark_ancestors(const struct revgraph *g, size_t ix, bool *mark)
{
    if (mark[ix])
        return;
    mark[ix] = true;
    for (size_t p = 0; p < g->nodes[ix].rev.nparents; p++)
        revgraph_mark_ancestors(g, g->nodes[ix].parents[p], mark);
}

void revgraph_mark_descendants(const struct revgraph *g, size_t ix, bool *mark)
{
    if (mark[ix])
        return;
    mark[ix] = true;
    for (size_t c = 0; c < g->nodes[ix].nchildren; c++)
        revgraph_mark_descendants(g, g->nodes[ix].children[c], mark);
}
