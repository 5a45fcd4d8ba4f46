/*
 * test_router.c — matching and dispatch over a small route table with fake handlers:
 * 404, 405 with Allow, 415, 422 (path, query and body together), 503 from the
 * database probe, 500 for a handler that does not reply, trailing slash equivalence,
 * HEAD on GET routes, and the start-up check of the table itself.
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

#include "worker/router.h"
#include "assert_json.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a small application ----------------------------------------------------------- */

static const struct field user_id_param[] = {
    {"user_id", FIELD_INT, FIELD_REQUIRED, 1, SCHEMA_NO_MAX, 0, "User id", "int64"},
};
static const struct field list_fields[] = {
    {"skip", FIELD_INT, 0, 0, SCHEMA_NO_MAX, 0, "Rows to skip", NULL},
    {"limit", FIELD_INT, 0, 1, 100, 100, "Rows to return", NULL},
};
static const struct schema list_params = {"ListParams", list_fields, COUNT(list_fields), NULL,
                                          NULL};
static const struct field item_fields[] = {
    {"title", FIELD_STRING, FIELD_REQUIRED, 1, 200, 0, "Title", NULL},
};
static const struct schema item_create = {"ItemCreate", item_fields, COUNT(item_fields), NULL,
                                          NULL};

/* What the last handler saw. */
static struct {
    int calls;
    const char *name;
    long long path0;
    long long query0, query1;
    char title[64];
} seen;

static void record(const char *name, const struct http_request *req)
{
    seen.calls++;
    seen.name = name;
    seen.path0 = req->path_params[0];
    seen.query0 = req->query_params[0];
    seen.query1 = req->query_params[1];
    const char *title = schema_get_string(req->json, "title");
    snprintf(seen.title, sizeof seen.title, "%s", title != NULL ? title : "");
}

static void users_list(struct http_request *req, struct http_response *res)
{
    record("users_list", req);
    http_reply_raw(res, 200, strdup("[]"));
}

static void users_create(struct http_request *req, struct http_response *res)
{
    record("users_create", req);
    http_reply_detail(res, 201, "created");
}

static void users_get(struct http_request *req, struct http_response *res)
{
    record("users_get", req);
    http_reply_detail(res, 200, "user");
}

static void users_delete(struct http_request *req, struct http_response *res)
{
    record("users_delete", req);
    http_reply_json(res, 204, NULL);
}

static void items_create(struct http_request *req, struct http_response *res)
{
    record("items_create", req);
    http_add_header(res, "Location", "/items/%d", 1);
    http_reply_detail(res, 201, "item");
}

/* Forgets to reply, after adding a header. */
static void forgetful(struct http_request *req, struct http_response *res)
{
    record("forgetful", req);
    http_add_header(res, "Location", "/nowhere");
}

static void healthz(struct http_request *req, struct http_response *res)
{
    record("healthz", req);
    http_reply_detail(res, 200, "ok");
}

static const int no_errors[] = {0};

static const struct route routes[] = {
    {"GET", "/users/", users_list, ROUTE_NEEDS_DB | ROUTE_RESPONSE_IS_LIST, NULL, &list_params,
     NULL, NULL, 200, no_errors, "List users", "users"},
    {"POST", "/users/", users_create, ROUTE_NEEDS_DB, NULL, NULL, &item_create, NULL, 201,
     no_errors, "Create a user", "users"},
    {"GET", "/users/{user_id}", users_get, ROUTE_NEEDS_DB, user_id_param, NULL, NULL, NULL, 200,
     no_errors, "Get a user", "users"},
    {"DELETE", "/users/{user_id}", users_delete, ROUTE_NEEDS_DB, user_id_param, NULL, NULL, NULL,
     204, no_errors, "Delete a user", "users"},
    {"POST", "/users/{user_id}/items/", items_create, ROUTE_NEEDS_DB, user_id_param, &list_params,
     &item_create, NULL, 201, no_errors, "Create an item", "items"},
    {"GET", "/forgetful", forgetful, 0, NULL, NULL, NULL, NULL, 200, no_errors, "Bug", "meta"},
    {"GET", "/healthz", healthz, 0, NULL, NULL, NULL, NULL, 200, no_errors, "Alive", "meta"},
};

static bool db_up;
static bool probe(void)
{
    return db_up;
}

static int setup(void **state)
{
    (void)state;
    memset(&seen, 0, sizeof seen);
    db_up = true;
    router_init(routes, COUNT(routes), probe);
    return 0;
}

/* One request through the router; the response is left in *res (caller releases). */
static void dispatch(const char *method, const char *path, const char *query,
                     const char *content_type, const char *body, struct http_response *res)
{
    struct http_request req = {
        .method = method,
        .path = path,
        .query = query != NULL ? query : "",
        .content_type = content_type,
        .request_id = "rid-t",
        .body = body,
        .body_len = body != NULL ? strlen(body) : 0,
    };
    memset(res, 0, sizeof *res);
    router_dispatch(&req, res);
    http_request_release(&req);
}

static void expect_reply(const struct http_response *res, int status, const char *json)
{
    assert_int_equal(res->status, status);
    assert_json_eq(res->json, json);
}

/* The silent variant for tests that trigger error logging. */
static int quiet_stderr(void)
{
    int saved = dup(STDERR_FILENO);
    FILE *null = fopen("/dev/null", "w");
    assert_non_null(null);
    assert_true(dup2(fileno(null), STDERR_FILENO) >= 0);
    fclose(null);
    return saved;
}

static void restore_stderr(int saved)
{
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
}

/* ---- matching ---------------------------------------------------------------------- */

static void test_match_extracts_parameter_segments(void **state)
{
    (void)state;
    const char *seg[4];
    size_t len[4];
    size_t n = 0;
    assert_true(router_match("/users/{user_id}/items/", "/users/42/items", seg, len, 4, &n));
    assert_int_equal(n, 1);
    assert_int_equal(len[0], 2);
    assert_memory_equal(seg[0], "42", 2);
    assert_true(router_match("/a/{x}/b/{y}", "/a/1/b/zz/", seg, len, 4, &n));
    assert_int_equal(n, 2);
    assert_memory_equal(seg[1], "zz", 2);
}

static void test_match_trailing_slash_is_optional_on_both_sides(void **state)
{
    (void)state;
    const char *seg[4];
    size_t len[4];
    size_t n = 0;
    assert_true(router_match("/users/", "/users", seg, len, 4, &n));
    assert_true(router_match("/users/", "/users/", seg, len, 4, &n));
    assert_true(router_match("/users", "/users/", seg, len, 4, &n));
    assert_true(router_match("/", "/", seg, len, 4, &n));
    assert_false(router_match("/users/", "/users//", seg, len, 4, &n));
    assert_false(router_match("/users/", "/user", seg, len, 4, &n));
    assert_false(router_match("/users/", "/users/x", seg, len, 4, &n));
    assert_false(router_match("/users/{id}", "/users//", seg, len, 4, &n));
    assert_false(router_match("/users/{id}", "/users/1/2", seg, len, 4, &n));
    assert_false(router_match("/a/{x}", "/a/1", seg, len, 0, &n)); /* no room */
}

/* ---- 404 / 405 --------------------------------------------------------------------- */

static void test_unknown_path_is_404(void **state)
{
    (void)state;
    struct http_response res;
    dispatch("GET", "/nothing", NULL, NULL, NULL, &res);
    expect_reply(&res, 404, "{\"detail\":\"Not Found\"}");
    http_response_release(&res);
    dispatch("GET", "/users/1/items/x", NULL, NULL, NULL, &res);
    expect_reply(&res, 404, "{\"detail\":\"Not Found\"}");
    http_response_release(&res);
    assert_int_equal(seen.calls, 0);
}

static void test_known_path_with_other_method_is_405_with_allow(void **state)
{
    (void)state;
    struct http_response res;
    dispatch("DELETE", "/users/", NULL, NULL, NULL, &res);
    expect_reply(&res, 405, "{\"detail\":\"Method Not Allowed\"}");
    assert_int_equal(res.nheaders, 1);
    assert_string_equal(res.headers[0].name, "Allow");
    assert_string_equal(res.headers[0].value, "GET, POST");
    http_response_release(&res);

    dispatch("PATCH", "/users/7", NULL, NULL, NULL, &res);
    assert_int_equal(res.status, 405);
    assert_string_equal(res.headers[0].value, "GET, DELETE");
    http_response_release(&res);

    /* No path validation before the method is known to be allowed. */
    dispatch("PUT", "/users/abc", NULL, NULL, NULL, &res);
    assert_int_equal(res.status, 405);
    http_response_release(&res);
    assert_int_equal(seen.calls, 0);
}

/* ---- dispatch ---------------------------------------------------------------------- */

static void test_trailing_slash_reaches_the_same_handler(void **state)
{
    (void)state;
    struct http_response res;
    dispatch("GET", "/users", NULL, NULL, NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(seen.name, "users_list");
    http_response_release(&res);
    dispatch("GET", "/users/7/", NULL, NULL, NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(seen.name, "users_get");
    assert_int_equal(seen.path0, 7);
    http_response_release(&res);
    assert_int_equal(seen.calls, 2);
}

static void test_handler_sees_validated_params_and_body(void **state)
{
    (void)state;
    struct http_response res;
    dispatch("GET", "/users/", "limit=5", NULL, NULL, &res);
    assert_int_equal(seen.query0, 0);
    assert_int_equal(seen.query1, 5);
    http_response_release(&res);

    dispatch("POST", "/users/12/items", "skip=3", "application/json", "{\"title\":\"Milk\"}", &res);
    assert_int_equal(res.status, 201);
    assert_string_equal(seen.name, "items_create");
    assert_int_equal(seen.path0, 12);
    assert_int_equal(seen.query0, 3);
    assert_int_equal(seen.query1, 100);
    assert_string_equal(seen.title, "Milk");
    assert_string_equal(res.headers[0].name, "Location");
    http_response_release(&res);
}

static void test_head_is_served_by_the_get_route(void **state)
{
    (void)state;
    struct http_response res;
    dispatch("HEAD", "/healthz", NULL, NULL, NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(seen.name, "healthz");
    http_response_release(&res);
}

static void test_body_on_a_route_without_body_schema_is_ignored(void **state)
{
    (void)state;
    struct http_response res;
    dispatch("DELETE", "/users/3", NULL, "text/plain", "whatever", &res);
    assert_int_equal(res.status, 204);
    assert_string_equal(seen.title, "");
    http_response_release(&res);
}

/* ---- 422 --------------------------------------------------------------------------- */

static void test_bad_path_ids_are_422_with_loc_path(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        const char *detail;
    } cases[] = {
        {"/users/0", "[{\"type\":\"greater_than_equal\",\"loc\":[\"path\",\"user_id\"],"
                     "\"msg\":\"Input should be greater than or equal to 1\",\"input\":\"0\","
                     "\"ctx\":{\"ge\":1}}]"},
        {"/users/-1", "[{\"type\":\"greater_than_equal\",\"loc\":[\"path\",\"user_id\"],"
                      "\"msg\":\"Input should be greater than or equal to 1\",\"input\":\"-1\","
                      "\"ctx\":{\"ge\":1}}]"},
        {"/users/abc", "[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"user_id\"],"
                       "\"msg\":\"Input should be a valid integer, unable to parse string as "
                       "an integer\",\"input\":\"abc\"}]"},
        {"/users/99999999999999999999",
         "[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"user_id\"],"
         "\"msg\":\"Input should be a valid integer, unable to parse string as an integer\","
         "\"input\":\"99999999999999999999\"}]"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct http_response res;
        char want[512];
        snprintf(want, sizeof want, "{\"detail\":%s}", cases[i].detail);
        dispatch("GET", cases[i].path, NULL, NULL, NULL, &res);
        expect_reply(&res, 422, want);
        http_response_release(&res);
    }
    assert_int_equal(seen.calls, 0);
}

static void test_query_bounds_are_422_with_loc_query(void **state)
{
    (void)state;
    struct http_response res;
    dispatch("GET", "/users/", "skip=-1&limit=101", NULL, NULL, &res);
    expect_reply(&res, 422,
                 "{\"detail\":[{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"skip\"],"
                 "\"msg\":\"Input should be greater than or equal to 0\",\"input\":\"-1\","
                 "\"ctx\":{\"ge\":0}},"
                 "{\"type\":\"less_than_equal\",\"loc\":[\"query\",\"limit\"],"
                 "\"msg\":\"Input should be less than or equal to 100\",\"input\":\"101\","
                 "\"ctx\":{\"le\":100}}]}");
    http_response_release(&res);
    assert_int_equal(seen.calls, 0);
}

static void test_path_query_and_body_problems_come_in_one_422(void **state)
{
    (void)state;
    struct http_response res;
    dispatch("POST", "/users/0/items/", "limit=0", "application/json", "{\"title\":\"\",\"x\":1}",
             &res);
    expect_reply(&res, 422,
                 "{\"detail\":["
                 "{\"type\":\"greater_than_equal\",\"loc\":[\"path\",\"user_id\"],"
                 "\"msg\":\"Input should be greater than or equal to 1\",\"input\":\"0\","
                 "\"ctx\":{\"ge\":1}},"
                 "{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"limit\"],"
                 "\"msg\":\"Input should be greater than or equal to 1\",\"input\":\"0\","
                 "\"ctx\":{\"ge\":1}},"
                 "{\"type\":\"string_too_short\",\"loc\":[\"body\",\"title\"],"
                 "\"msg\":\"String should have at least 1 character\",\"input\":\"\","
                 "\"ctx\":{\"min_length\":1}},"
                 "{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"x\"],"
                 "\"msg\":\"Extra inputs are not permitted\",\"input\":1}]}");
    http_response_release(&res);
    assert_int_equal(seen.calls, 0);
}

static void test_valid_body_with_bad_path_is_still_422(void **state)
{
    (void)state;
    struct http_response res;
    dispatch("POST", "/users/x/items/", NULL, "application/json", "{\"title\":\"ok\"}", &res);
    assert_int_equal(res.status, 422);
    http_response_release(&res);
    assert_int_equal(seen.calls, 0);
}

static void test_empty_json_body_is_missing(void **state)
{
    (void)state;
    const char *want = "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\"],"
                       "\"msg\":\"Field required\",\"input\":null}]}";
    struct http_response res;
    dispatch("POST", "/users/", NULL, "application/json", NULL, &res);
    expect_reply(&res, 422, want);
    http_response_release(&res);
    dispatch("POST", "/users/", NULL, "application/json; charset=utf-8", "", &res);
    expect_reply(&res, 422, want);
    http_response_release(&res);
}

/* SPEC §12: no Content-Type is not JSON (a cross-site "simple request" sends none, or
 * text/plain), whether a body comes or not. */
static void test_missing_content_type_is_415_with_or_without_a_body(void **state)
{
    (void)state;
    static const char *const bodies[] = {"{\"title\":\"t\"}", "", NULL};
    static const char *const types[] = {NULL, "", "  ", "text/plain"};
    for (size_t i = 0; i < COUNT(bodies); i++) {
        for (size_t k = 0; k < COUNT(types); k++) {
            struct http_response res;
            dispatch("POST", "/users/", NULL, types[k], bodies[i], &res);
            expect_reply(&res, 415, "{\"detail\":\"Unsupported Media Type\"}");
            http_response_release(&res);
        }
    }
    assert_int_equal(seen.calls, 0);
}

static void test_malformed_json_is_422_json_invalid(void **state)
{
    (void)state;
    struct http_response res;
    dispatch("POST", "/users/", NULL, "application/json", "{\"title\":", &res);
    expect_reply(&res, 422,
                 "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",9],"
                 "\"msg\":\"JSON decode error\",\"input\":{},"
                 "\"ctx\":{\"error\":\"Unexpected end of input\"}}]}");
    http_response_release(&res);
}

/* ---- 415 --------------------------------------------------------------------------- */

static void test_non_json_content_type_is_415(void **state)
{
    (void)state;
    static const char *const types[] = {"text/plain",
                                        "application/x-www-form-urlencoded",
                                        "multipart/form-data; boundary=x",
                                        "application/jsonx",
                                        "application/xml",
                                        "json"};
    for (size_t i = 0; i < COUNT(types); i++) {
        struct http_response res;
        dispatch("POST", "/users/", NULL, types[i], "{\"title\":\"t\"}", &res);
        expect_reply(&res, 415, "{\"detail\":\"Unsupported Media Type\"}");
        http_response_release(&res);
    }
    /* 415 wins over 422s: the body could not be read at all. */
    struct http_response res;
    dispatch("POST", "/users/0/items/", NULL, "text/plain", "{}", &res);
    assert_int_equal(res.status, 415);
    http_response_release(&res);
    assert_int_equal(seen.calls, 0);
}

static void test_json_media_types_are_accepted_in_any_case(void **state)
{
    (void)state;
    static const char *const types[] = {
        "application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8",
        "application/merge-patch+json", "application/vnd.api+JSON ; x=y"};
    for (size_t i = 0; i < COUNT(types); i++) {
        struct http_response res;
        dispatch("POST", "/users/", NULL, types[i], "{\"title\":\"t\"}", &res);
        assert_int_equal(res.status, 201);
        http_response_release(&res);
    }
    assert_int_equal(seen.calls, COUNT(types));
}

/* ---- 503 / 500 --------------------------------------------------------------------- */

static void test_database_down_is_503_without_calling_the_handler(void **state)
{
    (void)state;
    db_up = false;
    struct http_response res;
    dispatch("GET", "/users/1", NULL, NULL, NULL, &res);
    expect_reply(&res, 503, "{\"detail\":\"Service Unavailable\"}");
    http_response_release(&res);
    assert_int_equal(seen.calls, 0);

    /* Validation still comes first, and routes without the flag still work. */
    dispatch("GET", "/users/abc", NULL, NULL, NULL, &res);
    assert_int_equal(res.status, 422);
    http_response_release(&res);
    dispatch("GET", "/healthz", NULL, NULL, NULL, &res);
    assert_int_equal(res.status, 200);
    http_response_release(&res);
}

static void test_handler_that_does_not_reply_yields_500(void **state)
{
    (void)state;
    struct http_response res;
    int saved = quiet_stderr();
    dispatch("GET", "/forgetful", NULL, NULL, NULL, &res);
    restore_stderr(saved);
    expect_reply(&res, 500, "{\"detail\":\"Internal Server Error\"}");
    assert_int_equal(res.nheaders, 0); /* its Location is not sent with the 500 */
    http_response_release(&res);
}

/* ---- the table --------------------------------------------------------------------- */

static void test_table_check_refuses_inconsistent_routes(void **state)
{
    (void)state;
    static const struct field wrong_name[] = {
        {"id", FIELD_INT, FIELD_REQUIRED, 1, SCHEMA_NO_MAX, 0, "Id", NULL}};
    static const struct field not_int[] = {
        {"user_id", FIELD_STRING, FIELD_REQUIRED, 1, 10, 0, "Id", NULL}};
    static const struct field text_query[] = {
        {"q", FIELD_STRING, 0, SCHEMA_NO_MIN, SCHEMA_NO_MAX, 0, "Search", NULL}};
    static const struct schema text_params = {"Q", text_query, 1, NULL, NULL};
    static const struct route bad[] = {
        {"GET", "/users/{user_id}", users_get, 0, NULL, NULL, NULL, NULL, 200, no_errors, "", ""},
        {"GET", "/users/{user_id}", users_get, 0, wrong_name, NULL, NULL, NULL, 200, no_errors, "",
         ""},
        {"GET", "/users/{user_id}", users_get, 0, not_int, NULL, NULL, NULL, 200, no_errors, "",
         ""},
        {"GET", "/users/x{user_id}", users_get, 0, user_id_param, NULL, NULL, NULL, 200, no_errors,
         "", ""},
        {"GET", "/users/", users_list, 0, NULL, &text_params, NULL, NULL, 200, no_errors, "", ""},
        {"FETCH", "/users/", users_list, 0, NULL, NULL, NULL, NULL, 200, no_errors, "", ""},
        {"GET", "users/", users_list, 0, NULL, NULL, NULL, NULL, 200, no_errors, "", ""},
        {"GET", "/users/", NULL, 0, NULL, NULL, NULL, NULL, 200, no_errors, "", ""},
    };
    static const struct route twice[] = {
        {"GET", "/users/", users_list, 0, NULL, NULL, NULL, NULL, 200, no_errors, "", ""},
        {"POST", "/users/", users_create, 0, NULL, NULL, NULL, NULL, 201, no_errors, "", ""},
        {"GET", "/users", users_list, 0, NULL, NULL, NULL, NULL, 200, no_errors, "", ""},
    };
    int saved = quiet_stderr();
    for (size_t i = 0; i < COUNT(bad); i++)
        assert_false(router_table_valid(&bad[i], 1));
    assert_true(router_table_valid(twice, 2));
    assert_false(router_table_valid(twice, 3));
    restore_stderr(saved);
    assert_true(router_table_valid(routes, COUNT(routes)));

    size_t n = 0;
    assert_ptr_equal(router_routes(&n), routes);
    assert_int_equal(n, COUNT(routes));
}

#define ROUTER_TEST(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ROUTER_TEST(test_match_extracts_parameter_segments),
        ROUTER_TEST(test_match_trailing_slash_is_optional_on_both_sides),
        ROUTER_TEST(test_unknown_path_is_404),
        ROUTER_TEST(test_known_path_with_other_method_is_405_with_allow),
        ROUTER_TEST(test_trailing_slash_reaches_the_same_handler),
        ROUTER_TEST(test_handler_sees_validated_params_and_body),
        ROUTER_TEST(test_head_is_served_by_the_get_route),
        ROUTER_TEST(test_body_on_a_route_without_body_schema_is_ignored),
        ROUTER_TEST(test_bad_path_ids_are_422_with_loc_path),
        ROUTER_TEST(test_query_bounds_are_422_with_loc_query),
        ROUTER_TEST(test_path_query_and_body_problems_come_in_one_422),
        ROUTER_TEST(test_valid_body_with_bad_path_is_still_422),
        ROUTER_TEST(test_empty_json_body_is_missing),
        ROUTER_TEST(test_missing_content_type_is_415_with_or_without_a_body),
        ROUTER_TEST(test_malformed_json_is_422_json_invalid),
        ROUTER_TEST(test_non_json_content_type_is_415),
        ROUTER_TEST(test_json_media_types_are_accepted_in_any_case),
        ROUTER_TEST(test_database_down_is_503_without_calling_the_handler),
        ROUTER_TEST(test_handler_that_does_not_reply_yields_500),
        ROUTER_TEST(test_table_check_refuses_inconsistent_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
