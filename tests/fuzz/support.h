/*
 * support.h — what the libFuzzer targets of tests/fuzz/ share: the entry points libFuzzer
 * calls, a check that turns a broken promise into a crash libFuzzer records, the
 * properties every validated request value must have (the router's promise that a
 * handler only ever sees valid input, router.h), and an in-memory file for the parsers
 * that read from a path. Test code only: nothing here is linked into the binaries.
 */
#ifndef FUZZ_SUPPORT_H
#define FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "worker/schema.h"

/* libFuzzer's entry points (declared here for -Wmissing-prototypes). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Aborts with file, line and the condition when cond is false: libFuzzer saves the input
 * as a crash. For properties the code under test promises, never for input checks. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            support_fail(__FILE__, __LINE__, #cond);                                               \
    } while (0)

__attribute__((noreturn)) void support_fail(const char *file, int line, const char *what);

/* A NUL-terminated copy of data[0..size) cut at its first NUL byte, the way a C string
 * from the transport (a path, a query string, a header) arrives. Never NULL. */
char *support_cstring(const uint8_t *data, size_t size);

/* A validated body object holds declared, writable fields of the declared types within
 * their bounds, each at most once, and every required field. */
void support_check_body(const struct schema *s, const cJSON *obj);

/* A validated query or path value is within the field's declared bounds. */
void support_check_param(const struct field *f, long long value);

/*
 * Checks collected problems (errs, with `valid` what the validator returned) and frees
 * them: a failure has at least one problem and a success none; the 422 body stays
 * within SCHEMA_ERRORS_MAX entries and SCHEMA_ERRORS_BYTES; each entry has type, loc
 * and msg, loc starts with loc0; no entry about a FIELD_SECRET field of s (may be NULL)
 * echoes its input.
 */
void support_check_errors(struct schema_errors *errs, bool valid, const char *loc0,
                          const struct schema *s);

/* A path naming an in-memory file (memfd) that holds exactly data[0..size), replaced on
 * each call; NULL when memfd_create is not available (the caller skips its file check). */
const char *support_memfile(const uint8_t *data, size_t size);

#endif
