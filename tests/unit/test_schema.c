/*
 * test_schema.c — JSON body validation against schema descriptors: every 422 type and
 * message as FastAPI/pydantic v2 writes them, the input echo rules (secrets never),
 * strict types, UTF-8 and code-point lengths, NUL escapes, malformed and deeply nested
 * JSON, non-object bodies, duplicate keys, and the getters handlers use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "worker/schema.h"
#include "assert_json.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Shaped like the application's UserCreate and ItemCreate, plus one of each type. */
static const struct field user_fields[] = {
    {"email", FIELD_EMAIL, FIELD_REQUIRED, SCHEMA_NO_MIN, 254, 0, "Address", "email"},
    {"password", FIELD_STRING, FIELD_REQUIRED | FIELD_SECRET, 8, 128, 0, "Secret", "password"},
};
static const struct schema user_schema = {"UserCreate", user_fields, COUNT(user_fields), NULL,
                                          NULL};

static const struct field item_fields[] = {
    {"id", FIELD_INT, FIELD_REQUIRED | FIELD_READONLY, 1, SCHEMA_NO_MAX, 0, "Id", "int64"},
    {"title", FIELD_STRING, FIELD_REQUIRED, 1, 200, 0, "Title", NULL},
    {"description", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 0, 2000, 0, "Description",
     NULL},
};
static const struct schema item_schema = {"ItemCreate", item_fields, COUNT(item_fields), NULL,
                                          NULL};

static const struct field probe_fields[] = {
    {"count", FIELD_INT, 0, 1, 100, 0, "Bounded int", NULL},
    {"big", FIELD_INT, 0, SCHEMA_NO_MIN, SCHEMA_NO_MAX, 0, "Any int64", "int64"},
    {"flag", FIELD_BOOL, 0, SCHEMA_NO_MIN, SCHEMA_NO_MAX, 0, "A boolean", NULL},
    {"code", FIELD_STRING, 0, 3, 3, 0, "Exactly three characters", NULL},
    {"one", FIELD_STRING, 0, SCHEMA_NO_MIN, 1, 0, "At most one character", NULL},
};
static const struct schema probe_schema = {"Probe", probe_fields, COUNT(probe_fields), NULL, NULL};

/* Validates len bytes of body; expects failure with exactly `detail` (a JSON array). */
static void expect_errors_len(const struct schema *s, const char *body, size_t len,
                              const char *detail)
{
    struct schema_errors errs = {0};
    cJSON *obj = schema_validate_body(s, body, len, &errs);
    assert_null(obj);
    assert_false(errs.failed);
    assert_non_null(errs.detail);
    assert_json_eq(errs.detail, detail);
    schema_errors_free(&errs);
}

static void expect_errors(const struct schema *s, const char *body, const char *detail)
{
    expect_errors_len(s, body, strlen(body), detail);
}

/* Validates body; expects success with the object equal to `expected`. */
static void expect_valid(const struct schema *s, const char *body, const char *expected)
{
    struct schema_errors errs = {0};
    cJSON *obj = schema_validate_body(s, body, strlen(body), &errs);
    if (errs.detail != NULL)
        assert_json_eq(errs.detail, "[]"); /* shows the unexpected problems */
    assert_non_null(obj);
    assert_json_eq(obj, expected);
    cJSON_Delete(obj);
    schema_errors_free(&errs);
}

/* "title" repeated n times as a string of n copies of `unit`. */
static char *title_body(const char *unit, size_t n)
{
    size_t ulen = strlen(unit);
    char *body = malloc(n * ulen + 32);
    assert_non_null(body);
    strcpy(body, "{\"title\":\"");
    char *p = body + strlen(body);
    for (size_t i = 0; i < n; i++, p += ulen)
        memcpy(p, unit, ulen);
    strcpy(p, "\"}");
    return body;
}

/* ---- valid bodies ------------------------------------------------------------------ */

static void test_valid_body_is_returned_parsed(void **state)
{
    (void)state;
    expect_valid(&item_schema, " {\"title\": \"Buy milk\", \"description\": null} \n",
                 "{\"title\":\"Buy milk\",\"description\":null}");
    expect_valid(&user_schema, "{\"email\":\"Ann.Lee@Example.COM\",\"password\":\"12345678\"}",
                 "{\"email\":\"Ann.Lee@Example.COM\",\"password\":\"12345678\"}");
    expect_valid(&probe_schema, "{\"count\":100,\"big\":-7,\"flag\":false,\"code\":\"abc\"}",
                 "{\"count\":100,\"big\":-7,\"flag\":false,\"code\":\"abc\"}");
    expect_valid(&probe_schema, "{}", "{}");
}

static void test_optional_field_may_be_absent(void **state)
{
    (void)state;
    expect_valid(&item_schema, "{\"title\":\"t\"}", "{\"title\":\"t\"}");
}

/* ---- missing / extra --------------------------------------------------------------- */

static void test_missing_field_echoes_the_enclosing_object(void **state)
{
    (void)state;
    expect_errors(&item_schema, "{\"description\":\"d\"}",
                  "[{\"type\":\"missing\",\"loc\":[\"body\",\"title\"],\"msg\":\"Field required\","
                  "\"input\":{\"description\":\"d\"}}]");
    expect_errors(&user_schema, "{\"email\":\"a@b.co\"}",
                  "[{\"type\":\"missing\",\"loc\":[\"body\",\"password\"],\"msg\":\"Field "
                  "required\",\"input\":{\"email\":\"a@b.co\"}}]");
}

static void test_missing_field_hides_an_object_holding_a_secret(void **state)
{
    (void)state;
    expect_errors(&user_schema, "{\"password\":\"correct horse\"}",
                  "[{\"type\":\"missing\",\"loc\":[\"body\",\"email\"],\"msg\":\"Field "
                  "required\"}]");
}

static void test_empty_object_reports_every_missing_field(void **state)
{
    (void)state;
    expect_errors(&user_schema, "{}",
                  "[{\"type\":\"missing\",\"loc\":[\"body\",\"email\"],\"msg\":\"Field required\","
                  "\"input\":{}},"
                  "{\"type\":\"missing\",\"loc\":[\"body\",\"password\"],\"msg\":\"Field "
                  "required\",\"input\":{}}]");
}

static void test_missing_body_is_missing_with_null_input(void **state)
{
    (void)state;
    expect_errors_len(&item_schema, NULL, 0,
                      "[{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\","
                      "\"input\":null}]");
    expect_errors_len(&item_schema, "", 0,
                      "[{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\","
                      "\"input\":null}]");
}

static void test_unknown_field_is_extra_forbidden_with_its_value(void **state)
{
    (void)state;
    expect_errors(&item_schema, "{\"title\":\"t\",\"owner\":{\"id\":[1,2]}}",
                  "[{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"owner\"],"
                  "\"msg\":\"Extra inputs are not permitted\",\"input\":{\"id\":[1,2]}}]");
}

static void test_field_names_are_case_sensitive(void **state)
{
    (void)state;
    expect_errors(&item_schema, "{\"Title\":\"t\"}",
                  "[{\"type\":\"missing\",\"loc\":[\"body\",\"title\"],\"msg\":\"Field required\","
                  "\"input\":{\"Title\":\"t\"}},"
                  "{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"Title\"],"
                  "\"msg\":\"Extra inputs are not permitted\",\"input\":\"t\"}]");
}

static void test_readonly_field_in_a_request_is_extra_forbidden(void **state)
{
    (void)state;
    expect_errors(&item_schema, "{\"id\":5,\"title\":\"t\"}",
                  "[{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"id\"],"
                  "\"msg\":\"Extra inputs are not permitted\",\"input\":5}]");
}

/* ---- strict types ------------------------------------------------------------------ */

static void test_string_field_rejects_other_types(void **state)
{
    (void)state;
    static const char *const bodies[] = {"{\"title\":1}", "{\"title\":true}", "{\"title\":[\"a\"]}",
                                         "{\"title\":null}"};
    static const char *const inputs[] = {"1", "true", "[\"a\"]", "null"};
    for (size_t i = 0; i < COUNT(bodies); i++) {
        char want[256];
        snprintf(want, sizeof want,
                 "[{\"type\":\"string_type\",\"loc\":[\"body\",\"title\"],"
                 "\"msg\":\"Input should be a valid string\",\"input\":%s}]",
                 inputs[i]);
        expect_errors(&item_schema, bodies[i], want);
    }
}

static void test_int_field_rejects_strings_floats_exponents_and_bools(void **state)
{
    (void)state;
    static const char *const values[] = {"\"1\"", "1.0", "1e3", "1.5", "true", "-0.0"};
    static const char *const echoed[] = {"\"1\"", "1", "1000", "1.5", "true", "-0.0"};
    for (size_t i = 0; i < COUNT(values); i++) {
        char body[64];
        char want[256];
        snprintf(body, sizeof body, "{\"count\":%s}", values[i]);
        snprintf(want, sizeof want,
                 "[{\"type\":\"int_type\",\"loc\":[\"body\",\"count\"],"
                 "\"msg\":\"Input should be a valid integer\",\"input\":%s}]",
                 echoed[i]);
        expect_errors(&probe_schema, body, want);
    }
}

static void test_int_outside_int64_is_int_parsing(void **state)
{
    (void)state;
    expect_errors(&probe_schema, "{\"big\":9223372036854775808}",
                  "[{\"type\":\"int_parsing\",\"loc\":[\"body\",\"big\"],"
                  "\"msg\":\"Input should be a valid integer, out of range for a 64-bit "
                  "integer\",\"input\":9223372036854775808}]");
    expect_errors(&probe_schema, "{\"big\":-9223372036854775809}",
                  "[{\"type\":\"int_parsing\",\"loc\":[\"body\",\"big\"],"
                  "\"msg\":\"Input should be a valid integer, out of range for a 64-bit "
                  "integer\",\"input\":-9223372036854775809}]");
}

static void test_int64_extremes_are_accepted_exactly(void **state)
{
    (void)state;
    struct schema_errors errs = {0};
    const char *body = "{\"big\":9223372036854775807}";
    cJSON *obj = schema_validate_body(&probe_schema, body, strlen(body), &errs);
    assert_non_null(obj);
    assert_int_equal(schema_get_int(obj, "big", 0), LLONG_MAX); /* clamped nearest double */
    cJSON_Delete(obj);

    body = "{\"big\":-9223372036854775808}";
    obj = schema_validate_body(&probe_schema, body, strlen(body), &errs);
    assert_non_null(obj);
    assert_int_equal(schema_get_int(obj, "big", 0), LLONG_MIN);
    cJSON_Delete(obj);

    body = "{\"big\":9007199254740993}"; /* 2^53 + 1: validated, read back as 2^53 */
    obj = schema_validate_body(&probe_schema, body, strlen(body), &errs);
    assert_non_null(obj);
    assert_int_equal(schema_get_int(obj, "big", 0), 9007199254740992LL);
    cJSON_Delete(obj);
    assert_null(errs.detail);
}

static void test_int_bounds_are_greater_than_equal_and_less_than_equal(void **state)
{
    (void)state;
    expect_errors(&probe_schema, "{\"count\":0}",
                  "[{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"count\"],"
                  "\"msg\":\"Input should be greater than or equal to 1\",\"input\":0,"
                  "\"ctx\":{\"ge\":1}}]");
    expect_errors(&probe_schema, "{\"count\":101}",
                  "[{\"type\":\"less_than_equal\",\"loc\":[\"body\",\"count\"],"
                  "\"msg\":\"Input should be less than or equal to 100\",\"input\":101,"
                  "\"ctx\":{\"le\":100}}]");
    expect_valid(&probe_schema, "{\"count\":1}", "{\"count\":1}");
}

static void test_bool_field_accepts_only_true_and_false(void **state)
{
    (void)state;
    static const char *const values[] = {"1", "0", "\"true\"", "\"yes\"", "null"};
    for (size_t i = 0; i < COUNT(values); i++) {
        char body[64];
        char want[256];
        snprintf(body, sizeof body, "{\"flag\":%s}", values[i]);
        snprintf(want, sizeof want,
                 "[{\"type\":\"bool_type\",\"loc\":[\"body\",\"flag\"],"
                 "\"msg\":\"Input should be a valid boolean\",\"input\":%s}]",
                 values[i]);
        expect_errors(&probe_schema, body, want);
    }
    expect_valid(&probe_schema, "{\"flag\":true}", "{\"flag\":true}");
}

static void test_null_is_accepted_only_where_nullable(void **state)
{
    (void)state;
    expect_valid(&item_schema, "{\"title\":\"t\",\"description\":null}",
                 "{\"title\":\"t\",\"description\":null}");
    expect_errors(&probe_schema, "{\"count\":null}",
                  "[{\"type\":\"int_type\",\"loc\":[\"body\",\"count\"],"
                  "\"msg\":\"Input should be a valid integer\",\"input\":null}]");
}

/* ---- string lengths in code points ------------------------------------------------- */

static void test_string_too_short_is_singular_for_one(void **state)
{
    (void)state;
    expect_errors(&item_schema, "{\"title\":\"\"}",
                  "[{\"type\":\"string_too_short\",\"loc\":[\"body\",\"title\"],"
                  "\"msg\":\"String should have at least 1 character\",\"input\":\"\","
                  "\"ctx\":{\"min_length\":1}}]");
    expect_errors(&probe_schema, "{\"code\":\"ab\"}",
                  "[{\"type\":\"string_too_short\",\"loc\":[\"body\",\"code\"],"
                  "\"msg\":\"String should have at least 3 characters\",\"input\":\"ab\","
                  "\"ctx\":{\"min_length\":3}}]");
}

static void test_string_too_long_is_plural_and_carries_max_length(void **state)
{
    (void)state;
    expect_errors(&probe_schema, "{\"code\":\"abcd\"}",
                  "[{\"type\":\"string_too_long\",\"loc\":[\"body\",\"code\"],"
                  "\"msg\":\"String should have at most 3 characters\",\"input\":\"abcd\","
                  "\"ctx\":{\"max_length\":3}}]");
    expect_errors(&probe_schema, "{\"one\":\"ab\"}",
                  "[{\"type\":\"string_too_long\",\"loc\":[\"body\",\"one\"],"
                  "\"msg\":\"String should have at most 1 character\",\"input\":\"ab\","
                  "\"ctx\":{\"max_length\":1}}]");
}

static void test_length_counts_code_points_not_bytes(void **state)
{
    (void)state;
    static const char *const units[] = {
        "a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\\u00e9", "\\ud83d\\ude00"};
    for (size_t i = 0; i < COUNT(units); i++) {
        char *body = title_body(units[i], 200);
        struct schema_errors errs = {0};
        cJSON *obj = schema_validate_body(&item_schema, body, strlen(body), &errs);
        assert_non_null(obj);
        assert_null(errs.detail);
        cJSON_Delete(obj);
        free(body);

        body = title_body(units[i], 201);
        obj = schema_validate_body(&item_schema, body, strlen(body), &errs);
        assert_null(obj);
        assert_int_equal(cJSON_GetArraySize(errs.detail), 1);
        const cJSON *e = cJSON_GetArrayItem(errs.detail, 0);
        assert_string_equal(cJSON_GetObjectItem(e, "type")->valuestring, "string_too_long");
        assert_string_equal(cJSON_GetObjectItem(e, "msg")->valuestring,
                            "String should have at most 200 characters");
        schema_errors_free(&errs);
        free(body);
    }
}

static void test_utf8_length_rejects_ill_formed_sequences(void **state)
{
    (void)state;
    assert_int_equal(schema_utf8_length("", 0), 0);
    assert_int_equal(schema_utf8_length("abc", 3), 3);
    assert_int_equal(schema_utf8_length("\xc3\xa9t\xc3\xa9", 5), 3);
    assert_int_equal(schema_utf8_length("\xf4\x8f\xbf\xbf", 4), 1);  /* U+10FFFF */
    assert_int_equal(schema_utf8_length("\xc0\xaf", 2), -1);         /* overlong '/' */
    assert_int_equal(schema_utf8_length("\xe0\x80\xaf", 3), -1);     /* overlong */
    assert_int_equal(schema_utf8_length("\xed\xa0\x80", 3), -1);     /* surrogate */
    assert_int_equal(schema_utf8_length("\xf4\x90\x80\x80", 4), -1); /* > U+10FFFF */
    assert_int_equal(schema_utf8_length("\xc3", 1), -1);             /* cut short */
    assert_int_equal(schema_utf8_length("\x80", 1), -1);             /* stray */
    assert_int_equal(schema_utf8_length("a\0b", 3), -1);             /* NUL */
    assert_int_equal(schema_utf8_length("\xe2\x82\xac", 2), -1);     /* len cuts it */
}

/* ---- secrets ----------------------------------------------------------------------- */

static void test_secret_is_never_echoed(void **state)
{
    (void)state;
    expect_errors(&user_schema, "{\"email\":\"a@b.co\",\"password\":\"short\"}",
                  "[{\"type\":\"string_too_short\",\"loc\":[\"body\",\"password\"],"
                  "\"msg\":\"String should have at least 8 characters\","
                  "\"ctx\":{\"min_length\":8}}]");
    expect_errors(&user_schema, "{\"email\":\"a@b.co\",\"password\":12345678}",
                  "[{\"type\":\"string_type\",\"loc\":[\"body\",\"password\"],"
                  "\"msg\":\"Input should be a valid string\"}]");
    char *body = malloc(200);
    assert_non_null(body);
    snprintf(body, 200, "{\"email\":\"a@b.co\",\"password\":\"%0129d\"}", 0);
    expect_errors(&user_schema, body,
                  "[{\"type\":\"string_too_long\",\"loc\":[\"body\",\"password\"],"
                  "\"msg\":\"String should have at most 128 characters\","
                  "\"ctx\":{\"max_length\":128}}]");
    free(body);
}

/* ---- email ------------------------------------------------------------------------- */

static void test_invalid_emails_are_value_errors_with_a_reason(void **state)
{
    (void)state;
    static const struct {
        const char *email;
        const char *reason;
    } cases[] = {
        {"plainaddress", "an address has exactly one @"},
        {"a@b@c.com", "an address has exactly one @"},
        {"@example.com", "there is nothing before the @"},
        {"ann@", "there is nothing after the @"},
        {"ann@localhost", "the domain needs a dot"},
        {"ann@example..com", "the domain has an empty part"},
        {"ann@.example.com", "the domain has an empty part"},
        {"ann@example.com.", "the domain has an empty part"},
        {"ann lee@example.com", "spaces and control characters are not allowed"},
        {"ann@exa\\tmple.com", "spaces and control characters are not allowed"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        char body[256];
        char want[512];
        snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"12345678\"}", cases[i].email);
        snprintf(want, sizeof want,
                 "[{\"type\":\"value_error\",\"loc\":[\"body\",\"email\"],"
                 "\"msg\":\"value is not a valid email address: %s\",\"input\":\"%s\","
                 "\"ctx\":{\"reason\":\"%s\"}}]",
                 cases[i].reason, cases[i].email, cases[i].reason);
        expect_errors(&user_schema, body, want);
    }
}

static void test_email_longer_than_254_characters_is_rejected(void **state)
{
    (void)state;
    char local[64];
    char body[400];
    memset(local, 'a', 63);
    local[63] = '\0';
    /* 63 + 1 + 63 + 1 + 63 + 1 + 62 = 254 characters */
    snprintf(body, sizeof body, "{\"email\":\"%s@%s.%s.%.62s\",\"password\":\"12345678\"}", local,
             local, local, local);
    struct schema_errors errs = {0};
    cJSON *obj = schema_validate_body(&user_schema, body, strlen(body), &errs);
    assert_non_null(obj);
    cJSON_Delete(obj);

    snprintf(body, sizeof body, "{\"email\":\"%s@%s.%s.%s\",\"password\":\"12345678\"}", local,
             local, local, local);
    obj = schema_validate_body(&user_schema, body, strlen(body), &errs);
    assert_null(obj);
    const cJSON *e = cJSON_GetArrayItem(errs.detail, 0);
    assert_string_equal(cJSON_GetObjectItem(e, "type")->valuestring, "value_error");
    assert_string_equal(cJSON_GetObjectItem(e, "msg")->valuestring,
                        "value is not a valid email address: the address is too long");
    schema_errors_free(&errs);
}

static void test_email_keeps_non_ascii_and_case_as_given(void **state)
{
    (void)state;
    expect_valid(&user_schema,
                 "{\"email\":\"J\xc3\xb6rg@B\xc3\xbc"
                 "cher.DE\",\"password\":\"12345678\"}",
                 "{\"email\":\"J\xc3\xb6rg@B\xc3\xbc"
                 "cher.DE\",\"password\":\"12345678\"}");
}

/* ---- NUL, UTF-8, malformed JSON ---------------------------------------------------- */

static void test_nul_escape_in_a_string_is_a_value_error(void **state)
{
    (void)state;
    expect_errors(&item_schema, "{\"title\":\"ab\\u0000cd\"}",
                  "[{\"type\":\"value_error\",\"loc\":[\"body\",\"title\"],"
                  "\"msg\":\"String should not contain NUL characters\",\"input\":\"ab\"}]");
    /* An escaped backslash followed by "u0000" is six ordinary characters. */
    expect_valid(&item_schema, "{\"title\":\"\\\\u0000\"}", "{\"title\":\"\\\\u0000\"}");
}

static void test_nul_escape_in_a_key_never_names_a_field(void **state)
{
    (void)state;
    expect_errors(&item_schema, "{\"title\\u0000x\":\"t\"}",
                  "[{\"type\":\"missing\",\"loc\":[\"body\",\"title\"],\"msg\":\"Field required\","
                  "\"input\":{\"title\":\"t\"}},"
                  "{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"title\\ufffd\\u2026\"],"
                  "\"msg\":\"Extra inputs are not permitted\",\"input\":\"t\"}]");
}

static void test_invalid_utf8_is_json_invalid_at_its_offset(void **state)
{
    (void)state;
    expect_errors(&item_schema, "{\"title\":\"a\xff\"}",
                  "[{\"type\":\"json_invalid\",\"loc\":[\"body\",11],\"msg\":\"JSON decode error\","
                  "\"input\":{},\"ctx\":{\"error\":\"Invalid UTF-8\"}}]");
    expect_errors(&item_schema, "{\"title\":\"\xed\xa0\x80\"}",
                  "[{\"type\":\"json_invalid\",\"loc\":[\"body\",10],\"msg\":\"JSON decode error\","
                  "\"input\":{},\"ctx\":{\"error\":\"Invalid UTF-8\"}}]");
}

static void test_raw_control_characters_are_json_invalid(void **state)
{
    (void)state;
    expect_errors(&item_schema, "{\"title\":\"a\tb\"}",
                  "[{\"type\":\"json_invalid\",\"loc\":[\"body\",11],\"msg\":\"JSON decode error\","
                  "\"input\":{},\"ctx\":{\"error\":\"Invalid control character in string\"}}]");
    /* A raw NUL byte inside a string would otherwise cut it short. */
    expect_errors_len(&item_schema, "{\"title\":\"a\0b\"}", 15,
                      "[{\"type\":\"json_invalid\",\"loc\":[\"body\",11],"
                      "\"msg\":\"JSON decode error\",\"input\":{},"
                      "\"ctx\":{\"error\":\"Invalid control character in string\"}}]");
    expect_errors_len(&item_schema, "\x01{\"title\":\"t\"}", 14,
                      "[{\"type\":\"json_invalid\",\"loc\":[\"body\",0],"
                      "\"msg\":\"JSON decode error\",\"input\":{},"
                      "\"ctx\":{\"error\":\"Invalid control character\"}}]");
}

static void test_malformed_json_reports_offset_and_reason(void **state)
{
    (void)state;
    expect_errors(&item_schema, "{\"title\": }",
                  "[{\"type\":\"json_invalid\",\"loc\":[\"body\",10],\"msg\":\"JSON decode error\","
                  "\"input\":{},\"ctx\":{\"error\":\"Invalid JSON syntax\"}}]");
    expect_errors(&item_schema, "{\"title\":\"t\"",
                  "[{\"type\":\"json_invalid\",\"loc\":[\"body\",12],\"msg\":\"JSON decode error\","
                  "\"input\":{},\"ctx\":{\"error\":\"Unexpected end of input\"}}]");
    expect_errors(&item_schema, "{\"title\":\"t",
                  "[{\"type\":\"json_invalid\",\"loc\":[\"body\",11],\"msg\":\"JSON decode error\","
                  "\"input\":{},\"ctx\":{\"error\":\"Unexpected end of input\"}}]");
    expect_errors(&item_schema, "{\"title\":\"t\"} {}",
                  "[{\"type\":\"json_invalid\",\"loc\":[\"body\",14],\"msg\":\"JSON decode error\","
                  "\"input\":{},\"ctx\":{\"error\":\"Extra data\"}}]");
    expect_errors(&item_schema, "   ",
                  "[{\"type\":\"json_invalid\",\"loc\":[\"body\",3],\"msg\":\"JSON decode error\","
                  "\"input\":{},\"ctx\":{\"error\":\"Unexpected end of input\"}}]");
    /* The offset is cJSON's: one past the quote Python would point at. */
    expect_errors(&item_schema, "{'title':'t'}",
                  "[{\"type\":\"json_invalid\",\"loc\":[\"body\",2],\"msg\":\"JSON decode error\","
                  "\"input\":{},\"ctx\":{\"error\":\"Invalid JSON syntax\"}}]");
}

static void test_numbers_python_refuses_are_json_invalid(void **state)
{
    (void)state;
    static const char *const numbers[] = {"01", "1.", "-01", "1.e5", "1e"};
    for (size_t i = 0; i < COUNT(numbers); i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"count\": %s}", numbers[i]);
        struct schema_errors errs = {0};
        cJSON *obj = schema_validate_body(&probe_schema, body, strlen(body), &errs);
        assert_null(obj);
        const cJSON *e = cJSON_GetArrayItem(errs.detail, 0);
        assert_non_null(e);
        assert_string_equal(cJSON_GetObjectItem(e, "type")->valuestring, "json_invalid");
        schema_errors_free(&errs);
    }
    expect_errors(&probe_schema, "{\"count\": 01}",
                  "[{\"type\":\"json_invalid\",\"loc\":[\"body\",10],\"msg\":\"JSON decode error\","
                  "\"input\":{},\"ctx\":{\"error\":\"Invalid number\"}}]");
}

/* Nesting builds (or not) without recursion trouble: cJSON stops at its limit. */
static void test_deep_nesting_is_json_invalid_not_a_crash(void **state)
{
    (void)state;
    const size_t depth = 10000;
    char *body = malloc(2 * depth + 16);
    assert_non_null(body);
    memset(body, '[', depth);
    memset(body + depth, ']', depth);
    expect_errors_len(&item_schema, body, 2 * depth,
                      "[{\"type\":\"json_invalid\",\"loc\":[\"body\",1000],"
                      "\"msg\":\"JSON decode error\",\"input\":{},"
                      "\"ctx\":{\"error\":\"Nesting too deep\"}}]");
    /* Unclosed, and inside a field. */
    strcpy(body, "{\"title\":");
    memset(body + 9, '[', depth);
    expect_errors_len(&item_schema, body, 9 + depth,
                      "[{\"type\":\"json_invalid\",\"loc\":[\"body\",1008],"
                      "\"msg\":\"JSON decode error\",\"input\":{},"
                      "\"ctx\":{\"error\":\"Nesting too deep\"}}]");
    /* Within the limit it parses, and is a type error like any array. */
    strcpy(body, "{\"title\":");
    memset(body + 9, '[', 500);
    memset(body + 509, ']', 500);
    strcpy(body + 1009, "}");
    struct schema_errors errs = {0};
    assert_null(schema_validate_body(&item_schema, body, strlen(body), &errs));
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(errs.detail, 0), "type")->valuestring,
        "string_type");
    schema_errors_free(&errs);
    free(body);
}

static void test_non_object_bodies_are_model_type(void **state)
{
    (void)state;
    static const char *const bodies[] = {"[1,2]", "\"text\"", "42", "null", "true", "[]"};
    for (size_t i = 0; i < COUNT(bodies); i++) {
        char want[256];
        snprintf(want, sizeof want,
                 "[{\"type\":\"model_type\",\"loc\":[\"body\"],"
                 "\"msg\":\"Input should be a valid dictionary or instance of ItemCreate\","
                 "\"input\":%s}]",
                 bodies[i]);
        expect_errors(&item_schema, bodies[i], want);
    }
}

/* ---- several problems, duplicates -------------------------------------------------- */

static void test_all_problems_are_reported_in_pydantic_order(void **state)
{
    (void)state;
    expect_errors(&item_schema, "{\"zzz\":1,\"description\":5,\"title\":\"\",\"aaa\":null}",
                  "[{\"type\":\"string_too_short\",\"loc\":[\"body\",\"title\"],"
                  "\"msg\":\"String should have at least 1 character\",\"input\":\"\","
                  "\"ctx\":{\"min_length\":1}},"
                  "{\"type\":\"string_type\",\"loc\":[\"body\",\"description\"],"
                  "\"msg\":\"Input should be a valid string\",\"input\":5},"
                  "{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"zzz\"],"
                  "\"msg\":\"Extra inputs are not permitted\",\"input\":1},"
                  "{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"aaa\"],"
                  "\"msg\":\"Extra inputs are not permitted\",\"input\":null}]");
}

static void test_duplicate_keys_last_one_wins(void **state)
{
    (void)state;
    expect_errors(&item_schema, "{\"title\":\"ok\",\"title\":\"\"}",
                  "[{\"type\":\"string_too_short\",\"loc\":[\"body\",\"title\"],"
                  "\"msg\":\"String should have at least 1 character\",\"input\":\"\","
                  "\"ctx\":{\"min_length\":1}}]");
    expect_valid(&item_schema, "{\"title\":\"\",\"description\":null,\"title\":\"ok\"}",
                 "{\"description\":null,\"title\":\"ok\"}");
}

/* ---- public helpers ---------------------------------------------------------------- */

static void test_getters_tell_absent_from_null(void **state)
{
    (void)state;
    struct schema_errors errs = {0};
    const char *body = "{\"title\":\"t\",\"description\":null}";
    cJSON *obj = schema_validate_body(&item_schema, body, strlen(body), &errs);
    assert_non_null(obj);
    assert_true(schema_has(obj, "description"));
    assert_null(schema_get_string(obj, "description"));
    assert_string_equal(schema_get_string(obj, "title"), "t");
    assert_false(schema_has(obj, "other"));
    assert_null(schema_get_string(obj, "other"));
    assert_true(schema_get_bool(obj, "other", true));
    assert_int_equal(schema_get_int(obj, "other", 42), 42);
    cJSON_Delete(obj);

    body = "{\"flag\":false,\"count\":7}";
    obj = schema_validate_body(&probe_schema, body, strlen(body), &errs);
    assert_non_null(obj);
    assert_false(schema_get_bool(obj, "flag", true));
    assert_int_equal(schema_get_int(obj, "count", 0), 7);
    cJSON_Delete(obj);
    assert_null(errs.detail);
}

static void test_error_add_and_take_body_build_the_422_document(void **state)
{
    (void)state;
    struct schema_errors errs = {0};
    cJSON *input = cJSON_CreateString("x");
    assert_non_null(input);
    schema_error_add(&errs, "value_error", "body", "title", "Value error, nope", input);
    schema_error_add(&errs, "missing", "query", NULL, "Field required", NULL);
    cJSON_Delete(input);
    cJSON *body = schema_errors_take_body(&errs);
    assert_null(errs.detail);
    assert_json_eq(body, "{\"detail\":[{\"type\":\"value_error\",\"loc\":[\"body\",\"title\"],"
                         "\"msg\":\"Value error, nope\",\"input\":\"x\"},"
                         "{\"type\":\"missing\",\"loc\":[\"query\"],\"msg\":\"Field required\"}]}");
    cJSON_Delete(body);

    body = schema_errors_take_body(&errs); /* nothing collected: an empty list */
    assert_json_eq(body, "{\"detail\":[]}");
    cJSON_Delete(body);
    schema_errors_free(&errs);
}

/* ---- SPEC §12: bounded answers, control characters ---------------------------------- */

/* Validates body (expected invalid) and returns the 422 document's JSON text. */
static char *errors_text(const struct schema *s, const char *body, size_t len)
{
    struct schema_errors errs = {0};
    assert_null(schema_validate_body(s, body, len, &errs));
    assert_false(errs.failed);
    cJSON *doc = schema_errors_take_body(&errs);
    char *text = cJSON_PrintUnformatted(doc);
    assert_non_null(text);
    cJSON_Delete(doc);
    schema_errors_free(&errs);
    return text;
}

static void test_more_than_64_members_is_one_error(void **state)
{
    (void)state;
    char body[4096];
    size_t n = 0;
    body[n++] = '{';
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%s\"k%d\":%d", i ? "," : "", i, i);
    body[n++] = '}';
    body[n] = '\0';
    expect_errors(&item_schema, body,
                  "[{\"type\":\"value_error\",\"loc\":[\"body\"],"
                  "\"msg\":\"Object has too many members (at most 64)\"}]");
}

static void test_at_most_20_problems_are_reported(void **state)
{
    (void)state;
    char body[4096];
    size_t n = 0;
    body[n++] = '{';
    for (int i = 0; i < 60; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%s\"x%d\":1", i ? "," : "", i);
    body[n++] = '}';
    body[n] = '\0';
    struct schema_errors errs = {0};
    assert_null(schema_validate_body(&item_schema, body, n, &errs));
    assert_int_equal(cJSON_GetArraySize(errs.detail), 20);
    /* the first 20 problems: "title" missing, then x0 .. x18 */
    assert_string_equal(cJSON_GetArrayItem(errs.detail, 0)->child->valuestring, "missing");
    cJSON *last = cJSON_GetObjectItem(cJSON_GetArrayItem(errs.detail, 19), "loc");
    assert_string_equal(cJSON_GetArrayItem(last, 1)->valuestring, "x18");
    schema_errors_free(&errs);
}

static void test_long_inputs_and_keys_are_cut_to_200_characters(void **state)
{
    (void)state;
    /* a 300-character title (é: 2 bytes each) and a 300-character unknown key */
    char body[4096];
    size_t n = (size_t)snprintf(body, sizeof body, "{\"title\":\"");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "\xc3\xa9");
    n += (size_t)snprintf(body + n, sizeof body - n, "\",\"");
    for (int i = 0; i < 300; i++)
        body[n++] = 'k';
    n += (size_t)snprintf(body + n, sizeof body - n, "\":[");
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%s12345", i ? "," : "");
    n += (size_t)snprintf(body + n, sizeof body - n, "]}");
    struct schema_errors errs = {0};
    assert_null(schema_validate_body(&item_schema, body, n, &errs));
    const cJSON *title = cJSON_GetObjectItem(cJSON_GetArrayItem(errs.detail, 0), "input");
    assert_int_equal(schema_utf8_length(title->valuestring, strlen(title->valuestring)), 201);
    assert_non_null(strstr(title->valuestring, "\xc3\xa9\xe2\x80\xa6")); /* ...é… */
    const cJSON *extra = cJSON_GetArrayItem(errs.detail, 1);
    const char *key = cJSON_GetArrayItem(cJSON_GetObjectItem(extra, "loc"), 1)->valuestring;
    assert_int_equal(schema_utf8_length(key, strlen(key)), 201);
    /* an array echoed as the first 200 characters of its JSON text */
    const cJSON *arr = cJSON_GetObjectItem(extra, "input");
    assert_true(cJSON_IsString(arr));
    assert_int_equal(strncmp(arr->valuestring, "[12345,12345,", 13), 0);
    assert_int_equal(schema_utf8_length(arr->valuestring, strlen(arr->valuestring)), 201);
    schema_errors_free(&errs);
}

static void test_worst_case_422_stays_within_16_kib(void **state)
{
    (void)state;
    /* 64 members whose keys and values are 400 control characters each: every echo
     * escapes to 6 bytes per character. */
    size_t cap = 64 * 2 * 400 * 6 + 1024, n = 0;
    char *body = malloc(cap);
    assert_non_null(body);
    body[n++] = '{';
    for (int i = 0; i < 64; i++) {
        n += (size_t)snprintf(body + n, cap - n, "%s\"%02d", i ? "," : "", i);
        for (int k = 0; k < 398; k++)
            n += (size_t)snprintf(body + n, cap - n, "\\u0001");
        n += (size_t)snprintf(body + n, cap - n, "\":\"");
        for (int k = 0; k < 400; k++)
            n += (size_t)snprintf(body + n, cap - n, "\\u0002");
        body[n++] = '"';
    }
    body[n++] = '}';
    char *text = errors_text(&item_schema, body, n);
    assert_true(strlen(text) <= 16384);
    cJSON *doc = cJSON_Parse(text);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "detail")) >= 1);
    cJSON_Delete(doc);
    cJSON_free(text);
    free(body);
}

static void test_control_characters_are_refused_except_in_multiline_text(void **state)
{
    (void)state;
    static const char *const bad_titles[] = {"a\\u0001b", "tab\\there", "new\\nline", "del\\u007f",
                                             "\\r"};
    for (size_t i = 0; i < COUNT(bad_titles); i++) {
        char body[128], want[512];
        snprintf(body, sizeof body, "{\"title\":\"%s\"}", bad_titles[i]);
        snprintf(want, sizeof want,
                 "[{\"type\":\"value_error\",\"loc\":[\"body\",\"title\"],"
                 "\"msg\":\"String should not contain control characters\",\"input\":\"%s\"}]",
                 bad_titles[i]);
        expect_errors(&item_schema, body, want);
    }
    /* description may hold tab, LF and CR, nothing else */
    expect_valid(&item_schema, "{\"title\":\"t\",\"description\":\"a\\tb\\r\\nc\"}",
                 "{\"title\":\"t\",\"description\":\"a\\tb\\r\\nc\"}");
    expect_errors(&item_schema, "{\"title\":\"t\",\"description\":\"bell\\u0007\"}",
                  "[{\"type\":\"value_error\",\"loc\":[\"body\",\"description\"],"
                  "\"msg\":\"String should not contain control characters\","
                  "\"input\":\"bell\\u0007\"}]");
    /* a password too, never echoed */
    expect_errors(&user_schema, "{\"email\":\"a@b.co\",\"password\":\"pass\\u001bword\"}",
                  "[{\"type\":\"value_error\",\"loc\":[\"body\",\"password\"],"
                  "\"msg\":\"String should not contain control characters\"}]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_body_is_returned_parsed),
        cmocka_unit_test(test_optional_field_may_be_absent),
        cmocka_unit_test(test_missing_field_echoes_the_enclosing_object),
        cmocka_unit_test(test_missing_field_hides_an_object_holding_a_secret),
        cmocka_unit_test(test_empty_object_reports_every_missing_field),
        cmocka_unit_test(test_missing_body_is_missing_with_null_input),
        cmocka_unit_test(test_unknown_field_is_extra_forbidden_with_its_value),
        cmocka_unit_test(test_field_names_are_case_sensitive),
        cmocka_unit_test(test_readonly_field_in_a_request_is_extra_forbidden),
        cmocka_unit_test(test_string_field_rejects_other_types),
        cmocka_unit_test(test_int_field_rejects_strings_floats_exponents_and_bools),
        cmocka_unit_test(test_int_outside_int64_is_int_parsing),
        cmocka_unit_test(test_int64_extremes_are_accepted_exactly),
        cmocka_unit_test(test_int_bounds_are_greater_than_equal_and_less_than_equal),
        cmocka_unit_test(test_bool_field_accepts_only_true_and_false),
        cmocka_unit_test(test_null_is_accepted_only_where_nullable),
        cmocka_unit_test(test_string_too_short_is_singular_for_one),
        cmocka_unit_test(test_string_too_long_is_plural_and_carries_max_length),
        cmocka_unit_test(test_length_counts_code_points_not_bytes),
        cmocka_unit_test(test_utf8_length_rejects_ill_formed_sequences),
        cmocka_unit_test(test_secret_is_never_echoed),
        cmocka_unit_test(test_invalid_emails_are_value_errors_with_a_reason),
        cmocka_unit_test(test_email_longer_than_254_characters_is_rejected),
        cmocka_unit_test(test_email_keeps_non_ascii_and_case_as_given),
        cmocka_unit_test(test_nul_escape_in_a_string_is_a_value_error),
        cmocka_unit_test(test_nul_escape_in_a_key_never_names_a_field),
        cmocka_unit_test(test_invalid_utf8_is_json_invalid_at_its_offset),
        cmocka_unit_test(test_raw_control_characters_are_json_invalid),
        cmocka_unit_test(test_malformed_json_reports_offset_and_reason),
        cmocka_unit_test(test_numbers_python_refuses_are_json_invalid),
        cmocka_unit_test(test_deep_nesting_is_json_invalid_not_a_crash),
        cmocka_unit_test(test_non_object_bodies_are_model_type),
        cmocka_unit_test(test_all_problems_are_reported_in_pydantic_order),
        cmocka_unit_test(test_duplicate_keys_last_one_wins),
        cmocka_unit_test(test_getters_tell_absent_from_null),
        cmocka_unit_test(test_error_add_and_take_body_build_the_422_document),
        cmocka_unit_test(test_more_than_64_members_is_one_error),
        cmocka_unit_test(test_at_most_20_problems_are_reported),
        cmocka_unit_test(test_long_inputs_and_keys_are_cut_to_200_characters),
        cmocka_unit_test(test_worst_case_422_stays_within_16_kib),
        cmocka_unit_test(test_control_characters_are_refused_except_in_multiline_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
