/*
 * support.c — helpers shared by the libFuzzer targets (see support.h): the property
 * checks on validated values and 422 bodies, C strings from fuzz input, and the memfd
 * that stands in for a file on disk.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void support_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: property violated: %s\n", file, line, what);
    abort();
}

char *support_cstring(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t n = nul != NULL ? (size_t)(nul - data) : size;
    char *s = malloc(n + 1);
    FUZZ_CHECK(s != NULL);
    memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

/* The declared request field named `name`, or NULL (FIELD_READONLY ones are response
 * only, so they count as undeclared). */
static const struct field *support_request_field(const struct schema *s, const char *name)
{
    for (size_t i = 0; i < s->nfields; i++) {
        if (!(s->fields[i].flags & FIELD_READONLY) && strcmp(s->fields[i].name, name) == 0)
            return &s->fields[i];
    }
    return NULL;
}

static void support_check_member(const struct field *f, const cJSON *v)
{
    if (cJSON_IsNull(v)) {
        FUZZ_CHECK(f->flags & FIELD_NULLABLE);
        return;
    }
    switch (f->type) {
    case FIELD_STRING:
    case FIELD_EMAIL: {
        FUZZ_CHECK(cJSON_IsString(v) && v->valuestring != NULL);
        long long chars = schema_utf8_length(v->valuestring, strlen(v->valuestring));
        FUZZ_CHECK(chars >= 0);
        FUZZ_CHECK(f->max == SCHEMA_NO_MAX || chars <= f->max);
        if (f->type == FIELD_EMAIL) {
            const char *at = strchr(v->valuestring, '@');
            FUZZ_CHECK(at != NULL && at != v->valuestring && strchr(at + 1, '.') != NULL);
        } else {
            FUZZ_CHECK(f->min == SCHEMA_NO_MIN || chars >= f->min);
        }
        for (const unsigned char *p = (const unsigned char *)v->valuestring; *p != '\0'; p++) {
            bool allowed = (f->flags & FIELD_MULTILINE) && (*p == '\t' || *p == '\n' || *p == '\r');
            FUZZ_CHECK(allowed || (*p >= 0x20 && *p != 0x7f));
        }
        break;
    }
    case FIELD_INT:
        FUZZ_CHECK(cJSON_IsNumber(v));
        FUZZ_CHECK(f->min == SCHEMA_NO_MIN || v->valuedouble >= (double)f->min);
        FUZZ_CHECK(f->max == SCHEMA_NO_MAX || v->valuedouble <= (double)f->max);
        break;
    case FIELD_BOOL:
        FUZZ_CHECK(cJSON_IsBool(v));
        break;
    }
}

void support_check_body(const struct schema *s, const cJSON *obj)
{
    FUZZ_CHECK(cJSON_IsObject(obj));
    for (const cJSON *c = obj->child; c != NULL; c = c->next) {
        FUZZ_CHECK(c->string != NULL);
        const struct field *f = support_request_field(s, c->string);
        FUZZ_CHECK(f != NULL);
        for (const cJSON *d = c->next; d != NULL; d = d->next)
            FUZZ_CHECK(strcmp(c->string, d->string) != 0);
        support_check_member(f, c);
    }
    for (size_t i = 0; i < s->nfields; i++) {
        const struct field *f = &s->fields[i];
        if ((f->flags & FIELD_REQUIRED) && !(f->flags & FIELD_READONLY))
            FUZZ_CHECK(schema_has(obj, f->name));
    }
}

void support_check_param(const struct field *f, long long value)
{
    if (f->type == FIELD_BOOL) {
        FUZZ_CHECK(value == 0 || value == 1);
        return;
    }
    FUZZ_CHECK(f->min == SCHEMA_NO_MIN || value >= f->min);
    FUZZ_CHECK(f->max == SCHEMA_NO_MAX || value <= f->max);
}

/* True when `name` is a FIELD_SECRET field of s. */
static bool support_is_secret(const struct schema *s, const char *name)
{
    for (size_t i = 0; s != NULL && name != NULL && i < s->nfields; i++) {
        if ((s->fields[i].flags & FIELD_SECRET) && strcmp(s->fields[i].name, name) == 0)
            return true;
    }
    return false;
}

void support_check_errors(struct schema_errors *errs, bool valid, const char *loc0,
                          const struct schema *s)
{
    FUZZ_CHECK(!errs->failed); /* libFuzzer's malloc limit crashes instead of failing */
    FUZZ_CHECK(valid == (errs->detail == NULL));
    if (valid)
        return;

    FUZZ_CHECK(errs->count >= 1 && errs->count <= SCHEMA_ERRORS_MAX);
    FUZZ_CHECK((size_t)cJSON_GetArraySize(errs->detail) == errs->count);
    const cJSON *entry;
    cJSON_ArrayForEach(entry, errs->detail)
    {
        const cJSON *loc = cJSON_GetObjectItemCaseSensitive(entry, "loc");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(entry, "type");
        FUZZ_CHECK(cJSON_IsString(type));
        FUZZ_CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(entry, "msg")));
        FUZZ_CHECK(cJSON_IsArray(loc) && cJSON_GetArraySize(loc) >= 1);
        const cJSON *first = cJSON_GetArrayItem(loc, 0);
        FUZZ_CHECK(cJSON_IsString(first));
        if (loc0 != NULL)
            FUZZ_CHECK(strcmp(first->valuestring, loc0) == 0);
        /* A problem with a secret's value never shows it. ("missing" echoes the object,
         * which then holds no secret; extra_forbidden's loc may be a key cut at \u0000.) */
        const cJSON *key = cJSON_GetArrayItem(loc, 1);
        if (cJSON_IsString(key) && strcmp(first->valuestring, "body") == 0 &&
            strcmp(type->valuestring, "missing") != 0 &&
            strcmp(type->valuestring, "extra_forbidden") != 0 &&
            support_is_secret(s, key->valuestring))
            FUZZ_CHECK(!cJSON_HasObjectItem(entry, "input"));
    }

    cJSON *body = schema_errors_take_body(errs);
    FUZZ_CHECK(body != NULL);
    char *text = cJSON_PrintUnformatted(body);
    FUZZ_CHECK(text != NULL);
    FUZZ_CHECK(strlen(text) <= SCHEMA_ERRORS_BYTES);
    cJSON_free(text);
    cJSON_Delete(body);
    schema_errors_free(errs);
}

const char *support_memfile(const uint8_t *data, size_t size)
{
    static int fd = -2;
    static char path[64];

    if (fd == -2) {
        fd = memfd_create("fuzz-input", MFD_CLOEXEC);
        if (fd >= 0)
            snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        else
            fprintf(stderr, "fuzz: memfd_create failed: the file API is not exercised\n");
    }
    if (fd < 0)
        return NULL;
    FUZZ_CHECK(ftruncate(fd, 0) == 0);
    for (size_t done = 0; done < size;) {
        ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);
        FUZZ_CHECK(n > 0);
        done += (size_t)n;
    }
    return path;
}
