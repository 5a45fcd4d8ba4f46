/*
 * test_graph.c — the revision graph (src/common/revgraph.c), migrations_head() and the
 * target plans (src/dbtool/plan.c): heads, base, merges, duplicate ids, missing parents,
 * cycles, partial ids, and upgrade/downgrade/stamp plans for head, heads, +N, REV+N, -N,
 * REV-N, a revision and base.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/migrations.h"
#include "common/revgraph.h"
#include "dbtool/plan.h"

static char err[1024];

/* Adds revision id with parents "a, b" (may be "") to g. */
static void add(struct revgraph *g, const char *id, const char *parents)
{
    char text[256], path[64];
    struct revision r;
    snprintf(text, sizeof text,
             "-- Revision ID: %s\n-- Revises: %s\n-- Message: m %s\n"
             "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n",
             id, parents, id);
    snprintf(path, sizeof path, "v/%s.sql", id);
    if (revision_parse(&r, path, text, strlen(text), err, sizeof err) != 0)
        fail_msg("parse: %s", err);
    assert_int_equal(revgraph_add(g, &r), 0);
}

static int build(struct revgraph *g)
{
    err[0] = '\0';
    return revgraph_build(g, err, sizeof err);
}

static size_t ix(const struct revgraph *g, const char *id)
{
    long i = revgraph_find(g, id);
    if (i < 0)
        fail_msg("no node %s", id);
    return (size_t)i;
}

/* Writes the ids of a plan as "a+ b+ c-" (+ up, - down, s stamp, u unstamp). */
static const char *plan_text(const struct revgraph *g, const struct plan *p)
{
    static char buf[256];
    static const char kinds[] = "+-su";
    buf[0] = '\0';
    for (size_t i = 0; i < p->n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, sizeof buf - used, "%s%s%c", i ? " " : "",
                 g->nodes[p->steps[i].node].rev.id, kinds[p->steps[i].kind]);
    }
    return buf;
}

/* Marks applied = id and its ancestors ("" for none). */
static bool *state(const struct revgraph *g, const char *ids)
{
    static bool applied[64];
    memset(applied, 0, sizeof applied);
    char copy[128];
    snprintf(copy, sizeof copy, "%s", ids);
    for (char *id = strtok(copy, " "); id; id = strtok(NULL, " "))
        revgraph_mark_ancestors(g, ix(g, id), applied);
    return applied;
}

enum op { UP, DOWN, STAMP };

/* Plans op to target from the state "at"; returns the plan text or "error: ...". */
static const char *run(const struct revgraph *g, const char *at, enum op op, const char *target)
{
    static char out[1100];
    struct target t;
    struct plan p;
    if (plan_parse_target(target, &t, err, sizeof err) != 0) {
        snprintf(out, sizeof out, "usage: %s", err);
        return out;
    }
    bool *applied = state(g, at);
    int rc = op == UP     ? plan_upgrade(g, applied, &t, &p, err, sizeof err)
             : op == DOWN ? plan_downgrade(g, applied, &t, &p, err, sizeof err)
                          : plan_stamp(g, applied, &t, &p, err, sizeof err);
    if (rc != 0) {
        snprintf(out, sizeof out, "error: %s", err);
        return out;
    }
    snprintf(out, sizeof out, "%s", plan_text(g, &p));
    plan_free(&p);
    return out;
}

static void assert_prefix(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)) != 0)
        fail_msg("\"%s\" does not start with \"%s\"", s, prefix);
}

/* a <- b <- c <- d */
static void linear(struct revgraph *g)
{
    memset(g, 0, sizeof *g);
    add(g, "d4", "c3"); /* file order differs from graph order on purpose */
    add(g, "a1", "");
    add(g, "c3", "b2");
    add(g, "b2", "a1");
    assert_int_equal(build(g), 0);
}

/* r <- x, r <- y (branches), m merges x and y */
static void branched(struct revgraph *g, bool merged)
{
    memset(g, 0, sizeof *g);
    add(g, "r0", "");
    add(g, "x1", "r0");
    add(g, "y1", "r0");
    if (merged)
        add(g, "m2", "x1, y1");
    assert_int_equal(build(g), 0);
}

static void test_links_heads_and_topological_order(void **st)
{
    (void)st;
    struct revgraph g;
    linear(&g);
    size_t heads[8];
    assert_int_equal(revgraph_heads(&g, true, heads), 1);
    assert_string_equal(g.nodes[heads[0]].rev.id, "d4");
    const char *order[] = {"a1", "b2", "c3", "d4"};
    for (size_t k = 0; k < 4; k++)
        assert_string_equal(g.nodes[g.topo[k]].rev.id, order[k]);
    assert_int_equal(g.nodes[ix(&g, "b2")].nchildren, 1);
    assert_int_equal(g.nodes[ix(&g, "a1")].rev.nparents, 0);
    revgraph_free(&g);

    branched(&g, true);
    assert_int_equal(revgraph_heads(&g, true, heads), 1);
    assert_string_equal(g.nodes[heads[0]].rev.id, "m2");
    assert_int_equal(g.nodes[ix(&g, "r0")].nchildren, 2);
    assert_int_equal(g.nodes[ix(&g, "m2")].rev.nparents, 2);
    revgraph_free(&g);

    branched(&g, false);
    assert_int_equal(revgraph_heads(&g, true, heads), 2);
    assert_string_equal(g.nodes[heads[0]].rev.id, "x1");
    assert_string_equal(g.nodes[heads[1]].rev.id, "y1");
    revgraph_free(&g);
}

static void test_stored_nodes_are_not_file_heads(void **st)
{
    (void)st;
    struct revgraph g;
    linear(&g);
    add(&g, "e5", "d4");
    g.nodes[ix(&g, "e5")].rev.stored = true;
    assert_int_equal(build(&g), 0);
    size_t heads[8];
    assert_int_equal(revgraph_heads(&g, true, heads), 1);
    assert_string_equal(g.nodes[heads[0]].rev.id, "d4");
    assert_int_equal(revgraph_heads(&g, false, heads), 1);
    assert_string_equal(g.nodes[heads[0]].rev.id, "e5");
    revgraph_free(&g);
}

static void test_graph_errors(void **st)
{
    (void)st;
    struct revgraph g = {0};
    add(&g, "a1", "");
    add(&g, "a1", "");
    assert_int_equal(build(&g), -1);
    assert_string_equal(err, "duplicate Revision ID a1 in v/a1.sql:1 and v/a1.sql:1");
    revgraph_free(&g);

    memset(&g, 0, sizeof g);
    add(&g, "a1", "");
    add(&g, "b2", "a1, zz");
    assert_int_equal(build(&g), -1);
    assert_string_equal(err, "v/b2.sql:2: Revises: zz is not a revision in the revision folder");
    revgraph_free(&g);

    memset(&g, 0, sizeof g);
    add(&g, "a1", "");
    add(&g, "b2", "a1, d4");
    add(&g, "c3", "b2");
    add(&g, "d4", "c3");
    assert_int_equal(build(&g), -1);
    assert_string_equal(err, "cycle in the revision graph: b2 -> c3 -> d4 -> b2");
    revgraph_free(&g);
}

static void test_lookup_by_id_and_prefix(void **st)
{
    (void)st;
    struct revgraph g = {0};
    add(&g, "abc1", "");
    add(&g, "abd2", "abc1");
    add(&g, "ab", "abd2");
    assert_int_equal(build(&g), 0);
    size_t found;
    assert_int_equal(revgraph_lookup(&g, "ab", &found, err, sizeof err), 0); /* exact wins */
    assert_string_equal(g.nodes[found].rev.id, "ab");
    assert_int_equal(revgraph_lookup(&g, "abd", &found, err, sizeof err), 0);
    assert_string_equal(g.nodes[found].rev.id, "abd2");
    assert_int_equal(revgraph_lookup(&g, "a", &found, err, sizeof err), -1);
    assert_string_equal(err, "'a' matches 3 revisions: abc1, abd2, ab; give more characters");
    assert_int_equal(revgraph_lookup(&g, "zz", &found, err, sizeof err), -1);
    assert_string_equal(err, "no revision 'zz' in the revision folder");
    revgraph_free(&g);
}

static void test_target_syntax(void **st)
{
    (void)st;
    struct target t;
    assert_int_equal(plan_parse_target("head", &t, err, sizeof err), 0);
    assert_int_equal(t.anchor, TARGET_HEAD);
    assert_int_equal(plan_parse_target("+2", &t, err, sizeof err), 0);
    assert_int_equal(t.anchor, TARGET_CURRENT);
    assert_int_equal(t.delta, 2);
    assert_int_equal(plan_parse_target("-1", &t, err, sizeof err), 0);
    assert_int_equal(t.delta, -1);
    assert_int_equal(plan_parse_target("ae10+3", &t, err, sizeof err), 0);
    assert_int_equal(t.anchor, TARGET_REV);
    assert_string_equal(t.rev, "ae10");
    assert_int_equal(t.delta, 3);
    assert_int_equal(plan_parse_target("head-2", &t, err, sizeof err), 0);
    assert_int_equal(t.anchor, TARGET_HEAD);
    assert_int_equal(t.delta, -2);
    static const char *const bad[] = {"+", "+x", "+0", "abc+", "a-1x", "heads+1", "a.b", "a b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (plan_parse_target(bad[i], &t, err, sizeof err) != -1)
            fail_msg("\"%s\" should be refused", bad[i]);
        assert_prefix(err, "bad target");
    }
}

static void test_upgrade_plans(void **st)
{
    (void)st;
    struct revgraph g;
    linear(&g);
    assert_string_equal(run(&g, "", UP, "head"), "a1+ b2+ c3+ d4+");
    assert_string_equal(run(&g, "b2", UP, "heads"), "c3+ d4+");
    assert_string_equal(run(&g, "d4", UP, "head"), "");
    assert_string_equal(run(&g, "", UP, "+1"), "a1+");
    assert_string_equal(run(&g, "a1", UP, "+2"), "b2+ c3+");
    assert_string_equal(run(&g, "", UP, "b2"), "a1+ b2+");
    assert_string_equal(run(&g, "", UP, "a1+2"), "a1+ b2+ c3+");
    assert_string_equal(run(&g, "", UP, "base+1"), "a1+");
    assert_string_equal(run(&g, "b2", UP, "b2"), "");
    assert_string_equal(run(&g, "c3", UP, "b2"),
                        "error: b2 is already applied and the database is above it (at c3): use "
                        "\"dbtool downgrade b2\" to go back to it");
    assert_string_equal(run(&g, "c3", UP, "+2"),
                        "error: cannot go 2 steps up from c3: only 1 revision above it");
    assert_string_equal(run(&g, "", UP, "q"), "error: no revision 'q' in the revision folder");
    revgraph_free(&g);
}

static void test_downgrade_plans(void **st)
{
    (void)st;
    struct revgraph g;
    linear(&g);
    assert_string_equal(run(&g, "d4", DOWN, "-1"), "d4-");
    assert_string_equal(run(&g, "d4", DOWN, "-3"), "d4- c3- b2-");
    assert_string_equal(run(&g, "d4", DOWN, "-4"), "d4- c3- b2- a1-");
    assert_string_equal(run(&g, "b2", DOWN, "-3"),
                        "error: cannot go 3 revisions down: base is reached after 2");
    assert_string_equal(run(&g, "", DOWN, "-1"),
                        "error: the database is at base already: nothing to go down from");
    assert_string_equal(run(&g, "d4", DOWN, "b2"), "d4- c3-");
    assert_string_equal(run(&g, "d4", DOWN, "base"), "d4- c3- b2- a1-");
    assert_string_equal(run(&g, "d4", DOWN, "head-2"), "d4- c3-");
    assert_string_equal(run(&g, "c3", DOWN, "c3"), "");
    assert_string_equal(run(&g, "b2", DOWN, "c3"),
                        "error: c3 is not applied (the database is at b2): use \"dbtool upgrade "
                        "c3\" to go up to it");
    assert_string_equal(run(&g, "d4", DOWN, "+1"), "error: downgrade goes down: use -1, not +1");
    assert_prefix(run(&g, "d4", DOWN, "heads"), "error: \"heads\" is not a downgrade target");
    revgraph_free(&g);
}

static void test_branches_and_merges(void **st)
{
    (void)st;
    struct revgraph g;
    branched(&g, false);
    assert_string_equal(run(&g, "", UP, "head"),
                        "error: there are several head revisions (x1, y1) and \"head\" means "
                        "exactly one: give the revision to go to, use \"heads\" to go to all of "
                        "them (dbtool upgrade heads), or join them first (dbtool merge -m MSG "
                        "heads)");
    assert_string_equal(run(&g, "", UP, "heads"), "r0+ x1+ y1+");
    assert_string_equal(run(&g, "r0", UP, "+1"),
                        "error: r0 has several children (x1, y1), so +1 is ambiguous: name the "
                        "revision");
    assert_string_equal(run(&g, "r0", UP, "y1"), "y1+");
    assert_string_equal(run(&g, "x1 y1", DOWN, "-1"),
                        "error: the database is at several heads (x1, y1), so -1 is "
                        "ambiguous: name the revision to go down to");
    assert_string_equal(run(&g, "x1 y1", DOWN, "x1"), "");
    assert_string_equal(run(&g, "x1 y1", DOWN, "r0"), "y1- x1-");
    revgraph_free(&g);

    branched(&g, true);
    assert_string_equal(run(&g, "x1", UP, "head"), "y1+ m2+");
    assert_string_equal(run(&g, "m2", DOWN, "-1"), "m2-");
    assert_prefix(run(&g, "m2", DOWN, "-2"), "error: after reverting some revisions the database "
                                             "is at several heads (x1, y1)");
    assert_string_equal(run(&g, "m2", DOWN, "m2-1"),
                        "error: m2 merges several parents (x1, y1), so -1 is ambiguous: name "
                        "the revision");
    assert_string_equal(run(&g, "m2", DOWN, "x1"), "m2-"); /* y1 is no descendant of x1 */
    revgraph_free(&g);
}

static void test_stamp_plans_and_states(void **st)
{
    (void)st;
    struct revgraph g;
    linear(&g);
    assert_string_equal(run(&g, "", STAMP, "head"), "a1s b2s c3s d4s");
    assert_string_equal(run(&g, "d4", STAMP, "b2"), "d4u c3u");
    assert_string_equal(run(&g, "b2", STAMP, "base"), "b2u a1u");
    assert_string_equal(run(&g, "b2", STAMP, "b2"), "");
    bool applied[8];
    struct target t;
    assert_int_equal(plan_parse_target("c3", &t, err, sizeof err), 0);
    assert_int_equal(plan_state_at(&g, &t, applied, err, sizeof err), 0);
    size_t heads[8];
    assert_int_equal(plan_state_heads(&g, applied, heads), 1);
    assert_string_equal(g.nodes[heads[0]].rev.id, "c3");
    assert_false(applied[ix(&g, "d4")]);
    assert_true(applied[ix(&g, "a1")]);
    long node;
    assert_int_equal(plan_parse_target("current", &t, err, sizeof err), 0);
    assert_int_equal(plan_resolve(&g, NULL, &t, &node, err, sizeof err), -1);
    revgraph_free(&g);
}

/* Writes name with content into dir. */
static void put(const char *dir, const char *name, const char *content)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    assert_int_equal(fclose(f), 0);
}

static void test_load_folder_and_migrations_head(void **st)
{
    (void)st;
    char dir[] = "/tmp/test_graph_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char head[64];
    assert_int_equal(migrations_head(dir, head, sizeof head, err, sizeof err), -1);
    assert_prefix(err, "no revisions in /tmp/test_graph_");
    put(dir, "a1_first.sql", "-- Revision ID: a1\n-- Revises:\n-- migrate:up\n");
    put(dir, "b2_second.sql", "-- Revision ID: b2\n-- Revises: a1\n-- migrate:up\n");
    put(dir, "README.txt", "not a revision\n");
    put(dir, ".hidden.sql", "not a revision either\n");
    assert_int_equal(migrations_head(dir, head, sizeof head, err, sizeof err), 0);
    assert_string_equal(head, "b2");
    struct revgraph g;
    assert_int_equal(revgraph_load(&g, dir, err, sizeof err), 0);
    assert_int_equal(g.n, 2);
    char expect[128];
    snprintf(expect, sizeof expect, "%s/a1_first.sql", dir);
    assert_string_equal(g.nodes[ix(&g, "a1")].rev.path, expect);
    revgraph_free(&g);
    put(dir, "c3_branch.sql", "-- Revision ID: c3\n-- Revises: a1\n-- migrate:up\n");
    assert_int_equal(migrations_head(dir, head, sizeof head, err, sizeof err), -1);
    assert_true(strstr(err, "has 2 heads (b2, c3") != NULL);
    put(dir, "d4_bad.sql", "-- Revision ID: d4\n-- Revises: c3\nDROP TABLE x;\n");
    assert_int_equal(revgraph_load(&g, dir, err, sizeof err), -1);
    assert_true(strstr(err, "d4_bad.sql: no \"-- migrate:up\" line") != NULL);
    static const char *const names[] = {"a1_first.sql", "b2_second.sql", "README.txt",
                                        ".hidden.sql",  "c3_branch.sql", "d4_bad.sql"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    assert_int_equal(revgraph_load(&g, dir, err, sizeof err), -1);
    assert_prefix(err, "cannot read revision folder /tmp/test_graph_");
    assert_true(strstr(err, "No such file or directory") != NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_links_heads_and_topological_order),
        cmocka_unit_test(test_stored_nodes_are_not_file_heads),
        cmocka_unit_test(test_graph_errors),
        cmocka_unit_test(test_lookup_by_id_and_prefix),
        cmocka_unit_test(test_target_syntax),
        cmocka_unit_test(test_upgrade_plans),
        cmocka_unit_test(test_downgrade_plans),
        cmocka_unit_test(test_branches_and_merges),
        cmocka_unit_test(test_stamp_plans_and_states),
        cmocka_unit_test(test_load_folder_and_migrations_head),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
