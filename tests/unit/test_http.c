/*
 * test_http.c — replies and their CGI serialisation: status line and reason phrase,
 * headers in order, 204 without body or Content-Type, Retry-After on 503, the static
 * 500 for replies that cannot be sent, header injection, and what the log gets.
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

#include "worker/http.h"
#include "assert_json.h"

#define CT "Content-Type: application/json; charset=utf-8\r\n"

/* Serialises res with request id "rid-1" and compares the bytes exactly. */
static void expect_wire(const struct http_response *res, const char *want)
{
    size_t len = 0;
    char *wire = http_response_serialize(res, "rid-1", &len);
    assert_non_null(wire);
    assert_string_equal(wire, want);
    assert_int_equal(len, strlen(want));
    free(wire);
}

/* Runs fn with stderr captured; returns what was logged (caller frees). */
static char *capture_log(void (*fn)(void *), void *arg)
{
    char path[] = "/tmp/test_http_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    fn(arg);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    char *text = calloc(1, 8192);
    assert_non_null(text);
    assert_true(lseek(fd, 0, SEEK_SET) == 0);
    ssize_t n = read(fd, text, 8191);
    assert_true(n >= 0);
    close(fd);
    unlink(path);
    return text;
}

static void test_status_texts_follow_rfc_9110(void **state)
{
    (void)state;
    assert_string_equal(http_status_text(200), "OK");
    assert_string_equal(http_status_text(201), "Created");
    assert_string_equal(http_status_text(204), "No Content");
    assert_string_equal(http_status_text(404), "Not Found");
    assert_string_equal(http_status_text(405), "Method Not Allowed");
    assert_string_equal(http_status_text(409), "Conflict");
    assert_string_equal(http_status_text(413), "Content Too Large");
    assert_string_equal(http_status_text(415), "Unsupported Media Type");
    assert_string_equal(http_status_text(422), "Unprocessable Content");
    assert_string_equal(http_status_text(500), "Internal Server Error");
    assert_string_equal(http_status_text(503), "Service Unavailable");
    assert_string_equal(http_status_text(599), "Unknown");
}

static void test_created_reply_serialises_status_headers_and_body(void **state)
{
    (void)state;
    struct http_response res = {0};
    cJSON *body = cJSON_CreateObject();
    assert_non_null(body);
    assert_non_null(cJSON_AddNumberToObject(body, "id", 7));
    assert_non_null(cJSON_AddStringToObject(body, "email", "a@b.co"));
    http_add_header(&res, "Location", "/users/%d", 7);
    http_reply_json(&res, 201, body);
    expect_wire(&res, "Status: 201 Created\r\n" CT "Content-Length: 25\r\n"
                      "X-Request-Id: rid-1\r\n"
                      "Location: /users/7\r\n"
                      "\r\n"
                      "{\"id\":7,\"email\":\"a@b.co\"}");
    http_response_release(&res);
}

static void test_no_content_has_no_body_and_no_content_type(void **state)
{
    (void)state;
    struct http_response res = {0};
    http_reply_json(&res, 204, NULL);
    expect_wire(&res, "Status: 204 No Content\r\nX-Request-Id: rid-1\r\n\r\n");
    /* Even a body given by mistake is not sent with a 204. */
    cJSON *stray = cJSON_CreateObject();
    assert_non_null(stray);
    http_reply_json(&res, 204, stray);
    expect_wire(&res, "Status: 204 No Content\r\nX-Request-Id: rid-1\r\n\r\n");
    http_response_release(&res);
}

static void test_detail_reply_is_a_detail_object(void **state)
{
    (void)state;
    struct http_response res = {0};
    http_reply_detail(&res, 404, "User not found");
    assert_int_equal(res.status, 404);
    assert_json_eq(res.json, "{\"detail\":\"User not found\"}");
    expect_wire(&res, "Status: 404 Not Found\r\n" CT "Content-Length: 27\r\n"
                      "X-Request-Id: rid-1\r\n\r\n{\"detail\":\"User not found\"}");
    http_response_release(&res);
}

static void test_unavailable_reply_carries_retry_after(void **state)
{
    (void)state;
    struct http_response res = {0};
    http_reply_unavailable(&res);
    expect_wire(&res, "Status: 503 Service Unavailable\r\n" CT "Content-Length: 32\r\n"
                      "X-Request-Id: rid-1\r\nRetry-After: 1\r\n\r\n"
                      "{\"detail\":\"Service Unavailable\"}");
    http_response_release(&res);

    /* Any 503 gets it, once; an explicit value wins. */
    http_reply_detail(&res, 503, "Service Unavailable");
    http_add_header(&res, "Retry-After", "%d", 5);
    expect_wire(&res, "Status: 503 Service Unavailable\r\n" CT "Content-Length: 32\r\n"
                      "X-Request-Id: rid-1\r\nRetry-After: 5\r\n\r\n"
                      "{\"detail\":\"Service Unavailable\"}");
    http_response_release(&res);
}

static void test_raw_body_is_sent_as_given(void **state)
{
    (void)state;
    struct http_response res = {0};
    char *text = strdup("[{\"id\":1}]");
    assert_non_null(text);
    http_reply_raw(&res, 200, text);
    expect_wire(&res, "Status: 200 OK\r\n" CT "Content-Length: 10\r\n"
                      "X-Request-Id: rid-1\r\n\r\n[{\"id\":1}]");
    http_response_release(&res);
    assert_null(res.raw);
    assert_int_equal(res.status, 0);
}

static void test_replying_twice_keeps_only_the_last_reply(void **state)
{
    (void)state;
    struct http_response res = {0};
    http_reply_detail(&res, 409, "first");
    char *text = strdup("{}");
    assert_non_null(text);
    http_reply_raw(&res, 200, text);
    assert_null(res.json);
    http_reply_detail(&res, 404, "Not Found");
    assert_null(res.raw);
    assert_int_equal(res.status, 404);
    http_response_release(&res);
}

static const char *const wire_500 =
    "Status: 500 Internal Server Error\r\n" CT "Content-Length: 34\r\n"
    "X-Request-Id: rid-1\r\n\r\n"
    "{\"detail\":\"Internal Server Error\"}";

static void serialise_without_body(void *arg)
{
    struct http_response *res = arg;
    expect_wire(res, wire_500);
}

/* A handler passing a failed cJSON allocation straight through gets a clean 500. */
static void test_reply_without_body_becomes_a_logged_500(void **state)
{
    (void)state;
    struct http_response res = {0};
    http_add_header(&res, "Location", "/users/1");
    http_reply_json(&res, 201, NULL);
    char *log = capture_log(serialise_without_body, &res);
    assert_non_null(strstr(log, "rid=rid-1"));
    assert_non_null(strstr(log, "reply_without_body"));
    free(log);
    http_response_release(&res);
}

static void serialise_bad_status(void *arg)
{
    struct http_response *res = arg;
    expect_wire(res, wire_500);
}

static void test_impossible_status_becomes_a_500(void **state)
{
    (void)state;
    struct http_response res = {0};
    http_reply_detail(&res, 42, "nonsense");
    free(capture_log(serialise_bad_status, &res));
    http_response_release(&res);
}

static void reply_internal_error(void *arg)
{
    struct http_response *res = arg;
    struct http_request req = {.method = "GET", .path = "/items/1", .request_id = "rid-9"};
    http_reply_internal_error(&req, res, "SQLSTATE 42P01 relation \"items\" missing");
}

static void test_internal_error_details_go_to_the_log_only(void **state)
{
    (void)state;
    struct http_response res = {0};
    char *log = capture_log(reply_internal_error, &res);
    assert_non_null(strstr(log, "rid=rid-9"));
    assert_non_null(strstr(log, "42P01"));
    free(log);
    assert_int_equal(res.status, 500);
    assert_json_eq(res.json, "{\"detail\":\"Internal Server Error\"}");
    http_response_release(&res);
}

static void add_bad_headers(void *arg)
{
    struct http_response *res = arg;
    http_add_header(res, "Location", "/x\r\nSet-Cookie: a=b");
    char long_value[300];
    memset(long_value, 'a', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    http_add_header(res, "X-Long", "%s", long_value);
    for (int i = 0; i < HTTP_MAX_HEADERS + 2; i++)
        http_add_header(res, "X-N", "%d", i);
}

static void test_unsafe_long_and_surplus_headers_are_dropped(void **state)
{
    (void)state;
    struct http_response res = {0};
    char *log = capture_log(add_bad_headers, &res);
    assert_non_null(strstr(log, "header=Location why=control_character"));
    assert_non_null(strstr(log, "header=X-Long why=value_too_long"));
    assert_non_null(strstr(log, "why=too_many_headers"));
    free(log);
    assert_int_equal(res.nheaders, HTTP_MAX_HEADERS);
    assert_string_equal(res.headers[0].name, "X-N");
    assert_string_equal(res.headers[0].value, "0");
    http_response_release(&res);
    assert_int_equal(res.nheaders, 0);
}

static void serialise_with_bad_request_id(void *arg)
{
    const struct http_response *res = arg;
    size_t len = 0;
    char *wire = http_response_serialize(res, "evil\r\nX-Injected: 1", &len);
    assert_non_null(wire);
    assert_string_equal(wire, "Status: 204 No Content\r\n\r\n");
    free(wire);
    wire = http_response_serialize(res, NULL, &len);
    assert_non_null(wire);
    assert_string_equal(wire, "Status: 204 No Content\r\n\r\n");
    free(wire);
}

static void test_unsafe_or_absent_request_id_is_not_echoed(void **state)
{
    (void)state;
    struct http_response res = {0};
    http_reply_json(&res, 204, NULL);
    free(capture_log(serialise_with_bad_request_id, &res));
}

static void test_fallback_500_is_complete_cgi_output(void **state)
{
    (void)state;
    size_t len = 0;
    const char *text = http_fallback_500(&len);
    assert_string_equal(text,
                        "Status: 500 Internal Server Error\r\n" CT "Content-Length: 34\r\n\r\n"
                        "{\"detail\":\"Internal Server Error\"}");
    assert_int_equal(len, strlen(text));
}

static void test_request_release_frees_the_body_and_resets_params(void **state)
{
    (void)state;
    struct http_request req = {0};
    req.json = cJSON_CreateObject();
    assert_non_null(req.json);
    req.path_params[0] = 7;
    req.query_params[1] = 100;
    http_request_release(&req);
    assert_null(req.json);
    assert_int_equal(req.path_params[0], 0);
    assert_int_equal(req.query_params[1], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_texts_follow_rfc_9110),
        cmocka_unit_test(test_created_reply_serialises_status_headers_and_body),
        cmocka_unit_test(test_no_content_has_no_body_and_no_content_type),
        cmocka_unit_test(test_detail_reply_is_a_detail_object),
        cmocka_unit_test(test_unavailable_reply_carries_retry_after),
        cmocka_unit_test(test_raw_body_is_sent_as_given),
        cmocka_unit_test(test_replying_twice_keeps_only_the_last_reply),
        cmocka_unit_test(test_reply_without_body_becomes_a_logged_500),
        cmocka_unit_test(test_impossible_status_becomes_a_500),
        cmocka_unit_test(test_internal_error_details_go_to_the_log_only),
        cmocka_unit_test(test_unsafe_long_and_surplus_headers_are_dropped),
        cmocka_unit_test(test_unsafe_or_absent_request_id_is_not_echoed),
        cmocka_unit_test(test_fallback_500_is_complete_cgi_output),
        cmocka_unit_test(test_request_release_frees_the_body_and_resets_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
