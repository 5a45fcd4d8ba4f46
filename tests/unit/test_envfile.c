/*
 * test_envfile.c — the env-file parser on in-memory text and on a real file.
 * Every callback is recorded as one line ("2 KEY=[value]" or "3 error: ..."), so each
 * test states the whole expected outcome in one string.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/envfile.h"

struct record {
    char text[2048];
    size_t len;
};

static void record_pair(void *ctx, int line, const char *key, const char *value)
{
    struct record *r = ctx;
    r->len += (size_t)snprintf(r->text + r->len, sizeof r->text - r->len, "%d %s=[%s]\n", line, key,
                               value);
}

static void record_error(void *ctx, int line, const char *message)
{
    struct record *r = ctx;
    r->len += (size_t)snprintf(r->text + r->len, sizeof r->text - r->len, "%d error: %s\n", line,
                               message);
}

/* Parses text and returns what was recorded; *errors gets the return value. */
static const char *parse(const char *text, int *errors)
{
    static struct record r;
    memset(&r, 0, sizeof r);
    struct envfile_handler h = {record_pair, record_error, &r};
    *errors = envfile_parse(text, strlen(text), &h);
    return r.text;
}

static void test_env_file_pairs_carry_line_numbers(void **state)
{
    (void)state;
    int errors;
    assert_string_equal(parse("A=1\nB=2\n\nC=3", &errors), "1 A=[1]\n2 B=[2]\n4 C=[3]\n");
    assert_int_equal(errors, 0);
}

static void test_env_file_skips_comments_and_blank_lines(void **state)
{
    (void)state;
    int errors;
    assert_string_equal(parse("# comment\n\n   \n\t# indented comment\nA=1\n", &errors),
                        "5 A=[1]\n");
    assert_int_equal(errors, 0);
}

static void test_env_file_accepts_export_prefix(void **state)
{
    (void)state;
    int errors;
    assert_string_equal(parse("export A=1\nexport\tB = 2\nexported=3\n", &errors),
                        "1 A=[1]\n2 B=[2]\n3 exported=[3]\n");
    assert_int_equal(errors, 0);
}

static void test_env_file_tolerates_whitespace_around_key_and_equals(void **state)
{
    (void)state;
    int errors;
    assert_string_equal(parse("  A  =  1  \n\tB\t=\t2\t\n", &errors), "1 A=[1]\n2 B=[2]\n");
    assert_int_equal(errors, 0);
}

static void test_env_file_unquoted_value_trimmed_and_trailing_comment_removed(void **state)
{
    (void)state;
    int errors;
    assert_string_equal(parse("A=some value   # a comment\nB= # only a comment\nC=\n", &errors),
                        "1 A=[some value]\n2 B=[]\n3 C=[]\n");
    assert_int_equal(errors, 0);
}

static void test_env_file_hash_inside_unquoted_value_is_kept(void **state)
{
    (void)state;
    int errors;
    assert_string_equal(parse("A=pass#word\nB=#leading\n", &errors),
                        "1 A=[pass#word]\n2 B=[#leading]\n");
    assert_int_equal(errors, 0);
}

static void test_env_file_single_quotes_are_literal(void **state)
{
    (void)state;
    int errors;
    assert_string_equal(parse("A='  a \\n \"b\" # not a comment '  # comment\n", &errors),
                        "1 A=[  a \\n \"b\" # not a comment ]\n");
    assert_int_equal(errors, 0);
}

static void test_env_file_double_quotes_allow_escapes(void **state)
{
    (void)state;
    int errors;
    assert_string_equal(parse("A=\"line1\\nline2 \\\"q\\\" back\\\\slash C:\\dir\"\n", &errors),
                        "1 A=[line1\nline2 \"q\" back\\slash C:\\dir]\n");
    assert_int_equal(errors, 0);
}

static void test_env_file_unterminated_quote_is_error(void **state)
{
    (void)state;
    int errors;
    assert_string_equal(parse("A=\"open\nB='open\nC=\"escaped end\\\"\n", &errors),
                        "1 error: unterminated double quote\n"
                        "2 error: unterminated single quote\n"
                        "3 error: unterminated double quote\n");
    assert_int_equal(errors, 3);
}

static void test_env_file_missing_equals_is_error_without_echoing_the_line(void **state)
{
    (void)state;
    int errors;
    const char *out = parse("hunter2 is my password\nexport A\n", &errors);
    assert_string_equal(out, "1 error: expected KEY=value (missing '=')\n"
                             "2 error: expected KEY=value (missing '=')\n");
    assert_null(strstr(out, "hunter2"));
    assert_int_equal(errors, 2);
}

static void test_env_file_empty_key_is_error(void **state)
{
    (void)state;
    int errors;
    assert_string_equal(parse("=value\n  = value\n", &errors),
                        "1 error: empty key before '='\n2 error: empty key before '='\n");
    assert_int_equal(errors, 2);
}

static void test_env_file_invalid_key_characters_is_error(void **state)
{
    (void)state;
    int errors;
    assert_string_equal(parse("ADMIN-EMAIL=x\n1A=x\nA.B=x\n", &errors),
                        "1 error: invalid key \"ADMIN-EMAIL\" (letters, digits and _ only, not "
                        "starting with a digit)\n"
                        "2 error: invalid key \"1A\" (letters, digits and _ only, not starting "
                        "with a digit)\n"
                        "3 error: invalid key \"A.B\" (letters, digits and _ only, not starting "
                        "with a digit)\n");
    assert_int_equal(errors, 3);
}

static void test_env_file_text_after_closing_quote_is_error(void **state)
{
    (void)state;
    int errors;
    assert_string_equal(parse("A=\"x\"y\nB='x' # fine\n", &errors),
                        "1 error: unexpected text after closing quote\n2 B=[x]\n");
    assert_int_equal(errors, 1);
}

static void test_env_file_errors_do_not_stop_parsing(void **state)
{
    (void)state;
    int errors;
    assert_string_equal(parse("A=1\nbad line\nB=2\n=x\nC=3\n", &errors),
                        "1 A=[1]\n2 error: expected KEY=value (missing '=')\n3 B=[2]\n"
                        "4 error: empty key before '='\n5 C=[3]\n");
    assert_int_equal(errors, 2);
}

static void test_env_file_accepts_crlf_and_byte_order_mark(void **state)
{
    (void)state;
    int errors;
    assert_string_equal(parse("\xEF\xBB\xBF"
                              "A=1\r\nB=\"2\"\r\n# c\r\n",
                              &errors),
                        "1 A=[1]\n2 B=[2]\n");
    assert_int_equal(errors, 0);
}

static void test_env_file_repeated_key_is_passed_each_time(void **state)
{
    (void)state;
    int errors;
    assert_string_equal(parse("A=1\nA=2\n", &errors), "1 A=[1]\n2 A=[2]\n");
    assert_int_equal(errors, 0);
}

static void test_env_file_nul_byte_is_error(void **state)
{
    (void)state;
    static const char text[] = "A=x\0y\nB=2\n";
    struct record r;
    memset(&r, 0, sizeof r);
    struct envfile_handler h = {record_pair, record_error, &r};
    assert_int_equal(envfile_parse(text, sizeof text - 1, &h), 1);
    assert_string_equal(r.text, "1 error: NUL byte in line\n2 B=[2]\n");
}

static void test_env_file_read_from_disk(void **state)
{
    (void)state;
    char path[] = "/tmp/test_envfile_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = "# file\nexport A='x y'\nB=2\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    assert_int_equal(close(fd), 0);

    struct record r;
    memset(&r, 0, sizeof r);
    struct envfile_handler h = {record_pair, record_error, &r};
    assert_int_equal(envfile_parse_file(path, &h), 0);
    assert_string_equal(r.text, "2 A=[x y]\n3 B=[2]\n");
    assert_int_equal(unlink(path), 0);
}

static void test_env_file_missing_file_fails_with_errno(void **state)
{
    (void)state;
    struct record r;
    memset(&r, 0, sizeof r);
    struct envfile_handler h = {record_pair, record_error, &r};
    errno = 0;
    assert_int_equal(envfile_parse_file("/nonexistent/dir/x.env", &h), -1);
    assert_int_equal(errno, ENOENT);
    assert_string_equal(r.text, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env_file_pairs_carry_line_numbers),
        cmocka_unit_test(test_env_file_skips_comments_and_blank_lines),
        cmocka_unit_test(test_env_file_accepts_export_prefix),
        cmocka_unit_test(test_env_file_tolerates_whitespace_around_key_and_equals),
        cmocka_unit_test(test_env_file_unquoted_value_trimmed_and_trailing_comment_removed),
        cmocka_unit_test(test_env_file_hash_inside_unquoted_value_is_kept),
        cmocka_unit_test(test_env_file_single_quotes_are_literal),
        cmocka_unit_test(test_env_file_double_quotes_allow_escapes),
        cmocka_unit_test(test_env_file_unterminated_quote_is_error),
        cmocka_unit_test(test_env_file_missing_equals_is_error_without_echoing_the_line),
        cmocka_unit_test(test_env_file_empty_key_is_error),
        cmocka_unit_test(test_env_file_invalid_key_characters_is_error),
        cmocka_unit_test(test_env_file_text_after_closing_quote_is_error),
        cmocka_unit_test(test_env_file_errors_do_not_stop_parsing),
        cmocka_unit_test(test_env_file_accepts_crlf_and_byte_order_mark),
        cmocka_unit_test(test_env_file_repeated_key_is_passed_each_time),
        cmocka_unit_test(test_env_file_nul_byte_is_error),
        cmocka_unit_test(test_env_file_read_from_disk),
        cmocka_unit_test(test_env_file_missing_file_fails_with_errno),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
