/*
 * test_query.c — query string and path parameter parsing: defaults, bounds, form
 * decoding ('+', %XX), repeated and unknown parameters, empty values, int64 overflow,
 * booleans, and path ids such as 0, -1, abc and 99999999999999999999.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "worker/schema.h"
#include "assert_json.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* GET /users/?skip=0&limit=100 */
static const struct field list_fields[] = {
    {"skip", FIELD_INT, 0, 0, SCHEMA_NO_MAX, 0, "Rows to skip", "int64"},
    {"limit", FIELD_INT, 0, 1, 100, 100, "Rows to return", "int64"},
};
static const struct schema list_params = {"ListParams", list_fields, COUNT(list_fields), NULL,
                                          NULL};

static const struct field other_fields[] = {
    {"page", FIELD_INT, FIELD_REQUIRED, 1, SCHEMA_NO_MAX, 0, "Required page", NULL},
    {"active", FIELD_BOOL, 0, SCHEMA_NO_MIN, SCHEMA_NO_MAX, 1, "Filter", NULL},
};
static const struct schema other_params = {"OtherParams", other_fields, COUNT(other_fields), NULL,
                                           NULL};

static const struct field user_id = {"user_id",     FIELD_INT, FIELD_REQUIRED, 1,
                                     SCHEMA_NO_MAX, 0,         "User id",      "int64"};

/* Parses a query that must be valid; returns the values through out. */
static void expect_query(const struct schema *params, const char *query, long long a, long long b)
{
    long long out[2] = {-99, -99};
    struct schema_errors errs = {0};
    bool ok = schema_parse_query(params, query, out, &errs);
    if (errs.detail != NULL)
        assert_json_eq(errs.detail, "[]");
    assert_true(ok);
    assert_int_equal(out[0], a);
    assert_int_equal(out[1], b);
}

static void expect_query_errors(const struct schema *params, const char *query, const char *detail)
{
    long long out[2];
    struct schema_errors errs = {0};
    assert_false(schema_parse_query(params, query, out, &errs));
    assert_false(errs.failed);
    assert_json_eq(errs.detail, detail);
    schema_errors_free(&errs);
}

static void expect_path(const char *segment, long long want)
{
    long long out = 0;
    struct schema_errors errs = {0};
    assert_true(schema_parse_path_int(&user_id, segment, &out, &errs));
    assert_null(errs.detail);
    assert_int_equal(out, want);
}

static void expect_path_errors(const char *segment, const char *detail)
{
    long long out = 0;
    struct schema_errors errs = {0};
    assert_false(schema_parse_path_int(&user_id, segment, &out, &errs));
    assert_json_eq(errs.detail, detail);
    schema_errors_free(&errs);
}

/* ---- query ------------------------------------------------------------------------- */

static void test_absent_parameters_take_their_defaults(void **state)
{
    (void)state;
    expect_query(&list_params, "", 0, 100);
    expect_query(&list_params, NULL, 0, 100);
    expect_query(&list_params, "skip=5", 5, 100);
}

static void test_values_within_bounds_are_parsed(void **state)
{
    (void)state;
    expect_query(&list_params, "skip=0&limit=1", 0, 1);
    expect_query(&list_params, "limit=100&skip=9223372036854775807", 9223372036854775807LL, 100);
    expect_query(&list_params, "limit=%2B7", 0, 7); /* "+7", as Python's int() reads it */
}

static void test_bounds_errors_echo_the_string_and_carry_ctx(void **state)
{
    (void)state;
    expect_query_errors(&list_params, "limit=0",
                        "[{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"limit\"],"
                        "\"msg\":\"Input should be greater than or equal to 1\",\"input\":\"0\","
                        "\"ctx\":{\"ge\":1}}]");
    expect_query_errors(&list_params, "limit=101",
                        "[{\"type\":\"less_than_equal\",\"loc\":[\"query\",\"limit\"],"
                        "\"msg\":\"Input should be less than or equal to 100\","
                        "\"input\":\"101\",\"ctx\":{\"le\":100}}]");
}

static void test_every_bad_parameter_is_reported(void **state)
{
    (void)state;
    expect_query_errors(&list_params, "limit=0&skip=-1",
                        "[{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"skip\"],"
                        "\"msg\":\"Input should be greater than or equal to 0\","
                        "\"input\":\"-1\",\"ctx\":{\"ge\":0}},"
                        "{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"limit\"],"
                        "\"msg\":\"Input should be greater than or equal to 1\",\"input\":\"0\","
                        "\"ctx\":{\"ge\":1}}]");
}

static void test_non_integers_are_int_parsing(void **state)
{
    (void)state;
    static const char *const queries[] = {"limit=abc", "limit=1.5", "limit=1e2", "limit=%205",
                                          "limit=0x10"};
    static const char *const inputs[] = {"abc", "1.5", "1e2", " 5", "0x10"};
    for (size_t i = 0; i < COUNT(queries); i++) {
        char want[256];
        snprintf(want, sizeof want,
                 "[{\"type\":\"int_parsing\",\"loc\":[\"query\",\"limit\"],"
                 "\"msg\":\"Input should be a valid integer, unable to parse string as an "
                 "integer\",\"input\":\"%s\"}]",
                 inputs[i]);
        expect_query_errors(&list_params, queries[i], want);
    }
}

static void test_empty_value_is_int_parsing_not_the_default(void **state)
{
    (void)state;
    const char *want = "[{\"type\":\"int_parsing\",\"loc\":[\"query\",\"limit\"],"
                       "\"msg\":\"Input should be a valid integer, unable to parse string as "
                       "an integer\",\"input\":\"\"}]";
    expect_query_errors(&list_params, "limit=", want);
    expect_query_errors(&list_params, "limit", want);
    expect_query_errors(&list_params, "skip=1&limit=&x=2", want);
}

static void test_integer_beyond_int64_is_int_parsing(void **state)
{
    (void)state;
    expect_query_errors(&list_params, "skip=9223372036854775808",
                        "[{\"type\":\"int_parsing\",\"loc\":[\"query\",\"skip\"],"
                        "\"msg\":\"Input should be a valid integer, unable to parse string as "
                        "an integer\",\"input\":\"9223372036854775808\"}]");
}

static void test_repeated_parameter_takes_the_last_value(void **state)
{
    (void)state;
    expect_query(&list_params, "limit=5&limit=7", 0, 7);
    expect_query(&list_params, "limit=abc&limit=7", 0, 7);
}

static void test_unknown_parameters_and_empty_pairs_are_ignored(void **state)
{
    (void)state;
    expect_query(&list_params, "&&foo=bar&limitx=1&xlimit=2&=3&skip=2&", 2, 100);
}

static void test_names_and_values_are_form_decoded(void **state)
{
    (void)state;
    expect_query(&list_params, "%73kip=3&l%69mit=%34%32", 3, 42);
    expect_query_errors(&list_params, "limit=1+2",
                        "[{\"type\":\"int_parsing\",\"loc\":[\"query\",\"limit\"],"
                        "\"msg\":\"Input should be a valid integer, unable to parse string as "
                        "an integer\",\"input\":\"1 2\"}]");
    /* A '%' without two hex digits stays as it is. */
    expect_query_errors(&list_params, "limit=5%",
                        "[{\"type\":\"int_parsing\",\"loc\":[\"query\",\"limit\"],"
                        "\"msg\":\"Input should be a valid integer, unable to parse string as "
                        "an integer\",\"input\":\"5%\"}]");
}

static void test_undecodable_bytes_are_echoed_as_replacement_characters(void **state)
{
    (void)state;
    expect_query_errors(&list_params, "limit=%FF%00x",
                        "[{\"type\":\"int_parsing\",\"loc\":[\"query\",\"limit\"],"
                        "\"msg\":\"Input should be a valid integer, unable to parse string as "
                        "an integer\",\"input\":\"\\ufffd\\ufffdx\"}]");
}

static void test_required_parameter_missing_has_null_input(void **state)
{
    (void)state;
    expect_query_errors(&other_params, "active=no",
                        "[{\"type\":\"missing\",\"loc\":[\"query\",\"page\"],"
                        "\"msg\":\"Field required\",\"input\":null}]");
}

static void test_booleans_read_like_pydantic(void **state)
{
    (void)state;
    expect_query(&other_params, "page=1", 1, 1);
    static const char *const truthy[] = {"true", "TRUE", "1", "yes", "on", "t", "y"};
    static const char *const falsy[] = {"false", "False", "0", "no", "off", "f", "n"};
    for (size_t i = 0; i < COUNT(truthy); i++) {
        char q[64];
        snprintf(q, sizeof q, "page=2&active=%s", truthy[i]);
        expect_query(&other_params, q, 2, 1);
        snprintf(q, sizeof q, "page=2&active=%s", falsy[i]);
        expect_query(&other_params, q, 2, 0);
    }
    expect_query_errors(&other_params, "page=1&active=maybe",
                        "[{\"type\":\"bool_parsing\",\"loc\":[\"query\",\"active\"],"
                        "\"msg\":\"Input should be a valid boolean, unable to interpret input\","
                        "\"input\":\"maybe\"}]");
}

static void test_no_declared_parameters_accepts_anything(void **state)
{
    (void)state;
    struct schema_errors errs = {0};
    assert_true(schema_parse_query(NULL, "a=1&b", NULL, &errs));
    assert_null(errs.detail);
}

/* ---- path -------------------------------------------------------------------------- */

static void test_path_id_is_parsed(void **state)
{
    (void)state;
    expect_path("7", 7);
    expect_path("9223372036854775807", 9223372036854775807LL);
}

static void test_path_id_below_one_is_greater_than_equal(void **state)
{
    (void)state;
    expect_path_errors("0", "[{\"type\":\"greater_than_equal\",\"loc\":[\"path\",\"user_id\"],"
                            "\"msg\":\"Input should be greater than or equal to 1\","
                            "\"input\":\"0\",\"ctx\":{\"ge\":1}}]");
    expect_path_errors("-1", "[{\"type\":\"greater_than_equal\",\"loc\":[\"path\",\"user_id\"],"
                             "\"msg\":\"Input should be greater than or equal to 1\","
                             "\"input\":\"-1\",\"ctx\":{\"ge\":1}}]");
}

static void test_path_id_not_an_integer_is_int_parsing(void **state)
{
    (void)state;
    expect_path_errors("abc", "[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"user_id\"],"
                              "\"msg\":\"Input should be a valid integer, unable to parse "
                              "string as an integer\",\"input\":\"abc\"}]");
    expect_path_errors("99999999999999999999",
                       "[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"user_id\"],"
                       "\"msg\":\"Input should be a valid integer, unable to parse string as "
                       "an integer\",\"input\":\"99999999999999999999\"}]");
    expect_path_errors("", "[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"user_id\"],"
                           "\"msg\":\"Input should be a valid integer, unable to parse string "
                           "as an integer\",\"input\":\"\"}]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_absent_parameters_take_their_defaults),
        cmocka_unit_test(test_values_within_bounds_are_parsed),
        cmocka_unit_test(test_bounds_errors_echo_the_string_and_carry_ctx),
        cmocka_unit_test(test_every_bad_parameter_is_reported),
        cmocka_unit_test(test_non_integers_are_int_parsing),
        cmocka_unit_test(test_empty_value_is_int_parsing_not_the_default),
        cmocka_unit_test(test_integer_beyond_int64_is_int_parsing),
        cmocka_unit_test(test_repeated_parameter_takes_the_last_value),
        cmocka_unit_test(test_unknown_parameters_and_empty_pairs_are_ignored),
        cmocka_unit_test(test_names_and_values_are_form_decoded),
        cmocka_unit_test(test_undecodable_bytes_are_echoed_as_replacement_characters),
        cmocka_unit_test(test_required_parameter_missing_has_null_input),
        cmocka_unit_test(test_booleans_read_like_pydantic),
        cmocka_unit_test(test_no_declared_parameters_accepts_anything),
        cmocka_unit_test(test_path_id_is_parsed),
        cmocka_unit_test(test_path_id_below_one_is_greater_than_equal),
        cmocka_unit_test(test_path_id_not_an_integer_is_int_parsing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
