/*
 * assert_json.h — exact JSON assertions for the cmocka unit tests (header-only; include
 * after <cmocka.h>).
 *
 * assert_json_eq(actual, expected_text) reprints the expected text with cJSON and
 * compares it with the actual tree printed the same way: whitespace in the expected
 * text does not matter, key order and every value do.
 */
#ifndef TESTS_UNIT_ASSERT_JSON_H
#define TESTS_UNIT_ASSERT_JSON_H

#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>

static inline void assert_json_eq_at(const cJSON *actual, const char *expected_text,
                                     const char *file, int line)
{
    cJSON *expected = cJSON_Parse(expected_text);
    if (expected == NULL) {
        fprintf(stderr, "%s:%d: expected text is not JSON: %s\n", file, line, expected_text);
        _fail(file, line);
    }
    char *want = cJSON_PrintUnformatted(expected);
    char *got = actual != NULL ? cJSON_PrintUnformatted(actual) : NULL;
    cJSON_Delete(expected);
    if (want == NULL || got == NULL || strcmp(want, got) != 0) {
        fprintf(stderr, "%s:%d: JSON differs\n  want: %s\n  got:  %s\n", file, line,
                want != NULL ? want : "(null)", got != NULL ? got : "(null)");
        cJSON_free(want);
        cJSON_free(got);
        _fail(file, line);
    }
    cJSON_free(want);
    cJSON_free(got);
}

#define assert_json_eq(actual, expected_text)                                                      \
    assert_json_eq_at((actual), (expected_text), __FILE__, __LINE__)

#endif
