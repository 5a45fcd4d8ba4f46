/*
 * test_revision.c — the revision file parser (src/common/revision.c): every header field,
 * the sections and their line numbers, CRLF and BOM, and each malformed file reported as
 * file:line with the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/revision.h"

static char err[512];

static int parse(struct revision *r, const char *text)
{
    err[0] = '\0';
    return revision_parse(r, "v/x.sql", text, strlen(text), err, sizeof err);
}

/* Parses text expecting failure; checks the message contains want. */
static void expect_error(const char *text, const char *want)
{
    struct revision r;
    assert_int_equal(parse(&r, text), -1);
    if (!strstr(err, want))
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
    assert_null(r.id); /* nothing left to free */
}

static void test_full_file_every_field(void **state)
{
    (void)state;
    struct revision r;
    const char *text = "-- Revision ID: 66d8a54cd297\n"
                       "-- Revises: 1a2b3c4d5e6f\n"
                       "-- Create Date: 2026-11-27 10:00:00\n"
                       "-- Message: add items\n"
                       "-- Transaction: none\n"
                       "-- A free comment: with a colon, ignored\n"
                       "\n"
                       "-- migrate:up\n"
                       "CREATE INDEX CONCURRENTLY i ON t (a);\n"
                       "\n"
                       "-- migrate:down\n"
                       "DROP INDEX CONCURRENTLY i;\n";
    assert_int_equal(parse(&r, text), 0);
    assert_string_equal(r.id, "66d8a54cd297");
    assert_int_equal(r.id_line, 1);
    assert_int_equal(r.nparents, 1);
    assert_string_equal(r.parents[0], "1a2b3c4d5e6f");
    assert_int_equal(r.revises_line, 2);
    assert_string_equal(r.create_date, "2026-11-27 10:00:00");
    assert_string_equal(r.message, "add items");
    assert_int_equal(r.tx, REVISION_TX_NONE);
    assert_string_equal(r.up, "CREATE INDEX CONCURRENTLY i ON t (a);\n\n");
    assert_int_equal(r.up_line, 9);
    assert_string_equal(r.down, "DROP INDEX CONCURRENTLY i;\n");
    assert_int_equal(r.down_line, 12);
    assert_int_equal((int)r.textlen, (int)strlen(text));
    assert_false(r.stored);
    revision_free(&r);
    assert_null(r.id);
}

static void test_minimal_root_and_defaults(void **state)
{
    (void)state;
    struct revision r;
    assert_int_equal(parse(&r, "-- Revision ID: a1\n-- Revises:\n-- migrate:up\n"), 0);
    assert_int_equal(r.nparents, 0);
    assert_string_equal(r.message, "");
    assert_string_equal(r.create_date, "");
    assert_int_equal(r.tx, REVISION_TX_PER_REVISION);
    assert_string_equal(r.up, "");
    assert_null(r.down); /* no down section: cannot be downgraded */
    revision_free(&r);
}

static void test_merge_parents_and_case_insensitive_keys(void **state)
{
    (void)state;
    struct revision r;
    assert_int_equal(parse(&r, "-- revision id: m1\n--REVISES:  a1 ,b2, c3 \n"
                               "-- transaction: Per-Revision\n-- MIGRATE:UP\nSELECT 1;\n"
                               "--   migrate:down   \n"),
                     0);
    assert_int_equal(r.nparents, 3);
    assert_string_equal(r.parents[0], "a1");
    assert_string_equal(r.parents[1], "b2");
    assert_string_equal(r.parents[2], "c3");
    assert_string_equal(r.down, "");
    revision_free(&r);
}

static void test_crlf_and_byte_order_mark(void **state)
{
    (void)state;
    struct revision r;
    assert_int_equal(parse(&r, "\xEF\xBB\xBF-- Revision ID: a1\r\n-- Revises: \r\n"
                               "-- Create Date: 2026-01-02 03:04:05.123456\r\n"
                               "-- migrate:up\r\nSELECT 1;\r\n-- migrate:down\r\nSELECT 2;\r\n"),
                     0);
    assert_string_equal(r.id, "a1");
    assert_string_equal(r.create_date, "2026-01-02 03:04:05.123456");
    assert_string_equal(r.up, "SELECT 1;\r\n");
    assert_int_equal(r.up_line, 5);
    revision_free(&r);
}

static void test_dates_accepted_and_refused(void **state)
{
    (void)state;
    static const char *const good[] = {"2026-11-27 10:00", "2026-11-27T10:00:00Z",
                                       "2026-11-27 10:00:00+01:00", "2026-11-27 10:00:00 UTC"};
    static const char *const bad[] = {"yesterday", "2026-13-01 10:00:00", "2026-11-27",
                                      "2026-11-27 25:00:00", "2026-11-27 10:00:00.x"};
    char text[256];
    struct revision r;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(text, sizeof text,
                 "-- Revision ID: a\n-- Revises:\n-- Create Date: %s\n"
                 "-- migrate:up\n",
                 good[i]);
        assert_int_equal(parse(&r, text), 0);
        revision_free(&r);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text,
                 "-- Revision ID: a\n-- Revises:\n-- Create Date: %s\n"
                 "-- migrate:up\n",
                 bad[i]);
        expect_error(text, "v/x.sql:3: Create Date:");
    }
}

static void test_malformed_files_name_file_and_line(void **state)
{
    (void)state;
    expect_error("-- Revision ID: a\n-- Revises:\nCREATE TABLE t ();\n",
                 "v/x.sql: no \"-- migrate:up\" line");
    expect_error("-- Revision ID: a\n-- Revises:\nSELECT 1;\n-- migrate:up\n",
                 "v/x.sql:3: SQL before \"-- migrate:up\"");
    expect_error("-- Revision ID: a\n-- Revision ID: b\n-- Revises:\n-- migrate:up\n",
                 "v/x.sql:2: \"Revision ID\" is given twice");
    expect_error("-- Revision ID: a-b\n-- Revises:\n-- migrate:up\n",
                 "v/x.sql:1: Revision ID: \"a-b\" is not a valid id");
    expect_error("-- Revision ID: head\n-- Revises:\n-- migrate:up\n",
                 "v/x.sql:1: Revision ID: \"head\"");
    expect_error("-- Revision ID:\n-- Revises:\n-- migrate:up\n", "v/x.sql:1: Revision ID");
    expect_error("-- Revison ID: a\n-- Revises:\n-- migrate:up\n",
                 "v/x.sql:1: unknown header field \"Revison ID\" (did you mean \"Revision ID\"?)");
    expect_error("-- Revision: a\n-- Revises:\n-- migrate:up\n",
                 "v/x.sql:1: unknown header field \"Revision\"");
    expect_error("-- Revision ID: a\n-- Revises:\n-- Transactions: none\n-- migrate:up\n",
                 "v/x.sql:3: unknown header field \"Transactions\"");
    expect_error("-- Revision ID: a\n-- Revises:\n-- Transaction: sometimes\n-- migrate:up\n",
                 "v/x.sql:3: Transaction: \"sometimes\" must be");
    expect_error("-- Revision ID: a\n-- Revises: b,,c\n-- migrate:up\n",
                 "v/x.sql:2: Revises: \"\" is not a revision id");
    expect_error("-- Revision ID: a\n-- Revises: b, b\n-- migrate:up\n",
                 "v/x.sql:2: Revises: \"b\" is listed twice");
    expect_error("-- Revision ID: a\n-- Revises: a\n-- migrate:up\n",
                 "v/x.sql:2: revision a revises itself");
    expect_error("-- Revision ID: a\n-- Revises:\n-- migrate:down\n-- migrate:up\n",
                 "v/x.sql:3: \"-- migrate:down\" comes before");
    expect_error("-- Revision ID: a\n-- Revises:\n-- migrate:up\nSELECT 1;\n-- migrate:up\n",
                 "v/x.sql:5: a second \"-- migrate:up\"");
    expect_error("-- Revision ID: a\n-- Revises:\n-- migrate:up\n-- migrate:down\n"
                 "-- migrate:down\n",
                 "v/x.sql:5: a second \"-- migrate:down\"");
    expect_error("-- Revision ID: a\n-- Revises:\n-- migrate:up\n-- migrate:sideways\n",
                 "v/x.sql:4: unknown marker \"-- migrate:sideways\"");
    expect_error("-- Revises:\n-- migrate:up\n", "v/x.sql: no \"-- Revision ID:\" header field");
    expect_error("-- Revision ID: a\n-- migrate:up\n", "v/x.sql: no \"-- Revises:\" header");
    struct revision r;
    const char nul[] = "-- Revision ID: a\n-- Revises:\n-- migrate:up\nSELECT '\0';\n";
    assert_int_equal(revision_parse(&r, "v/x.sql", nul, sizeof nul - 1, err, sizeof err), -1);
    assert_string_equal(err, "v/x.sql:4: NUL byte (not a text file)");
}

static void test_id_rules(void **state)
{
    (void)state;
    assert_true(revision_id_valid("66d8a54cd297"));
    assert_true(revision_id_valid("add_users_2"));
    assert_false(revision_id_valid(""));
    assert_false(revision_id_valid("a+1"));
    assert_false(revision_id_valid("a:b"));
    assert_false(revision_id_valid("Base"));
    assert_false(revision_id_valid("heads"));
    assert_false(revision_id_valid("current"));
    char longid[REVISION_ID_MAX + 2];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    assert_false(revision_id_valid(longid));
    longid[REVISION_ID_MAX] = '\0';
    assert_true(revision_id_valid(longid));
}

static void test_load_reads_files_and_reports_missing(void **state)
{
    (void)state;
    struct revision r;
    assert_int_equal(revision_load(&r, "/nonexistent/x.sql", err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent/x.sql: No such file or directory");
    char path[] = "/tmp/test_revision_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("-- Revision ID: f1\n-- Revises:\n-- migrate:up\nSELECT 1;\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(revision_load(&r, path, err, sizeof err), 0);
    assert_string_equal(r.id, "f1");
    assert_string_equal(r.path, path);
    assert_string_equal(r.up, "SELECT 1;\n");
    revision_free(&r);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_file_every_field),
        cmocka_unit_test(test_minimal_root_and_defaults),
        cmocka_unit_test(test_merge_parents_and_case_insensitive_keys),
        cmocka_unit_test(test_crlf_and_byte_order_mark),
        cmocka_unit_test(test_dates_accepted_and_refused),
        cmocka_unit_test(test_malformed_files_name_file_and_line),
        cmocka_unit_test(test_id_rules),
        cmocka_unit_test(test_load_reads_files_and_reports_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
