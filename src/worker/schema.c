/*
 * schema.c — validation against the static schema descriptors, reported in FastAPI's
 * 422 format (pydantic v2 types, messages, loc, input and ctx), SPEC §4.
 *
 * A JSON body goes through four steps, each reporting with the byte offset of the
 * problem as FastAPI reports the decoder's position (a byte offset here, Python counts
 * characters):
 *   1. the whole body must be UTF-8                        -> json_invalid "Invalid UTF-8"
 *   2. cJSON parses it (nesting limit CJSON_NESTING_LIMIT) -> json_invalid
 *   3. schema_json_scan() re-reads what cJSON accepted, because cJSON is more lenient than
 *      Python's json (raw control characters, 01, 1., -.5) and its tree forgets two
 *      things we need: a \u0000 escape (cJSON cuts the string there) and how a number
 *      was written (1, 1.0 and 1e0 are the same double; only the first is an integer,
 *      and only the text gives an exact int64 above 2^53)
 *   4. the object is checked field by field, all problems collected: declared fields
 *      in declaration order, then unknown fields in input order, as pydantic does.
 * Duplicate keys: the last one wins, as with Python's json; earlier ones are removed
 * from the returned object so handlers see exactly what was validated.
 */
#include "worker/schema.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SCHEMA_EMAIL_MAX 254 /* RFC 5321 path limit, when the field declares no max */
#define SCHEMA_MSG_BUF   384

/* pydantic's error type and message when a value has the wrong JSON type. */
static const struct {
    const char *type;
    const char *msg;
} schema_type_errors[] = {
    [FIELD_STRING] = {"string_type", "Input should be a valid string"},
    [FIELD_EMAIL] = {"string_type", "Input should be a valid string"},
    [FIELD_INT] = {"int_type", "Input should be a valid integer"},
    [FIELD_BOOL] = {"bool_type", "Input should be a valid boolean"},
};

#define SCHEMA_MSG_INT_PARSING                                                                     \
    "Input should be a valid integer, unable to parse string as an integer"
/* Our own wording (pydantic has no int64 limit): a JSON integer that does not fit. */
#define SCHEMA_MSG_INT_RANGE    "Input should be a valid integer, out of range for a 64-bit integer"
#define SCHEMA_MSG_BOOL_PARSING "Input should be a valid boolean, unable to interpret input"
#define SCHEMA_MSG_NUL          "String should not contain NUL characters"
#define SCHEMA_MSG_CONTROL      "String should not contain control characters"
#define SCHEMA_MSG_MEMBERS      "Object has too many members (at most 64)"
_Static_assert(SCHEMA_MEMBERS_MAX == 64, "SCHEMA_MSG_MEMBERS names the limit");

/* Room for the "{\"detail\":[" ... "]}" around the entries. */
#define SCHEMA_ERRORS_FRAME 16

/* ------------------------------------------------------------------------------------
 * UTF-8
 */

/*
 * Decodes the code point at s[*i] and advances *i past it. Returns -1 (and leaves *i)
 * when the bytes there are not well-formed UTF-8: stray continuation bytes, overlong
 * forms, UTF-16 surrogates, values above U+10FFFF, or a sequence cut by the end.
 */
static long schema_utf8_next(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char c = s[*i];
    size_t extra;
    long cp;
    long min;

    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        extra = 1;
        cp = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        extra = 2;
        cp = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        extra = 3;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return -1;
    }
    if (len - *i <= extra)
        return -1;
    for (size_t k = 1; k <= extra; k++) {
        unsigned char cc = s[*i + k];
        if ((cc & 0xc0) != 0x80)
            return -1;
        cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *i += extra + 1;
    return cp;
}

long long schema_utf8_length(const char *s, size_t len)
{
    long long count = 0;
    size_t i = 0;
    while (i < len) {
        long cp = schema_utf8_next((const unsigned char *)s, len, &i);
        if (cp <= 0)
            return -1;
        count++;
    }
    return count;
}

/* Offset of the first byte that is not well-formed UTF-8, or len when all are. */
static size_t schema_utf8_invalid_at(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && schema_utf8_next((const unsigned char *)s, len, &i) >= 0)
        ;
    return i;
}

/*
 * A copy of s (len bytes) safe to echo as a JSON string: ill-formed bytes become
 * U+FFFD, as Python's decoding with errors="replace" shows them, and so do NULs, which
 * a C string cannot carry. NULL on allocation failure.
 */
static char *schema_utf8_repair(const char *s, size_t len)
{
    if (len > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = malloc(len * 3 + 1);
    size_t o = 0;
    size_t i = 0;
    if (out == NULL)
        return NULL;
    while (i < len) {
        size_t start = i;
        long cp = schema_utf8_next((const unsigned char *)s, len, &i);
        if (cp > 0) {
            memcpy(out + o, s + start, i - start);
            o += i - start;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i = start + 1;
        }
    }
    out[o] = '\0';
    return out;
}

/* ------------------------------------------------------------------------------------
 * Collecting problems
 */

/*
 * A copy of v bounded for echoing (SPEC §12): a string of at most SCHEMA_ECHO_MAX
 * characters stays as it is; a longer string, or an array or object whose JSON text is
 * longer, becomes a string of its first SCHEMA_ECHO_MAX characters followed by "…".
 * NULL on allocation failure.
 */
static cJSON *schema_echo(const cJSON *v)
{
    char *printed = NULL;
    const char *text;
    size_t len, i = 0, chars = 0;
    cJSON *out;

    if (cJSON_IsString(v) && v->valuestring != NULL) {
        text = v->valuestring;
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        printed = cJSON_PrintUnformatted(v);
        if (printed == NULL)
            return NULL;
        text = printed;
    } else {
        return cJSON_Duplicate(v, 1); /* numbers, booleans, null: short by nature */
    }
    len = strlen(text);
    while (i < len && chars < SCHEMA_ECHO_MAX) {
        size_t at = i;
        if (schema_utf8_next((const unsigned char *)text, len, &i) < 0)
            i = at + 1; /* cannot happen: the body was checked as UTF-8 */
        chars++;
    }
    if (i == len) {
        out = cJSON_Duplicate(v, 1); /* short enough to echo as it is */
    } else {
        char *cut = malloc(i + sizeof "\u2026");
        out = NULL;
        if (cut != NULL) {
            memcpy(cut, text, i);
            memcpy(cut + i, "\u2026", sizeof "\u2026");
            out = cJSON_CreateString(cut);
            free(cut);
        }
    }
    cJSON_free(printed);
    return out;
}

/*
 * Appends {"type","loc","msg","input","ctx"} (pydantic's key order) to errs. Takes
 * ownership of loc and ctx (ctx may be NULL); copies input (NULL: no "input" key),
 * bounded by schema_echo. Past SCHEMA_ERRORS_MAX entries, or when the entry would take
 * the answer past SCHEMA_ERRORS_BYTES, it is dropped (the request stays invalid: errs
 * already holds an entry). On allocation failure nothing is appended and errs->failed
 * is set, so the caller answers 500 rather than an incomplete 422.
 */
static void schema_error_append(struct schema_errors *errs, const char *type, cJSON *loc,
                                const char *msg, const cJSON *input, cJSON *ctx)
{
    cJSON *entry = NULL;
    cJSON *in = NULL;
    char *text = NULL;

    if (errs->count >= SCHEMA_ERRORS_MAX) {
        cJSON_Delete(loc);
        cJSON_Delete(ctx);
        return;
    }
    entry = cJSON_CreateObject();
    if (errs->detail == NULL)
        errs->detail = cJSON_CreateArray();
    if (errs->detail == NULL || entry == NULL || loc == NULL)
        goto fail;
    if (cJSON_AddStringToObject(entry, "type", type) == NULL ||
        !cJSON_AddItemToObject(entry, "loc", loc))
        goto fail;
    loc = NULL; /* owned by entry now */
    if (cJSON_AddStringToObject(entry, "msg", msg) == NULL)
        goto fail;
    if (input != NULL) {
        in = schema_echo(input);
        if (in == NULL || !cJSON_AddItemToObject(entry, "input", in))
            goto fail;
        in = NULL;
    }
    if (ctx != NULL) {
        if (!cJSON_AddItemToObject(entry, "ctx", ctx))
            goto fail;
        ctx = NULL;
    }
    text = cJSON_PrintUnformatted(entry);
    if (text == NULL)
        goto fail;
    size_t size = strlen(text) + (errs->count > 0 ? 1 : 0);
    cJSON_free(text);
    if (errs->count > 0 && errs->bytes + size + SCHEMA_ERRORS_FRAME > SCHEMA_ERRORS_BYTES) {
        cJSON_Delete(entry);
        errs->count = SCHEMA_ERRORS_MAX; /* full: later problems are dropped too */
        return;
    }
    if (!cJSON_AddItemToArray(errs->detail, entry))
        goto fail;
    errs->count++;
    errs->bytes += size;
    return;
fail:
    errs->failed = true;
    cJSON_Delete(entry);
    cJSON_Delete(loc);
    cJSON_Delete(in);
    cJSON_Delete(ctx);
}

/* ["body"] or ["body", "email"]; loc1 (a client's key, for extra_forbidden) bounded
 * like an echoed input. */
static cJSON *schema_loc(const char *loc0, const char *loc1)
{
    cJSON *loc = cJSON_CreateArray();
    cJSON *a = cJSON_CreateString(loc0);
    cJSON *b = NULL;
    if (loc1 != NULL) {
        cJSON *key = cJSON_CreateString(loc1);
        b = key != NULL ? schema_echo(key) : NULL;
        cJSON_Delete(key);
    }
    bool ok = loc != NULL && a != NULL && cJSON_AddItemToArray(loc, a);
    if (ok)
        a = NULL;
    if (ok && loc1 != NULL) {
        ok = b != NULL && cJSON_AddItemToArray(loc, b);
        if (ok)
            b = NULL;
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
    if (!ok) {
        cJSON_Delete(loc);
        return NULL;
    }
    return loc;
}

/* {"key": number} or {"key": "text"}; NULL on allocation failure. */
static cJSON *schema_ctx_number(const char *key, double value)
{
    cJSON *ctx = cJSON_CreateObject();
    if (ctx != NULL && cJSON_AddNumberToObject(ctx, key, value) == NULL) {
        cJSON_Delete(ctx);
        return NULL;
    }
    return ctx;
}

static cJSON *schema_ctx_string(const char *key, const char *value)
{
    cJSON *ctx = cJSON_CreateObject();
    if (ctx != NULL && cJSON_AddStringToObject(ctx, key, value) == NULL) {
        cJSON_Delete(ctx);
        return NULL;
    }
    return ctx;
}

/* An error whose ctx could not be built is still an error: report the allocation
 * failure instead of silently dropping ctx. */
static void schema_error_ctx(struct schema_errors *errs, const char *type, cJSON *loc,
                             const char *msg, const cJSON *input, cJSON *ctx)
{
    if (ctx == NULL) {
        errs->failed = true;
        cJSON_Delete(loc);
        return;
    }
    schema_error_append(errs, type, loc, msg, input, ctx);
}

void schema_error_add(struct schema_errors *errs, const char *type, const char *loc0,
                      const char *loc1, const char *msg, const cJSON *input)
{
    schema_error_append(errs, type, schema_loc(loc0, loc1), msg, input, NULL);
}

/* Appends an error whose input is JSON null (a missing query parameter, a missing
 * body). */
static void schema_error_null_input(struct schema_errors *errs, const char *type, const char *loc0,
                                    const char *loc1, const char *msg)
{
    cJSON *null = cJSON_CreateNull();
    if (null == NULL) {
        errs->failed = true;
        return;
    }
    schema_error_add(errs, type, loc0, loc1, msg, null);
    cJSON_Delete(null);
}

cJSON *schema_errors_take_body(struct schema_errors *errs)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *detail = errs->detail != NULL ? errs->detail : cJSON_CreateArray();
    errs->detail = NULL;
    if (body == NULL || detail == NULL || !cJSON_AddItemToObject(body, "detail", detail)) {
        cJSON_Delete(body);
        cJSON_Delete(detail);
        return NULL;
    }
    return body;
}

void schema_errors_free(struct schema_errors *errs)
{
    cJSON_Delete(errs->detail);
    memset(errs, 0, sizeof *errs);
}

/* ------------------------------------------------------------------------------------
 * Checks shared by body, query and path values
 */

enum schema_int_parse { SCHEMA_INT_OK, SCHEMA_INT_SYNTAX, SCHEMA_INT_RANGE };

/* Exact decimal parse of s[0..n) as [+-]?[0-9]+ into int64 (no spaces, no strtoll
 * locale or base surprises). */
static enum schema_int_parse schema_parse_int64(const char *s, size_t n, long long *out)
{
    size_t i = 0;
    bool negative = false;
    unsigned long long limit = (unsigned long long)LLONG_MAX;
    unsigned long long v = 0;

    if (i < n && (s[i] == '+' || s[i] == '-')) {
        negative = s[i] == '-';
        i++;
    }
    if (i == n)
        return SCHEMA_INT_SYNTAX;
    if (negative)
        limit += 1; /* |LLONG_MIN| */
    bool overflow = false;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return SCHEMA_INT_SYNTAX;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10)
            overflow = true; /* keep scanning: "9999...x" is a syntax error */
        else
            v = v * 10 + d;
    }
    if (overflow)
        return SCHEMA_INT_RANGE;
    if (negative)
        *out = v == limit ? LLONG_MIN : -(long long)v;
    else
        *out = (long long)v;
    return SCHEMA_INT_OK;
}

/*
 * Checks value against the field's bounds (greater_than_equal / less_than_equal,
 * ctx {"ge": min} / {"le": max}); `input` is what the client sent (a JSON number in a
 * body, the raw string in a query or path). Returns true when within bounds.
 */
static bool schema_check_bounds(const struct field *f, long long value, const char *loc0,
                                const cJSON *input, struct schema_errors *errs)
{
    char msg[SCHEMA_MSG_BUF];
    if (f->min != SCHEMA_NO_MIN && value < f->min) {
        snprintf(msg, sizeof msg, "Input should be greater than or equal to %lld", f->min);
        schema_error_ctx(errs, "greater_than_equal", schema_loc(loc0, f->name), msg, input,
                         schema_ctx_number("ge", (double)f->min));
        return false;
    }
    if (f->max != SCHEMA_NO_MAX && value > f->max) {
        snprintf(msg, sizeof msg, "Input should be less than or equal to %lld", f->max);
        schema_error_ctx(errs, "less_than_equal", schema_loc(loc0, f->name), msg, input,
                         schema_ctx_number("le", (double)f->max));
        return false;
    }
    return true;
}

/*
 * Parses a query or path value (already percent-decoded, len bytes) as the field's
 * int or bool, pydantic's lax string rules: ints are [+-]?digits within int64; bools
 * are 1/0, true/false, t/f, yes/no, y/n, on/off in any case. Errors echo the string.
 */
static bool schema_parse_text(const struct field *f, const char *loc0, const char *text, size_t len,
                              long long *out, struct schema_errors *errs)
{
    static const struct {
        const char *word;
        long long value;
    } bools[] = {{"1", 1}, {"true", 1},  {"t", 1}, {"yes", 1}, {"y", 1}, {"on", 1},
                 {"0", 0}, {"false", 0}, {"f", 0}, {"no", 0},  {"n", 0}, {"off", 0}};
    char *shown = schema_utf8_repair(text, len);
    cJSON *input = shown != NULL ? cJSON_CreateString(shown) : NULL;
    bool ok = false;

    free(shown);
    if (input == NULL) {
        errs->failed = true;
        return false;
    }
    if (f->type == FIELD_BOOL) {
        for (size_t i = 0; i < sizeof bools / sizeof bools[0] && !ok; i++) {
            ok = strlen(bools[i].word) == len && strncasecmp(text, bools[i].word, len) == 0;
            if (ok)
                *out = bools[i].value;
        }
        if (!ok)
            schema_error_add(errs, "bool_parsing", loc0, f->name, SCHEMA_MSG_BOOL_PARSING, input);
    } else if (schema_parse_int64(text, len, out) != SCHEMA_INT_OK) {
        schema_error_add(errs, "int_parsing", loc0, f->name, SCHEMA_MSG_INT_PARSING, input);
    } else {
        ok = schema_check_bounds(f, *out, loc0, input, errs);
    }
    cJSON_Delete(input);
    return ok;
}

bool schema_parse_path_int(const struct field *f, const char *segment, long long *out,
                           struct schema_errors *errs)
{
    return schema_parse_text(f, "path", segment, strlen(segment), out, errs);
}

/* ------------------------------------------------------------------------------------
 * Query strings
 */

static int schema_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Decodes one byte of a form-encoded query component starting at s[*i] (n bytes):
 * '+' is a space, %XX a byte; a '%' not followed by two hex digits stays as it is,
 * as Python's unquote leaves it.
 */
static char schema_query_byte(const char *s, size_t n, size_t *i)
{
    char c = s[*i];
    if (c == '+') {
        (*i)++;
        return ' ';
    }
    if (c == '%' && n - *i >= 3) {
        int hi = schema_hex(s[*i + 1]);
        int lo = schema_hex(s[*i + 2]);
        if (hi >= 0 && lo >= 0) {
            *i += 3;
            return (char)(hi * 16 + lo);
        }
    }
    (*i)++;
    return c;
}

/* True when the encoded component s[0..n) decodes to exactly `name`. */
static bool schema_query_name_is(const char *s, size_t n, const char *name)
{
    size_t i = 0;
    while (i < n) {
        if (*name == '\0' || schema_query_byte(s, n, &i) != *name)
            return false;
        name++;
    }
    return *name == '\0';
}

/* Decodes s[0..n) into a new NUL-terminated string (*len: decoded length, which may
 * include NUL bytes). NULL on allocation failure. */
static char *schema_query_decode(const char *s, size_t n, size_t *len)
{
    char *out = malloc(n + 1);
    size_t o = 0;
    size_t i = 0;
    if (out == NULL)
        return NULL;
    while (i < n)
        out[o++] = schema_query_byte(s, n, &i);
    out[o] = '\0';
    *len = o;
    return out;
}

/*
 * Declared parameters only: others are ignored as FastAPI ignores them. A parameter
 * given more than once takes its last value (Starlette's QueryParams.get() does the
 * same). "limit" and "limit=" are both an empty value: int_parsing, as in FastAPI.
 */
bool schema_parse_query(const struct schema *params, const char *query, long long *out,
                        struct schema_errors *errs)
{
    if (params == NULL)
        return true;
    if (query == NULL)
        query = "";

    bool ok = true;
    for (size_t f = 0; f < params->nfields; f++) {
        const struct field *fd = &params->fields[f];
        const char *value = NULL; /* raw (encoded) value of the last occurrence */
        size_t value_len = 0;

        for (const char *p = query; *p != '\0';) {
            size_t pair_len = strcspn(p, "&");
            size_t name_len = strcspn(p, "=&");
            if (pair_len > 0 && schema_query_name_is(p, name_len, fd->name)) {
                value = name_len < pair_len ? p + name_len + 1 : p + pair_len;
                value_len = name_len < pair_len ? pair_len - name_len - 1 : 0;
            }
            p += pair_len + (p[pair_len] == '&');
        }

        if (value == NULL) {
            out[f] = fd->default_value;
            if (fd->flags & FIELD_REQUIRED) {
                schema_error_null_input(errs, "missing", "query", fd->name, "Field required");
                ok = false;
            }
            continue;
        }
        size_t len = 0;
        char *decoded = schema_query_decode(value, value_len, &len);
        if (decoded == NULL) {
            errs->failed = true;
            return false;
        }
        if (!schema_parse_text(fd, "query", decoded, len, &out[f], errs))
            ok = false;
        free(decoded);
    }
    return ok && !errs->failed;
}

/* ------------------------------------------------------------------------------------
 * JSON bodies
 */

/* What schema_json_scan() learned from the text about one member of the root object. */
struct schema_member {
    bool key_has_nul; /* the key holds \u0000: cJSON's key is cut short */
    bool string_nul;  /* the value is a string holding \u0000 */
    bool is_integer;  /* the value is a number written without fraction or exponent */
    enum schema_int_parse int_parse;
    long long int_value; /* exact, when is_integer and int_parse == SCHEMA_INT_OK */
};

static bool schema_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool schema_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool schema_digit_or_sign(char c)
{
    return schema_digit(c) || c == '-' || c == '+';
}

/* The characters cJSON takes into a number; a '.', 'e' or 'E' makes it a float. */
static bool schema_number_char(char c)
{
    return schema_digit_or_sign(c) || c == '.' || c == 'e' || c == 'E';
}

/* RFC 8259 number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool schema_json_number_ok(const char *s, size_t n)
{
    size_t i = 0;
    size_t start;
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0') {
        i++;
    } else {
        start = i;
        while (i < n && schema_digit(s[i]))
            i++;
        if (i == start)
            return false;
    }
    if (i < n && s[i] == '.') {
        start = ++i;
        while (i < n && schema_digit(s[i]))
            i++;
        if (i == start)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        start = i;
        while (i < n && schema_digit(s[i]))
            i++;
        if (i == start)
            return false;
    }
    return i == n;
}

/*
 * Skips the string starting at text[*i] (the opening quote) and sets *has_nul when it
 * holds a \u0000 escape. Returns NULL, or a reason with its offset in *bad.
 */
static const char *schema_json_string(const char *text, size_t len, size_t *i, bool *has_nul,
                                      size_t *bad)
{
    size_t j = *i + 1;
    *has_nul = false;
    while (j < len) {
        unsigned char b = (unsigned char)text[j];
        if (b == '"') {
            *i = j + 1;
            return NULL;
        }
        if (b == '\\') {
            if (j + 1 < len && text[j + 1] == 'u') {
                if (len - j >= 6 && memcmp(text + j + 2, "0000", 4) == 0)
                    *has_nul = true;
                j += 6;
            } else {
                j += 2;
            }
        } else if (b < 0x20) {
            *bad = j;
            return "Invalid control character in string";
        } else {
            j++;
        }
    }
    *bad = len;
    return "Unterminated string";
}

/*
 * Second, strict look at text cJSON accepted (see the top of the file). Fills
 * members[0..nmembers) for the members of a root object, in order. Returns NULL when
 * the text is acceptable, else the reason with its offset in *bad. Iterative: the
 * depth cJSON allowed costs no stack here.
 */
static const char *schema_json_scan(const char *text, size_t len, struct schema_member *members,
                                    size_t nmembers, size_t *bad)
{
    size_t depth = 0;
    bool root_object = false;
    bool expect_key = false;
    struct schema_member *cur = NULL;
    size_t next = 0;
    size_t i = 0;

    while (i < len) {
        char c = text[i];
        bool top = root_object && depth == 1;
        if (schema_json_space(c)) {
            i++;
        } else if (c == '"') {
            bool nul = false;
            const char *why = schema_json_string(text, len, &i, &nul, bad);
            if (why != NULL)
                return why;
            if (top && expect_key) {
                cur = next < nmembers ? &members[next] : NULL;
                next++;
                if (cur != NULL)
                    cur->key_has_nul = nul;
                expect_key = false;
            } else if (top && cur != NULL) {
                cur->string_nul = nul;
            }
        } else if (c == '-' || schema_digit(c)) {
            size_t n = 0;
            bool integral = true;
            while (i + n < len && schema_number_char(text[i + n])) {
                integral = integral && schema_digit_or_sign(text[i + n]);
                n++;
            }
            if (!schema_json_number_ok(text + i, n)) {
                *bad = i;
                return "Invalid number";
            }
            if (top && cur != NULL && integral) {
                cur->is_integer = true;
                cur->int_parse = schema_parse_int64(text + i, n, &cur->int_value);
            }
            i += n;
        } else if (c == '{' || c == '[') {
            if (depth == 0 && c == '{')
                root_object = true;
            depth++;
            expect_key = root_object && depth == 1 && c == '{';
            i++;
        } else if (c == '}' || c == ']') {
            depth--;
            i++;
        } else if (c == ',') {
            expect_key = root_object && depth == 1;
            i++;
        } else if (c == ':' || (c >= 'a' && c <= 'z')) {
            i++; /* separators and the letters of true/false/null, checked by cJSON */
        } else {
            *bad = i;
            return (unsigned char)c < 0x20 ? "Invalid control character" : "Invalid JSON syntax";
        }
    }
    return NULL;
}

/*
 * Why cJSON refused the text, for ctx.error, and where (*at). cJSON reports only an
 * offset (clamped to the last byte at the end of input), so the reason is inferred
 * from the shape of the text: nesting past CJSON_NESTING_LIMIT, text that stops inside
 * a string or an open bracket, or plain bad syntax.
 */
static const char *schema_json_failure(const char *text, size_t len, size_t err, size_t *at)
{
    size_t depth = 0;
    bool in_string = false;
    bool seen_value = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (!schema_json_space(c))
            seen_value = true;
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > CJSON_NESTING_LIMIT && i <= err) {
                *at = i;
                return "Nesting too deep";
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    if (err + 1 >= len && (in_string || depth > 0 || !seen_value)) {
        *at = len;
        return "Unexpected end of input";
    }
    *at = err;
    return "Invalid JSON syntax";
}

/* json_invalid as FastAPI writes it: loc ["body", offset], input {}, ctx {"error"}. */
static void schema_json_invalid(struct schema_errors *errs, size_t offset, const char *reason)
{
    cJSON *loc = schema_loc("body", NULL);
    cJSON *pos = cJSON_CreateNumber((double)offset);
    cJSON *input = cJSON_CreateObject();
    if (loc == NULL || pos == NULL || input == NULL || !cJSON_AddItemToArray(loc, pos)) {
        errs->failed = true;
        cJSON_Delete(loc);
        cJSON_Delete(pos);
        cJSON_Delete(input);
        return;
    }
    schema_error_ctx(errs, "json_invalid", loc, "JSON decode error", input,
                     schema_ctx_string("error", reason));
    cJSON_Delete(input);
}

/* Declared request field named `name` (FIELD_READONLY ones are response-only). */
static const struct field *schema_request_field(const struct schema *s, const char *name)
{
    for (size_t i = 0; i < s->nfields; i++) {
        if (!(s->fields[i].flags & FIELD_READONLY) && strcmp(s->fields[i].name, name) == 0)
            return &s->fields[i];
    }
    return NULL;
}

/* The last member named `name` (the one that counts) and its index, or NULL. */
static cJSON *schema_member_last(const cJSON *obj, const struct schema_member *m, const char *name,
                                 size_t *index)
{
    cJSON *found = NULL;
    size_t i = 0;
    for (cJSON *c = obj->child; c != NULL; c = c->next, i++) {
        if (!m[i].key_has_nul && strcmp(c->string, name) == 0) {
            found = c;
            *index = i;
        }
    }
    return found;
}

/*
 * The email rule of SPEC §5, deliberately simple: exactly one '@', something before
 * it, a domain of dot-separated non-empty labels, no spaces or control characters,
 * at most `max` characters. Returns NULL when acceptable, else a short reason.
 */
static const char *schema_email_problem(const char *s, long long chars, long long max)
{
    const char *at = strchr(s, '@');
    if (chars > max)
        return "the address is too long";
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p <= 0x20 || *p == 0x7f)
            return "spaces and control characters are not allowed";
    }
    if (at == NULL || strchr(at + 1, '@') != NULL)
        return "an address has exactly one @";
    if (at == s)
        return "there is nothing before the @";
    const char *domain = at + 1;
    if (*domain == '\0')
        return "there is nothing after the @";
    if (strchr(domain, '.') == NULL)
        return "the domain needs a dot";
    if (*domain == '.' || domain[strlen(domain) - 1] == '.' || strstr(domain, "..") != NULL)
        return "the domain has an empty part";
    return NULL;
}

/* True when s holds U+0001-U+001F or U+007F (NUL is caught before), tab, LF and CR
 * excepted when multiline (SPEC §12). UTF-8 continuation bytes are all >= 0x80. */
static bool schema_has_control(const char *s, bool multiline)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == 0x7f || (*p < 0x20 && !(multiline && (*p == '\t' || *p == '\n' || *p == '\r'))))
            return true;
    }
    return false;
}

static void schema_check_string(const struct field *f, const cJSON *v, const cJSON *shown,
                                const struct schema_member *m, struct schema_errors *errs)
{
    char msg[SCHEMA_MSG_BUF];
    if (m->string_nul) {
        schema_error_add(errs, "value_error", "body", f->name, SCHEMA_MSG_NUL, shown);
        return;
    }
    /* An email's own check names control characters among its reasons. */
    if (f->type != FIELD_EMAIL &&
        schema_has_control(v->valuestring, (f->flags & FIELD_MULTILINE) != 0)) {
        schema_error_add(errs, "value_error", "body", f->name, SCHEMA_MSG_CONTROL, shown);
        return;
    }
    /* The body was checked as UTF-8 and cJSON only decodes escapes to valid UTF-8. */
    long long chars = schema_utf8_length(v->valuestring, strlen(v->valuestring));
    if (f->type == FIELD_EMAIL) {
        long long max = f->max != SCHEMA_NO_MAX ? f->max : SCHEMA_EMAIL_MAX;
        const char *why = schema_email_problem(v->valuestring, chars, max);
        if (why != NULL) {
            snprintf(msg, sizeof msg, "value is not a valid email address: %s", why);
            schema_error_ctx(errs, "value_error", schema_loc("body", f->name), msg, shown,
                             schema_ctx_string("reason", why));
        }
        return;
    }
    if (f->min != SCHEMA_NO_MIN && chars < f->min) {
        snprintf(msg, sizeof msg, "String should have at least %lld character%s", f->min,
                 f->min == 1 ? "" : "s");
        schema_error_ctx(errs, "string_too_short", schema_loc("body", f->name), msg, shown,
                         schema_ctx_number("min_length", (double)f->min));
    } else if (f->max != SCHEMA_NO_MAX && chars > f->max) {
        snprintf(msg, sizeof msg, "String should have at most %lld character%s", f->max,
                 f->max == 1 ? "" : "s");
        schema_error_ctx(errs, "string_too_long", schema_loc("body", f->name), msg, shown,
                         schema_ctx_number("max_length", (double)f->max));
    }
}

/* One declared field present in the body; strict types as SPEC §4 asks. */
static void schema_check_field(const struct field *f, const cJSON *v, const struct schema_member *m,
                               struct schema_errors *errs)
{
    const cJSON *shown = (f->flags & FIELD_SECRET) ? NULL : v; /* never echo a secret */
    bool right_type = false;

    if (cJSON_IsNull(v) && (f->flags & FIELD_NULLABLE))
        return;
    switch (f->type) {
    case FIELD_STRING:
    case FIELD_EMAIL:
        right_type = cJSON_IsString(v) && v->valuestring != NULL;
        break;
    case FIELD_INT:
        right_type = cJSON_IsNumber(v) && m->is_integer;
        break;
    case FIELD_BOOL:
        right_type = cJSON_IsBool(v);
        break;
    }
    if (!right_type) {
        schema_error_add(errs, schema_type_errors[f->type].type, "body", f->name,
                         schema_type_errors[f->type].msg, shown);
        return;
    }
    if (f->type == FIELD_STRING || f->type == FIELD_EMAIL) {
        schema_check_string(f, v, shown, m, errs);
    } else if (f->type == FIELD_INT) {
        if (m->int_parse != SCHEMA_INT_OK)
            schema_error_add(errs, "int_parsing", "body", f->name, SCHEMA_MSG_INT_RANGE, shown);
        else
            schema_check_bounds(f, m->int_value, "body", shown, errs);
    }
}

/* Validates the root object's members against s (all problems, pydantic's order). */
static void schema_check_object(const struct schema *s, const cJSON *obj,
                                const struct schema_member *m, struct schema_errors *errs)
{
    /* "missing" echoes the whole object, unless that would show a secret. */
    bool holds_secret = false;
    size_t idx = 0;
    for (size_t i = 0; i < s->nfields; i++) {
        const struct field *f = &s->fields[i];
        if ((f->flags & FIELD_SECRET) && schema_member_last(obj, m, f->name, &idx) != NULL)
            holds_secret = true;
    }

    for (size_t i = 0; i < s->nfields; i++) {
        const struct field *f = &s->fields[i];
        if (f->flags & FIELD_READONLY)
            continue;
        const cJSON *v = schema_member_last(obj, m, f->name, &idx);
        if (v != NULL)
            schema_check_field(f, v, &m[idx], errs);
        else if (f->flags & FIELD_REQUIRED)
            schema_error_add(errs, "missing", "body", f->name, "Field required",
                             holds_secret ? NULL : obj);
    }

    idx = 0;
    for (const cJSON *c = obj->child; c != NULL; c = c->next, idx++) {
        if (m[idx].key_has_nul) {
            /* cJSON cut the key at its \u0000: name it as cut (U+FFFD, "…"), so that
             * "password\u0000x" never reads as the declared "password". */
            char *key = malloc(strlen(c->string) + sizeof "\xef\xbf\xbd\u2026");
            if (key == NULL) {
                errs->failed = true;
                continue;
            }
            strcpy(key, c->string);
            strcat(key, "\xef\xbf\xbd\u2026");
            schema_error_add(errs, "extra_forbidden", "body", key, "Extra inputs are not permitted",
                             c);
            free(key);
        } else if (schema_request_field(s, c->string) == NULL) {
            schema_error_add(errs, "extra_forbidden", "body", c->string,
                             "Extra inputs are not permitted", c);
        }
    }
}

/* Removes every declared member that a later one with the same key overrides (a valid
 * object holds declared keys only). */
static void schema_drop_duplicates(const struct schema *s, cJSON *obj)
{
    for (size_t i = 0; i < s->nfields; i++) {
        const char *name = s->fields[i].name;
        const cJSON *last = NULL;
        for (const cJSON *c = obj->child; c != NULL; c = c->next) {
            if (strcmp(c->string, name) == 0)
                last = c;
        }
        for (cJSON *c = obj->child; c != NULL && c != last;) {
            cJSON *next = c->next;
            if (strcmp(c->string, name) == 0)
                cJSON_Delete(cJSON_DetachItemViaPointer(obj, c));
            c = next;
        }
    }
}

cJSON *schema_validate_body(const struct schema *s, const char *body, size_t len,
                            struct schema_errors *errs)
{
    if (body == NULL || len == 0) {
        schema_error_null_input(errs, "missing", "body", NULL, "Field required");
        return NULL;
    }

    size_t bad = schema_utf8_invalid_at(body, len);
    if (bad < len) {
        schema_json_invalid(errs, bad, "Invalid UTF-8");
        return NULL;
    }

    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    if (root == NULL) {
        size_t err = end != NULL && end >= body ? (size_t)(end - body) : 0;
        const char *why = schema_json_failure(body, len, err, &bad);
        schema_json_invalid(errs, bad, why);
        return NULL;
    }
    size_t used = (size_t)(end - body);
    size_t rest = used;
    while (rest < len && schema_json_space(body[rest]))
        rest++;
    if (rest < len) {
        schema_json_invalid(errs, rest, "Extra data");
        cJSON_Delete(root);
        return NULL;
    }

    size_t nmembers = cJSON_IsObject(root) ? (size_t)cJSON_GetArraySize(root) : 0;
    struct schema_member *members = calloc(nmembers > 0 ? nmembers : 1, sizeof *members);
    if (members == NULL) {
        errs->failed = true;
        cJSON_Delete(root);
        return NULL;
    }
    const char *why = schema_json_scan(body, used, members, nmembers, &bad);
    if (why != NULL) {
        schema_json_invalid(errs, bad, why);
    } else if (!cJSON_IsObject(root)) {
        char msg[SCHEMA_MSG_BUF];
        snprintf(msg, sizeof msg, "Input should be a valid dictionary or instance of %s", s->name);
        schema_error_add(errs, "model_type", "body", NULL, msg, root);
    } else if (nmembers > SCHEMA_MEMBERS_MAX) {
        schema_error_add(errs, "value_error", "body", NULL, SCHEMA_MSG_MEMBERS, NULL);
    } else {
        size_t before = errs->detail != NULL ? (size_t)cJSON_GetArraySize(errs->detail) : 0;
        schema_check_object(s, root, members, errs);
        size_t after = errs->detail != NULL ? (size_t)cJSON_GetArraySize(errs->detail) : 0;
        if (after == before && !errs->failed) {
            schema_drop_duplicates(s, root);
            free(members);
            return root;
        }
    }
    free(members);
    cJSON_Delete(root);
    return NULL;
}

/* ------------------------------------------------------------------------------------
 * Getters for validated bodies
 */

bool schema_has(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name) != NULL;
}

const char *schema_get_string(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool schema_get_bool(const cJSON *obj, const char *name, bool fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : fallback;
}

/* cJSON keeps numbers as doubles: exact up to 2^53 in magnitude, the nearest double
 * beyond (validation itself is exact, from the text). Clamped to int64. */
long long schema_get_int(const cJSON *obj, const char *name, long long fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsNumber(v))
        return fallback;
    if (v->valuedouble >= 9223372036854775807.0)
        return LLONG_MAX;
    if (v->valuedouble <= -9223372036854775808.0)
        return LLONG_MIN;
    return (long long)v->valuedouble;
}
