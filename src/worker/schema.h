/*
 * schema.h — static schema descriptors: the pydantic models of this service.
 *
 * A schema is a static table of fields. One declaration validates request bodies
 * (every problem reported at once, in FastAPI's 422 format), validates query and path
 * parameters, and feeds the OpenAPI document. Change a rule here and both follow.
 *
 * 422 body: {"detail":[{"type","loc","msg","input"}...]} with the types of SPEC §4.
 * `input` is left out wherever it would contain a FIELD_SECRET value.
 */
#ifndef WORKER_SCHEMA_H
#define WORKER_SCHEMA_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

enum field_type {
    FIELD_STRING, /* JSON string; min/max = length in Unicode code points */
    FIELD_EMAIL,  /* JSON string holding an address: local@domain, dot in domain, <= max */
    FIELD_INT,    /* JSON integer within int64; min/max = value bounds */
    FIELD_BOOL,   /* JSON true/false only */
};

enum field_flags {
    FIELD_REQUIRED = 1 << 0,  /* missing -> "missing" */
    FIELD_NULLABLE = 1 << 1,  /* JSON null accepted */
    FIELD_SECRET = 1 << 2,    /* never echoed in `input`, never in responses or logs */
    FIELD_READONLY = 1 << 3,  /* response-only (e.g. id): rejected in request bodies */
    FIELD_MULTILINE = 1 << 4, /* a string that may hold tab, LF and CR; other control
                                 characters (U+0000-U+001F, U+007F) are refused in every
                                 string field (SPEC §12) */
};

struct field {
    const char *name;
    enum field_type type;
    unsigned flags;
    long long min, max;      /* see field_type; use SCHEMA_NO_MIN/MAX for none */
    long long default_value; /* for query parameters of type int/bool */
    const char *description; /* one line, for OpenAPI */
    const char *format;      /* OpenAPI format hint ("email", "password", "int64") or NULL */
};

#define SCHEMA_NO_MIN LLONG_MIN
#define SCHEMA_NO_MAX LLONG_MAX

/*
 * Shorthands for field tables, one line per field: `flags` may be 0, `desc` NULL, and
 * lo/hi SCHEMA_NO_MIN/SCHEMA_NO_MAX. A field with a default (a query parameter) or
 * another format hint is written out in full.
 */
#define SCHEMA_STRING(n, fl, lo, hi, desc)                                                         \
    {                                                                                              \
        .name = (n), .type = FIELD_STRING, .flags = (fl), .min = (lo), .max = (hi),                \
        .description = (desc)                                                                      \
    }
#define SCHEMA_EMAIL(n, fl, hi, desc)                                                              \
    {                                                                                              \
        .name = (n), .type = FIELD_EMAIL, .flags = (fl), .min = SCHEMA_NO_MIN, .max = (hi),        \
        .description = (desc), .format = "email"                                                   \
    }
#define SCHEMA_INT(n, fl, lo, hi, desc)                                                            \
    {                                                                                              \
        .name = (n), .type = FIELD_INT, .flags = (fl), .min = (lo), .max = (hi),                   \
        .description = (desc)                                                                      \
    }
#define SCHEMA_BOOL(n, fl, desc)                                                                   \
    {                                                                                              \
        .name = (n), .type = FIELD_BOOL, .flags = (fl), .min = SCHEMA_NO_MIN,                      \
        .max = SCHEMA_NO_MAX, .description = (desc)                                                \
    }
/* A row id: int64 >= 1 (BIGSERIAL). */
#define SCHEMA_ID(n, fl)                                                                           \
    {                                                                                              \
        .name = (n), .type = FIELD_INT, .flags = (fl), .min = 1, .max = SCHEMA_NO_MAX,             \
        .format = "int64"                                                                          \
    }

struct schema {
    const char *name; /* "UserCreate" — the OpenAPI component name */
    const struct field *fields;
    size_t nfields;
    const struct schema *items_of; /* for nested arrays in response models (User.items) */
    const char *items_field;       /* name of the nested array field, e.g. "items" */
};

/* Collected validation problems, rendered as the 422 "detail" array. */
/*
 * Bounds of a 422 answer (SPEC §12), so no request can make the worker build or send a
 * large one: at most SCHEMA_ERRORS_MAX problems (the first ones), an echoed `input` or a
 * key in `loc` longer than SCHEMA_ECHO_MAX characters becomes a string of its first
 * SCHEMA_ECHO_MAX characters and "…", and entries stop before the body passes
 * SCHEMA_ERRORS_BYTES (each entry's JSON is measured as it is added).
 */
#define SCHEMA_ERRORS_MAX   20
#define SCHEMA_ECHO_MAX     200
#define SCHEMA_ERRORS_BYTES 16384
/* A body object with more members than this is one error, not one per member. */
#define SCHEMA_MEMBERS_MAX 64

/* Collected validation problems, rendered as the 422 "detail" array. Start from {0}. */
struct schema_errors {
    cJSON *detail; /* JSON array; NULL while empty (non-NULL: the request is invalid) */
    bool failed;   /* an allocation failed: answer 500, never a partial 422 */
    size_t count;  /* entries in detail */
    size_t bytes;  /* their JSON text, commas included */
};

/*
 * Parses and validates a JSON body against `s`. loc entries start with "body".
 * Returns the parsed object (caller owns) when valid; otherwise NULL with every
 * problem appended to errs (json_invalid, model_type, missing, extra_forbidden,
 * *_type, string_too_short/long, greater_than_equal/less_than_equal, value_error).
 * An empty body (NULL or len 0) is "missing" with loc ["body"] and input null. A key
 * given twice counts with its last value (as Python's json); the object returned
 * holds that one only. json_invalid's loc offset is a byte offset (Python counts
 * characters); on cJSON syntax errors it is cJSON's position, which may be a byte
 * past the one Python would name.
 */
cJSON *schema_validate_body(const struct schema *s, const char *body, size_t len,
                            struct schema_errors *errs);

/*
 * Parses a raw query string ("skip=0&limit=10", percent-decoded) against the declared
 * parameters (loc "query"), writing each value (or its default) into out[i] in
 * declaration order. Unknown parameters are ignored, as FastAPI does. Returns true
 * when valid; otherwise false with problems appended to errs.
 * Form decoding: '+' is a space, %XX a byte. A repeated parameter takes its last value
 * (Starlette's QueryParams.get()). "limit=" or a bare "limit" is an empty value, so
 * int_parsing, not the default. Ints are [+-]?digits within int64 (int_parsing
 * otherwise); bools are 1/0 true/false t/f yes/no y/n on/off in any case (bool_parsing,
 * pydantic's type, otherwise). Only FIELD_INT and FIELD_BOOL are allowed here.
 */
bool schema_parse_query(const struct schema *params, const char *query, long long *out,
                        struct schema_errors *errs);

/* Validates one path segment as the declared int field (loc "path"): not an integer or
 * beyond int64 -> int_parsing, outside min/max -> greater_than_equal/less_than_equal,
 * with the segment as `input`. */
bool schema_parse_path_int(const struct field *f, const char *segment, long long *out,
                           struct schema_errors *errs);

/* Appends one problem; `input` is copied (may be NULL to omit it). */
void schema_error_add(struct schema_errors *errs, const char *type, const char *loc0,
                      const char *loc1, const char *msg, const cJSON *input);

/* Moves the collected problems into a 422 response body {"detail":[...]} (caller owns). */
cJSON *schema_errors_take_body(struct schema_errors *errs);
void schema_errors_free(struct schema_errors *errs);

/* Code-point length of valid UTF-8, or -1 when s is not valid UTF-8 (or holds a NUL
 * before len). */
long long schema_utf8_length(const char *s, size_t len);

/* Typed getters for a validated body; NULL / fallback when the field is absent.
 * schema_has() tells absent from null for optional nullable fields (PATCH). */
bool schema_has(const cJSON *obj, const char *name);
const char *schema_get_string(const cJSON *obj, const char *name); /* NULL if absent or null */
bool schema_get_bool(const cJSON *obj, const char *name, bool fallback);
/* Validation of FIELD_INT is exact over int64 (from the JSON text), but cJSON keeps
 * numbers as doubles: above 2^53 in magnitude this returns the nearest double's value. */
long long schema_get_int(const cJSON *obj, const char *name, long long fallback);

#endif
