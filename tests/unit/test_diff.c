/*
 * test_diff.c — schema comparison and SQL generation (src/dbtool/diff.c) on in-memory
 * catalogs: what is detected, what is warned about, and the order of statements that
 * keeps every foreign key valid (tables, cycles, enums, sequences, recreated keys).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbtool/catalog.h"
#include "dbtool/diff.h"

/* ---- building catalogs ------------------------------------------------------------------ */

static struct cat_table *table(struct catalog *c, const char *name)
{
    struct cat_table *t = catalog_add_table(c, name, NULL, NULL);
    assert_non_null(t);
    return t;
}

static struct cat_column *column(struct cat_table *t, const char *name, const char *type,
                                 bool notnull, const char *def)
{
    struct cat_column *col = catalog_add_column(t, name, NULL, type, notnull, def);
    assert_non_null(col);
    return col;
}

static void constraint(struct cat_table *t, const char *name, char kind, const char *def,
                       const char *ref)
{
    assert_non_null(catalog_add_constraint(t, name, NULL, kind, def, ref));
}

static void fkey(struct cat_table *t, const char *name, const char *cols, const char *ref)
{
    char def[256];
    snprintf(def, sizeof def, "FOREIGN KEY (%s) REFERENCES %s(id)", cols, ref);
    constraint(t, name, CAT_FOREIGN, def, ref);
}

static void index_on(struct cat_table *t, const char *name, const char *rest)
{
    char def[256];
    snprintf(def, sizeof def, "CREATE INDEX %s ON public.%s USING btree %s", name, t->name, rest);
    assert_non_null(catalog_add_index(t, name, NULL, def));
}

static void enumtype(struct catalog *c, const char *name, const char *const *values)
{
    struct cat_enum *e = catalog_add_enum(c, name, NULL);
    assert_non_null(e);
    for (; *values; values++)
        assert_int_equal(catalog_add_enum_value(e, *values), 0);
}

/* A table "name" with an integer primary key "id". */
static struct cat_table *keyed(struct catalog *c, const char *name)
{
    struct cat_table *t = table(c, name);
    column(t, "id", "integer", true, NULL);
    char pk[80];
    snprintf(pk, sizeof pk, "%s_pkey", name);
    constraint(t, pk, CAT_PRIMARY, "PRIMARY KEY (id)", NULL);
    return t;
}

/* ---- looking at results --------------------------------------------------------------- */

struct pair {
    struct catalog a, b;
    struct diff up, down;
};

static void run(struct pair *p, enum diff_mode mode)
{
    catalog_sort(&p->a);
    catalog_sort(&p->b);
    assert_int_equal(diff_compute(&p->a, &p->b, mode, &p->up), 0);
    assert_int_equal(diff_compute(&p->b, &p->a, mode, &p->down), 0);
}

static void done(struct pair *p)
{
    diff_free(&p->up);
    diff_free(&p->down);
    catalog_free(&p->a);
    catalog_free(&p->b);
}

static bool has_change(const struct diff *d, const char *text)
{
    for (size_t i = 0; i < d->nchanges; i++)
        if (strcmp(d->changes[i], text) == 0)
            return true;
    return false;
}

static bool has_warning(const struct diff *d, const char *part)
{
    for (size_t i = 0; i < d->nwarnings; i++)
        if (strstr(d->warnings[i], part))
            return true;
    return false;
}

/* Position of a statement in sql; fails when absent. */
static long at(const char *sql, const char *needle)
{
    const char *p = strstr(sql, needle);
    if (!p)
        fail_msg("\"%s\" not in:\n%s", needle, sql);
    return (long)(p - sql);
}

/* How often needle occurs in sql. */
static int count(const char *sql, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(sql, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

#define assert_before(sql, first, second) assert_true(at(sql, first) < at(sql, second))

/* ---- tests -------------------------------------------------------------------------------- */

static void test_equal_catalogs_have_no_changes(void **state)
{
    (void)state;
    struct pair p = {0};
    for (int i = 0; i < 2; i++) {
        struct catalog *c = i ? &p.b : &p.a;
        struct cat_table *t = keyed(c, "users");
        column(t, "email", "text", true, NULL);
        index_on(t, "users_email", "(email)");
        enumtype(c, "mood", (const char *const[]){"a", "b", NULL});
        assert_non_null(catalog_add_sequence(c, "s", NULL, "bigint"));
    }
    run(&p, DIFF_STRICT);
    assert_int_equal(p.up.nchanges, 0);
    assert_string_equal(p.up.sql, "");
    assert_int_equal(p.down.nchanges, 0);
    done(&p);
}

static void test_new_tables_are_created_referenced_first_and_dropped_in_reverse(void **state)
{
    (void)state;
    struct pair p = {0};
    keyed(&p.a, "users");
    keyed(&p.b, "users");
    /* names chosen so that name order is the wrong order */
    struct cat_table *a = keyed(&p.b, "a_item_tags");
    column(a, "item_id", "integer", true, NULL);
    column(a, "tag_id", "integer", true, NULL);
    fkey(a, "a_item_tags_item_fkey", "item_id", "b_items");
    fkey(a, "a_item_tags_tag_fkey", "tag_id", "c_tags");
    struct cat_table *b = keyed(&p.b, "b_items");
    column(b, "owner_id", "integer", true, NULL);
    fkey(b, "b_items_owner_fkey", "owner_id", "users");
    keyed(&p.b, "c_tags");
    run(&p, DIFF_NORMAL);

    assert_true(has_change(&p.up, "added table 'a_item_tags'"));
    assert_before(p.up.sql, "CREATE TABLE b_items", "CREATE TABLE a_item_tags");
    assert_before(p.up.sql, "CREATE TABLE c_tags", "CREATE TABLE a_item_tags");
    /* foreign keys stay inside CREATE TABLE when their target exists already */
    assert_non_null(strstr(p.up.sql, "    CONSTRAINT a_item_tags_tag_fkey FOREIGN KEY (tag_id) "
                                     "REFERENCES c_tags(id)\n);"));
    assert_null(strstr(p.up.sql, "ADD CONSTRAINT"));
    assert_before(p.down.sql, "DROP TABLE a_item_tags", "DROP TABLE b_items");
    assert_before(p.down.sql, "DROP TABLE a_item_tags", "DROP TABLE c_tags");
    assert_true(has_warning(&p.down, "drops table 'b_items' and all its rows"));
    assert_int_equal(p.up.nwarnings, 0);
    done(&p);
}

static void test_foreign_key_cycle_is_closed_after_the_tables_exist(void **state)
{
    (void)state;
    struct pair p = {0};
    struct cat_table *x = keyed(&p.b, "x");
    column(x, "y_id", "integer", false, NULL);
    fkey(x, "x_y_fkey", "y_id", "y");
    struct cat_table *y = keyed(&p.b, "y");
    column(y, "x_id", "integer", false, NULL);
    fkey(y, "y_x_fkey", "x_id", "x");
    run(&p, DIFF_NORMAL);

    assert_before(p.up.sql, "CREATE TABLE x", "CREATE TABLE y");
    assert_before(p.up.sql, "CREATE TABLE y", "ALTER TABLE x ADD CONSTRAINT x_y_fkey");
    assert_non_null(strstr(p.up.sql, "CONSTRAINT y_x_fkey FOREIGN KEY")); /* inline */
    assert_before(p.down.sql, "ALTER TABLE x DROP CONSTRAINT x_y_fkey", "DROP TABLE y");
    assert_before(p.down.sql, "DROP TABLE y", "DROP TABLE x");
    done(&p);
}

static void test_enum_created_before_and_dropped_after_its_table(void **state)
{
    (void)state;
    struct pair p = {0};
    enumtype(&p.b, "mood", (const char *const[]){"sad", "it's ok", NULL});
    struct cat_table *t = keyed(&p.b, "t");
    column(t, "m", "mood", true, "'sad'::mood");
    run(&p, DIFF_NORMAL);

    assert_true(has_change(&p.up, "added enum 'mood' ('sad', 'it''s ok')"));
    assert_before(p.up.sql, "CREATE TYPE mood AS ENUM ('sad', 'it''s ok');", "CREATE TABLE t");
    assert_non_null(strstr(p.up.sql, "    m mood DEFAULT 'sad'::mood NOT NULL"));
    assert_before(p.down.sql, "DROP TABLE t", "DROP TYPE mood");
    done(&p);
}

static void test_enum_value_added_in_place_and_removed_by_recreating(void **state)
{
    (void)state;
    struct pair p = {0};
    enumtype(&p.a, "mood", (const char *const[]){"sad", "ok", NULL});
    enumtype(&p.b, "mood", (const char *const[]){"meh", "sad", "ok", "happy", NULL});
    for (int i = 0; i < 2; i++) {
        struct cat_table *t = keyed(i ? &p.b : &p.a, "t");
        column(t, "m", "mood", true, "'ok'::mood");
        column(t, "ms", "mood[]", false, NULL);
    }
    run(&p, DIFF_NORMAL);

    assert_true(has_change(&p.up, "added value 'meh' to enum 'mood'"));
    assert_true(has_change(&p.up, "added value 'happy' to enum 'mood'"));
    assert_non_null(strstr(p.up.sql, "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'sad';\n"
                                     "ALTER TYPE mood ADD VALUE 'happy' AFTER 'ok';\n"));
    assert_int_equal(p.up.nwarnings, 0);

    assert_true(has_change(&p.down, "removed value 'meh' from enum 'mood'"));
    assert_true(has_warning(&p.down, "drops 2 values of enum 'mood'"));
    assert_non_null(strstr(p.down.sql,
                           "-- WARNING: drops 2 values of enum 'mood' (the type is recreated and "
                           "its columns converted): fails if a row still holds one\n"
                           "ALTER TYPE mood RENAME TO \"mood__dbtool_old\";\n"
                           "CREATE TYPE mood AS ENUM ('sad', 'ok');\n"
                           "ALTER TABLE t ALTER COLUMN m DROP DEFAULT;\n"
                           "ALTER TABLE t ALTER COLUMN m TYPE mood USING m::text::mood;\n"
                           "ALTER TABLE t ALTER COLUMN m SET DEFAULT 'ok'::mood;\n"
                           "ALTER TABLE t ALTER COLUMN ms TYPE mood[] USING ms::text[]::mood[];\n"
                           "DROP TYPE \"mood__dbtool_old\";\n"));
    /* the default is restored by the recreation, not changed a second time */
    assert_null(strstr(p.down.sql, "server default"));
    assert_int_equal(count(p.down.sql, "SET DEFAULT"), 1);
    done(&p);
}

static void test_new_enum_value_used_by_a_default_is_warned_about(void **state)
{
    (void)state;
    struct pair p = {0};
    enumtype(&p.a, "state", (const char *const[]){"draft", NULL});
    enumtype(&p.b, "state", (const char *const[]){"draft", "done", NULL});
    keyed(&p.a, "t");
    column(keyed(&p.b, "t"), "s", "state", true, "'done'::state");
    run(&p, DIFF_NORMAL);
    assert_true(has_warning(&p.up, "the default of 't.s' uses the new value 'done' of enum "
                                   "'state'"));
    done(&p);
}

static void test_type_changes_warn_when_narrowing_or_converting(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to, *warning; /* NULL: no warning */
        bool uses_cast;
    } cases[] = {
        {"character varying(100)", "character varying(50)", "narrows", false},
        {"character varying(50)", "character varying(100)", NULL, false},
        {"text", "character varying(20)", "narrows", false},
        {"character varying(20)", "text", NULL, false},
        {"bigint", "integer", "narrows", false},
        {"integer", "bigint", NULL, false},
        {"integer", "numeric(5,2)", "narrows", false},
        {"integer", "numeric(12,2)", NULL, false},
        {"numeric(10,2)", "numeric(10,1)", "narrows", false},
        {"numeric(10,2)", "numeric", NULL, false},
        {"double precision", "real", "narrows", false},
        {"timestamp(6) without time zone", "timestamp(3) without time zone", "narrows", false},
        {"text", "integer", "converts", true},
        {"integer", "text", NULL, true},
        {"integer[]", "bigint[]", NULL, false},
        {"text", "text[]", "converts", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pair p = {0};
        column(keyed(&p.a, "t"), "c", cases[i].from, false, NULL);
        column(keyed(&p.b, "t"), "c", cases[i].to, false, NULL);
        run(&p, DIFF_NORMAL);
        char change[256], stmt[256];
        snprintf(change, sizeof change, "type change from %s to %s on 't.c'", cases[i].from,
                 cases[i].to);
        assert_true(has_change(&p.up, change));
        snprintf(stmt, sizeof stmt, "ALTER TABLE t ALTER COLUMN c TYPE %s%s%s;\n", cases[i].to,
                 cases[i].uses_cast ? " USING c::" : "", cases[i].uses_cast ? cases[i].to : "");
        if (!strstr(p.up.sql, stmt))
            fail_msg("case %zu: \"%s\" not in:\n%s", i, stmt, p.up.sql);
        if (cases[i].warning) {
            assert_int_equal(p.up.nwarnings, 1);
            assert_true(has_warning(&p.up, cases[i].warning));
        } else if (p.up.nwarnings != 0) {
            fail_msg("case %zu: unexpected warning %s", i, p.up.warnings[0]);
        }
        done(&p);
    }
}

static void test_column_changes_in_a_safe_order(void **state)
{
    (void)state;
    struct pair p = {0};
    struct cat_table *a = keyed(&p.a, "t"), *b = keyed(&p.b, "t");
    column(a, "n", "text", false, "'0'::text");
    column(b, "n", "integer", true, "0");
    column(a, "old", "text", false, NULL);
    column(b, "need", "integer", true, NULL);
    constraint(a, "t_old_check", CAT_CHECK, "CHECK ((old <> ''::text))", NULL);
    run(&p, DIFF_NORMAL);

    assert_true(has_change(&p.up, "NOT NULL on column 't.n'"));
    assert_true(has_change(&p.up, "removed column 't.old'"));
    assert_true(has_change(&p.up, "added column 't.need'"));
    assert_true(has_change(&p.up, "server default change on 't.n': '0'::text -> 0"));
    const char *sql = p.up.sql;
    assert_before(sql, "DROP CONSTRAINT t_old_check", "DROP COLUMN old");
    assert_before(sql, "ALTER COLUMN n DROP DEFAULT",
                  "ALTER COLUMN n TYPE integer USING n::integer");
    assert_before(sql, "ALTER COLUMN n TYPE integer", "ALTER COLUMN n SET NOT NULL");
    assert_before(sql, "ALTER COLUMN n SET NOT NULL", "ALTER COLUMN n SET DEFAULT 0");
    assert_true(has_warning(&p.up, "adds NOT NULL column 't.need' without a default"));
    assert_true(has_warning(&p.up, "drops column 't.old' and its data (renames are not detected"));
    assert_true(has_warning(&p.up, "fails if 't.n' holds NULLs"));
    /* and back */
    assert_before(p.down.sql, "ALTER TABLE t ADD COLUMN old text", "ADD CONSTRAINT t_old_check");
    done(&p);
}

static void test_constraints_match_by_name_then_by_definition(void **state)
{
    (void)state;
    struct pair p = {0};
    struct cat_table *a = keyed(&p.a, "t"), *b = keyed(&p.b, "t");
    column(a, "email", "text", false, NULL);
    column(b, "email", "text", false, NULL);
    constraint(a, "t_email_key", CAT_UNIQUE, "UNIQUE (email)", NULL);
    constraint(b, "t_email_key1", CAT_UNIQUE, "UNIQUE (email)", NULL);
    index_on(a, "t_email_idx", "(lower(email))");
    index_on(b, "t_email_lower", "(lower(email))");
    constraint(a, "t_email_check", CAT_CHECK, "CHECK ((email <> ''::text))", NULL);
    constraint(b, "t_email_check", CAT_CHECK, "CHECK ((length(email) > 3))", NULL);
    run(&p, DIFF_NORMAL);
    /* differently named but the same: no change; same name, other definition: changed */
    assert_int_equal(p.up.nchanges, 1);
    assert_true(has_change(&p.up, "changed check constraint 't_email_check' on 't'"));
    assert_before(p.up.sql, "DROP CONSTRAINT t_email_check", "ADD CONSTRAINT t_email_check");
    diff_free(&p.up);
    diff_free(&p.down);

    run(&p, DIFF_STRICT); /* what dbtool test uses: names count */
    assert_true(has_change(&p.up, "removed unique constraint 't_email_key' on 't'"));
    assert_true(has_change(&p.up, "added unique constraint 't_email_key1' on 't'"));
    assert_true(has_change(&p.up, "removed index 't_email_idx' on 't'"));
    assert_true(has_change(&p.up, "added index 't_email_lower' on 't'"));
    done(&p);
}

static void test_foreign_keys_are_recreated_around_a_recreated_key(void **state)
{
    (void)state;
    struct pair p = {0};
    for (int i = 0; i < 2; i++) {
        struct catalog *c = i ? &p.b : &p.a;
        struct cat_table *u = table(c, "users");
        column(u, "id", "integer", true, NULL);
        constraint(u, "users_pkey", CAT_PRIMARY,
                   i ? "PRIMARY KEY (id) DEFERRABLE" : "PRIMARY KEY (id)", NULL);
        struct cat_table *items = keyed(c, "items");
        column(items, "owner_id", "integer", true, NULL);
        fkey(items, "items_owner_fkey", "owner_id", "users");
    }
    run(&p, DIFF_NORMAL);
    assert_true(has_change(&p.up, "changed primary key 'users_pkey' on 'users'"));
    assert_before(p.up.sql, "ALTER TABLE items DROP CONSTRAINT items_owner_fkey",
                  "ALTER TABLE users DROP CONSTRAINT users_pkey");
    assert_before(p.up.sql, "ALTER TABLE users ADD CONSTRAINT users_pkey",
                  "ALTER TABLE items ADD CONSTRAINT items_owner_fkey");
    assert_non_null(strstr(p.up.sql, "-- items_owner_fkey is recreated with the key of 'users'"));
    done(&p);
}

static void test_sequences_owned_by_columns_follow_them(void **state)
{
    (void)state;
    struct pair p = {0};
    struct cat_sequence *s = catalog_add_sequence(&p.b, "t_id_seq", NULL, "integer");
    assert_non_null(s);
    assert_int_equal(catalog_set(&s->owner_table, "t"), 0);
    assert_int_equal(catalog_set(&s->owner_column, "id"), 0);
    struct cat_sequence *alone = catalog_add_sequence(&p.b, "counter", NULL, "bigint");
    assert_non_null(alone);
    assert_int_equal(catalog_set(&alone->increment, "10"), 0);
    assert_int_equal(catalog_set(&alone->start, "100"), 0);
    struct cat_table *t = table(&p.b, "t");
    column(t, "id", "integer", true, "nextval('t_id_seq'::regclass)");
    run(&p, DIFF_NORMAL);

    assert_true(has_change(&p.up, "added sequence 't_id_seq'"));
    assert_non_null(strstr(p.up.sql, "CREATE SEQUENCE counter AS bigint INCREMENT BY 10 START "
                                     "WITH 100;\n"));
    assert_before(p.up.sql, "CREATE SEQUENCE t_id_seq AS integer;", "CREATE TABLE t");
    assert_before(p.up.sql, "CREATE TABLE t", "ALTER SEQUENCE t_id_seq OWNED BY t.id");
    /* dropping the table takes its sequence along: no DROP SEQUENCE for it */
    assert_null(strstr(p.down.sql, "DROP SEQUENCE t_id_seq"));
    assert_non_null(strstr(p.down.sql, "DROP SEQUENCE counter;"));
    done(&p);
}

static void test_comments_are_quoted_literals(void **state)
{
    (void)state;
    struct pair p = {0};
    keyed(&p.a, "t");
    struct cat_table *b = keyed(&p.b, "t");
    assert_int_equal(catalog_set(&b->comment, "it's a table"), 0);
    assert_int_equal(catalog_set(&b->cols[0].comment, "the key"), 0);
    run(&p, DIFF_NORMAL);
    assert_true(has_change(&p.up, "comment change on table 't'"));
    assert_non_null(strstr(p.up.sql, "COMMENT ON TABLE t IS 'it''s a table';\n"));
    assert_non_null(strstr(p.up.sql, "COMMENT ON COLUMN t.id IS 'the key';\n"));
    assert_non_null(strstr(p.down.sql, "COMMENT ON TABLE t IS NULL;\n"));
    done(&p);
}

static void test_catalog_index_shape_leaves_out_the_name(void **state)
{
    (void)state;
    struct catalog c = {0};
    struct cat_table *t = table(&c, "t");
    assert_non_null(catalog_add_index(t, "T x", "\"T x\"",
                                      "CREATE UNIQUE INDEX \"T x\" ON public.t USING btree (a)"));
    assert_string_equal(t->idx[0].shape, "CREATE UNIQUE INDEX ON public.t USING btree (a)");
    catalog_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_catalogs_have_no_changes),
        cmocka_unit_test(test_new_tables_are_created_referenced_first_and_dropped_in_reverse),
        cmocka_unit_test(test_foreign_key_cycle_is_closed_after_the_tables_exist),
        cmocka_unit_test(test_enum_created_before_and_dropped_after_its_table),
        cmocka_unit_test(test_enum_value_added_in_place_and_removed_by_recreating),
        cmocka_unit_test(test_new_enum_value_used_by_a_default_is_warned_about),
        cmocka_unit_test(test_type_changes_warn_when_narrowing_or_converting),
        cmocka_unit_test(test_column_changes_in_a_safe_order),
        cmocka_unit_test(test_constraints_match_by_name_then_by_definition),
        cmocka_unit_test(test_foreign_keys_are_recreated_around_a_recreated_key),
        cmocka_unit_test(test_sequences_owned_by_columns_follow_them),
        cmocka_unit_test(test_comments_are_quoted_literals),
        cmocka_unit_test(test_catalog_index_shape_leaves_out_the_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
