/*
 * fuzz_request_body.c — libFuzzer target: a request body through schema_validate_body()
 * against the application's request schemas (src/app/schemas.h).
 *
 * Input: the first byte, modulo 4, picks the schema ('0' UserCreate, '1' UserUpdate,
 * '2' ItemCreate, '3' ItemUpdate); every byte after it is the body, passed with its
 * length and without a terminating NUL (the function's contract does not ask for one),
 * so a read past the end is an AddressSanitizer report.
 *
 * Checked besides memory safety and leaks: a body is valid exactly when no problem was
 * collected; a valid body holds only declared, writable fields of the right types
 * within bounds, each once (support_check_body); the 422 answer stays within its
 * bounds and never echoes the password (support_check_errors).
 */
#include <stdlib.h>

#include "app/schemas.h"
#include "support.h"

#define FUZZ_NSCHEMAS 4
static const struct schema *const fuzz_schemas[FUZZ_NSCHEMAS] = {
    &schemas_user_create,
    &schemas_user_update,
    &schemas_item_create,
    &schemas_item_update,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const struct schema *s = fuzz_schemas[data[0] % FUZZ_NSCHEMAS];
    const char *body = size > 1 ? (const char *)data + 1 : NULL;

    struct schema_errors errs = {0};
    cJSON *obj = schema_validate_body(s, body, size - 1, &errs);
    if (obj != NULL) {
        support_check_body(s, obj);
        /* What a handler reads next. */
        for (size_t i = 0; i < s->nfields; i++) {
            (void)schema_get_string(obj, s->fields[i].name);
            (void)schema_get_bool(obj, s->fields[i].name, false);
            (void)schema_get_int(obj, s->fields[i].name, 0);
        }
    }
    support_check_errors(&errs, obj != NULL, "body", s);
    cJSON_Delete(obj);
    return 0;
}
