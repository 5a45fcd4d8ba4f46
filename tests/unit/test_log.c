/*
 * test_log.c — the key=value logger: line format, level filter, one write per line,
 * and log_quote's escaping. stderr is redirected to a temporary file per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

static char capture_path[] = "/tmp/test_log_XXXXXX";
static int saved_stderr = -1;

static int capture_start(void **state)
{
    (void)state;
    strcpy(capture_path, "/tmp/test_log_XXXXXX");
    int fd = mkstemp(capture_path);
    if (fd < 0)
        return -1;
    saved_stderr = dup(STDERR_FILENO);
    if (saved_stderr < 0 || dup2(fd, STDERR_FILENO) < 0)
        return -1;
    close(fd);
    return 0;
}

/* Restores stderr and returns everything logged since capture_start (caller frees). */
static char *capture_stop(void)
{
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    saved_stderr = -1;
    FILE *f = fopen(capture_path, "r");
    assert_non_null(f);
    char *text = calloc(1, 16384);
    assert_non_null(text);
    size_t n = fread(text, 1, 16383, f);
    text[n] = '\0';
    fclose(f);
    unlink(capture_path);
    return text;
}

/* A test that failed before capture_stop: show what it logged (and cmocka's message). */
static int capture_cleanup(void **state)
{
    (void)state;
    if (saved_stderr >= 0) {
        char *text = capture_stop();
        fputs(text, stderr);
        free(text);
    }
    return 0;
}

static void test_log_line_has_utc_timestamp_level_pid_and_component(void **state)
{
    (void)state;
    log_init("worker", LOG_DEBUG);
    log_info("event=start workers=%d", 4);
    char *text = capture_stop();

    char expected[256];
    snprintf(expected, sizeof expected,
             "^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z level=info "
             "pid=%ld comp=worker event=start workers=4\n$",
             (long)getpid());
    regex_t re;
    assert_int_equal(regcomp(&re, expected, REG_EXTENDED | REG_NOSUB), 0);
    assert_int_equal(regexec(&re, text, 0, NULL, 0), 0);
    regfree(&re);
    free(text);
}

static void test_log_level_filter_drops_less_severe_lines(void **state)
{
    (void)state;
    log_init("dbtool", LOG_WARN);
    assert_false(log_enabled(LOG_INFO));
    assert_true(log_enabled(LOG_ERROR));
    log_debug("event=a");
    log_info("event=b");
    log_warn("event=c");
    log_error("event=d");
    log_set_level(LOG_DEBUG);
    log_debug("event=e");
    char *text = capture_stop();
    assert_null(strstr(text, "event=a"));
    assert_null(strstr(text, "event=b"));
    assert_non_null(strstr(text, "level=warn pid="));
    assert_non_null(strstr(text, "event=c\n"));
    assert_non_null(strstr(text, "level=error pid="));
    assert_non_null(strstr(text, "level=debug pid="));
    free(text);
}

static void test_log_keeps_errno(void **state)
{
    (void)state;
    log_init("worker", LOG_INFO);
    errno = ECONNREFUSED;
    log_error("event=x");
    assert_int_equal(errno, ECONNREFUSED);
    free(capture_stop());
}

static void test_log_long_line_is_truncated_to_one_line(void **state)
{
    (void)state;
    log_init("worker", LOG_INFO);
    char *big = malloc(10000);
    assert_non_null(big);
    memset(big, 'x', 9999);
    big[9999] = '\0';
    log_info("event=big value=%s", big);
    log_info("event=next");
    char *text = capture_stop();
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    assert_int_equal(nl - text + 1, PIPE_BUF);
    assert_non_null(strstr(nl + 1, "event=next\n"));
    free(big);
    free(text);
}

static void test_log_quote_leaves_plain_values_alone(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(log_quote("/users/42", buf, sizeof buf), "/users/42");
    assert_string_equal(log_quote("caf\xc3\xa9", buf, sizeof buf), "caf\xc3\xa9");
    free(capture_stop());
}

static void test_log_quote_quotes_and_escapes(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(log_quote("", buf, sizeof buf), "\"\"");
    assert_string_equal(log_quote(NULL, buf, sizeof buf), "\"\"");
    assert_string_equal(log_quote("two words", buf, sizeof buf), "\"two words\"");
    assert_string_equal(log_quote("a=b", buf, sizeof buf), "\"a=b\"");
    assert_string_equal(log_quote("say \"hi\"\\", buf, sizeof buf), "\"say \\\"hi\\\"\\\\\"");
    assert_string_equal(log_quote("l1\nl2\r\t\x01", buf, sizeof buf), "\"l1\\nl2\\r\\t\\x01\"");
    free(capture_stop());
}

static void test_log_quote_truncates_without_breaking_quotes_or_utf8(void **state)
{
    (void)state;
    char buf[8];
    assert_string_equal(log_quote("abcdefghij", buf, sizeof buf), "abcdefg");
    assert_string_equal(log_quote("a b c d e f", buf, sizeof buf), "\"a b c\"");
    assert_string_equal(log_quote("a b\\cdef", buf, sizeof buf), "\"a b\\\\\"");
    assert_string_equal(log_quote("abcdef\xc3\xa9", buf, sizeof buf), "abcdef");
    assert_string_equal(log_quote("a b \xc3\xa9", buf, sizeof buf), "\"a b \"");
    free(capture_stop());
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, capture_start, capture_cleanup)
    const struct CMUnitTest tests[] = {
        T(test_log_line_has_utc_timestamp_level_pid_and_component),
        T(test_log_level_filter_drops_less_severe_lines),
        T(test_log_keeps_errno),
        T(test_log_long_line_is_truncated_to_one_line),
        T(test_log_quote_leaves_plain_values_alone),
        T(test_log_quote_quotes_and_escapes),
        T(test_log_quote_truncates_without_breaking_quotes_or_utf8),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
