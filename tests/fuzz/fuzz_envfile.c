/*
 * fuzz_envfile.c — libFuzzer target: env-file text through envfile_parse() (the buffer
 * API settings.c uses) and, from an in-memory file (memfd), through
 * envfile_parse_file(); both must report the same pairs and errors.
 *
 * Input: the whole input is the file's bytes (not NUL-terminated; NUL bytes, CR, a BOM
 * all allowed).
 *
 * Checked besides memory safety and leaks: lines are reported in increasing order and
 * within the file; every key is [A-Za-z_][A-Za-z0-9_]*; key and value fit in the input;
 * every error has a message; the return value is the number of errors reported.
 */
#include <stdio.h>
#include <string.h>

#include "common/envfile.h"
#include "support.h"

struct fuzz_record {
    size_t size;     /* input size */
    int last_line;   /* line of the previous callback */
    int errors;      /* error callbacks */
    uint64_t digest; /* FNV-1a over every callback, to compare the two APIs */
};

static void fuzz_digest(struct fuzz_record *r, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        r->digest ^= ((const unsigned char *)p)[i];
        r->digest *= 1099511628211ULL;
    }
}

static void fuzz_line(struct fuzz_record *r, int line)
{
    FUZZ_CHECK(line > r->last_line && (size_t)line <= r->size);
    r->last_line = line;
    fuzz_digest(r, &line, sizeof line);
}

static void fuzz_pair(void *ctx, int line, const char *key, const char *value)
{
    struct fuzz_record *r = ctx;
    fuzz_line(r, line);
    size_t klen = strlen(key);
    size_t vlen = strlen(value);
    FUZZ_CHECK(klen > 0 && klen + vlen < r->size);
    FUZZ_CHECK(strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_") > 0);
    FUZZ_CHECK(strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789") ==
               klen);
    fuzz_digest(r, key, klen + 1);
    fuzz_digest(r, value, vlen + 1);
}

static void fuzz_error(void *ctx, int line, const char *message)
{
    struct fuzz_record *r = ctx;
    fuzz_line(r, line);
    FUZZ_CHECK(message != NULL && message[0] != '\0');
    r->errors++;
    fuzz_digest(r, message, strlen(message) + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_record mem = {.size = size, .digest = 14695981039346656037ULL};
    struct envfile_handler h = {fuzz_pair, fuzz_error, &mem};
    int rc = envfile_parse((const char *)data, size, &h);
    FUZZ_CHECK(rc == mem.errors);

    const char *path = support_memfile(data, size);
    if (path != NULL) {
        struct fuzz_record file = {.size = size, .digest = 14695981039346656037ULL};
        h.ctx = &file;
        FUZZ_CHECK(envfile_parse_file(path, &h) == rc);
        FUZZ_CHECK(file.digest == mem.digest && file.last_line == mem.last_line);
    }
    return 0;
}
