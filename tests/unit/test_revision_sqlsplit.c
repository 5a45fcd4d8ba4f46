/*
 * test_revision_sqlsplit.c — splitting a revision section into statements
 * (src/dbtool/sqlsplit.c): quotes, dollar quotes, comments, E'' strings, BEGIN ATOMIC
 * bodies, statement lines, error positions mapped to lines, unterminated text, and the
 * transaction-control check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbtool/sqlsplit.h"

#define MAXSTMT 16

static char texts[MAXSTMT][256];
static int lines[MAXSTMT];

/* Splits sql and copies each statement into texts[]; returns the count. */
static long split(const char *sql)
{
    struct sqlstmt *st = NULL;
    int err_line = -1;
    char err[128];
    long n = sqlsplit_parse(sql, &st, &err_line, err, sizeof err);
    if (n < 0)
        fail_msg("unexpected error at line %d: %s", err_line, err);
    assert_true(n <= MAXSTMT);
    for (long i = 0; i < n; i++) {
        snprintf(texts[i], sizeof texts[i], "%.*s", (int)st[i].len, sql + st[i].off);
        lines[i] = st[i].line;
    }
    free(st);
    return n;
}

static void test_simple_statements_and_lines(void **state)
{
    (void)state;
    assert_int_equal(split("CREATE TABLE a (id int);\n\n  -- comment\nINSERT INTO a\n"
                           "  VALUES (1);\nSELECT 1"),
                     3);
    assert_string_equal(texts[0], "CREATE TABLE a (id int)");
    assert_int_equal(lines[0], 0);
    assert_string_equal(texts[1], "INSERT INTO a\n  VALUES (1)");
    assert_int_equal(lines[1], 3);
    assert_string_equal(texts[2], "SELECT 1"); /* last one without ';' */
    assert_int_equal(split("SELECT 1 -- done\n/* really */\n"), 1);
    assert_string_equal(texts[0], "SELECT 1");
    assert_int_equal(split(""), 0);
    assert_int_equal(split("-- only a comment\n/* and another */\n;;\n"), 0);
}

static void test_quotes_comments_and_dollars_hide_semicolons(void **state)
{
    (void)state;
    assert_int_equal(split("SELECT 'a;b', 'it''s;';\n"
                           "SELECT \"we;ird\" FROM t;\n"
                           "SELECT E'x\\';y';\n"
                           "SELECT 1 /* a ; /* nested ; */ still ; */;\n"
                           "SELECT 2 -- trailing ; comment\n;\n"
                           "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\n"
                           "BEGIN RETURN 1; END;\n$$;\n"
                           "DO $body$ BEGIN PERFORM 'x$$y;'; END $body$;\n"
                           "SELECT $1, a$b FROM t;\n"),
                     8);
    assert_string_equal(texts[0], "SELECT 'a;b', 'it''s;'");
    assert_string_equal(texts[1], "SELECT \"we;ird\" FROM t");
    assert_string_equal(texts[2], "SELECT E'x\\';y'");
    assert_string_equal(texts[3], "SELECT 1"); /* the comment trails it */
    assert_string_equal(texts[4], "SELECT 2"); /* a trailing comment is not part of it */
    assert_int_equal(lines[5], 6);
    assert_string_equal(texts[6], "DO $body$ BEGIN PERFORM 'x$$y;'; END $body$");
    assert_int_equal(lines[6], 9);
    assert_string_equal(texts[7], "SELECT $1, a$b FROM t");
}

static void test_begin_atomic_bodies_stay_whole(void **state)
{
    (void)state;
    assert_int_equal(split("CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql\n"
                           "BEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n"
                           "  SELECT 2;\nEND;\n"
                           "CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END;\n"
                           "SELECT 3;\n"),
                     3);
    assert_true(strstr(texts[0], "SELECT 2;\nEND") != NULL);
    assert_string_equal(texts[1],
                        "CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END");
    assert_string_equal(texts[2], "SELECT 3");
}

static void test_unterminated_text_reports_its_first_line(void **state)
{
    (void)state;
    static const struct {
        const char *sql;
        int line;
        const char *why;
    } cases[] = {
        {"SELECT 1;\nSELECT 'abc\n\n", 1, "unterminated quoted string"},
        {"SELECT 1;\n\nSELECT \"abc\n", 2, "unterminated quoted identifier"},
        {"SELECT 1;\n/* open\n/* nested */\n", 1, "unterminated /* comment"},
        {"\nDO $x$ BEGIN\nEND $y$;\n", 1, "unterminated dollar-quoted string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sqlstmt *st = NULL;
        int line = -1;
        char err[128];
        assert_int_equal(sqlsplit_parse(cases[i].sql, &st, &line, err, sizeof err), -1);
        assert_null(st);
        assert_int_equal(line, cases[i].line);
        assert_string_equal(err, cases[i].why);
    }
}

static void test_error_position_maps_to_line(void **state)
{
    (void)state;
    const char *sql = "SELECT 1;\n-- x\nSELECT 'é',\n  missing\nFROM t;\n";
    struct sqlstmt *st = NULL;
    int err_line;
    char err[64];
    assert_int_equal(sqlsplit_parse(sql, &st, &err_line, err, sizeof err), 2);
    /* statement 2 is "SELECT 'é',\n  missing\nFROM t": characters, not bytes */
    assert_int_equal(sqlsplit_position_line(sql, &st[1], 1), 2);
    assert_int_equal(sqlsplit_position_line(sql, &st[1], 12), 2); /* the newline itself */
    assert_int_equal(sqlsplit_position_line(sql, &st[1], 15), 3); /* "missing" */
    assert_int_equal(sqlsplit_position_line(sql, &st[1], 23), 4); /* "FROM" */
    assert_int_equal(sqlsplit_position_line(sql, &st[1], 999), 4);
    free(st);
}

static void test_transaction_control_and_leading_words(void **state)
{
    (void)state;
    static const char *const control[] = {
        "BEGIN", "begin transaction", "START TRANSACTION", "COMMIT", "end", "ROLLBACK",
        "abort", "/* c */ COMMIT"};
    static const char *const fine[] = {"ROLLBACK TO SAVEPOINT s", "SAVEPOINT s", "SELECT 1",
                                       "CREATE TABLE begin_x (id int)", "COMMITTED"};
    for (size_t i = 0; i < sizeof control / sizeof control[0]; i++) {
        struct sqlstmt st = {0, strlen(control[i]), 0};
        assert_true(sqlsplit_is_transaction_control(control[i], &st));
    }
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
        struct sqlstmt st = {0, strlen(fine[i]), 0};
        assert_false(sqlsplit_is_transaction_control(fine[i], &st));
    }
    const char *ci = "create  unique\n -- x\n INDEX concurrently i ON t (a)";
    struct sqlstmt st = {0, strlen(ci), 0};
    assert_true(sqlsplit_starts_with(ci, &st, "CREATE UNIQUE INDEX CONCURRENTLY"));
    assert_false(sqlsplit_starts_with(ci, &st, "CREATE INDEX CONCURRENTLY"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_statements_and_lines),
        cmocka_unit_test(test_quotes_comments_and_dollars_hide_semicolons),
        cmocka_unit_test(test_begin_atomic_bodies_stay_whole),
        cmocka_unit_test(test_unterminated_text_reports_its_first_line),
        cmocka_unit_test(test_error_position_maps_to_line),
        cmocka_unit_test(test_transaction_control_and_leading_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
