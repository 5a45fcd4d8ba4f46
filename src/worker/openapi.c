/*
 * openapi.c — the OpenAPI 3.1.0 document of a route table, from struct route and the
 * schema descriptors only (openapi.h says what is derived and how).
 *
 * The document is built straight-line: every helper takes the builder, does nothing
 * once something has failed and records the first failure, so one check at the end
 * covers every cJSON allocation. Integers are written as raw JSON text, exact over the
 * whole int64 range (cJSON numbers are doubles).
 */
#include "worker/openapi.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define OPENAPI_VERSION  "3.1.0"
#define OPENAPI_NAME_MAX 128 /* component, property and operation names */
#define OPENAPI_MAX_ERRS 24  /* documented error statuses of one route */

struct openapi_builder {
    bool failed;
    char problem[200]; /* the first failure, for the log */
};

/* A schema the table uses, and whether some route takes it as its request body. */
struct openapi_component {
    const struct schema *schema;
    bool request;
};

struct openapi_components {
    struct openapi_component *items;
    size_t count;
    size_t cap;
};

/* Component names of the error bodies; a descriptor may not use them. */
#define OPENAPI_HTTP_ERROR       "HTTPError"
#define OPENAPI_VALIDATION_ERROR "ValidationError"
#define OPENAPI_HTTP_VALIDATION  "HTTPValidationError"

/*
 * Statuses the router and the runtime produce by themselves, with the body each carries.
 * Any other error status a route declares is described by its reason phrase and has
 * the plain {"detail": "..."} body.
 */
static const struct openapi_status {
    int status;
    const char *description;
    const char *body; /* component of the body */
    bool retry_after; /* the response carries Retry-After */
} openapi_statuses[] = {
    {413, "Content Too Large: the body is larger than the service accepts", OPENAPI_HTTP_ERROR,
     false},
    {415, "Unsupported Media Type: the body is not JSON (application/json)", OPENAPI_HTTP_ERROR,
     false},
    {422, "Validation Error: every problem of the path, query and body at once",
     OPENAPI_HTTP_VALIDATION, false},
    {500, "Internal Server Error: the details are in the service's log, under the request id",
     OPENAPI_HTTP_ERROR, false},
    {503, "Service Unavailable: the database cannot be used now; retry after Retry-After seconds",
     OPENAPI_HTTP_ERROR, true},
};

/* JSON Schema type of each field type (schema.h). */
static const char *const openapi_json_types[] = {
    [FIELD_STRING] = "string",
    [FIELD_EMAIL] = "string",
    [FIELD_INT] = "integer",
    [FIELD_BOOL] = "boolean",
};

/* ------------------------------------------------------------------------------------
 * Building blocks: each does nothing once the builder has failed, and records the first
 * failure. A NULL parent means an earlier step failed.
 */

__attribute__((format(printf, 2, 3))) static void openapi_fail(struct openapi_builder *b,
                                                               const char *fmt, ...);

static void openapi_fail(struct openapi_builder *b, const char *fmt, ...)
{
    va_list ap;

    if (b->failed)
        return;
    b->failed = true;
    va_start(ap, fmt);
    vsnprintf(b->problem, sizeof b->problem, fmt, ap);
    va_end(ap);
}

/* Returns item; a NULL item (failed allocation, or failed parent) fails the builder. */
static cJSON *openapi_check(struct openapi_builder *b, cJSON *item)
{
    if (item == NULL)
        openapi_fail(b, "out of memory");
    return item;
}

static cJSON *openapi_object(struct openapi_builder *b, cJSON *parent, const char *key)
{
    return openapi_check(b, b->failed ? NULL : cJSON_AddObjectToObject(parent, key));
}

static cJSON *openapi_array(struct openapi_builder *b, cJSON *parent, const char *key)
{
    return openapi_check(b, b->failed ? NULL : cJSON_AddArrayToObject(parent, key));
}

static void openapi_string(struct openapi_builder *b, cJSON *obj, const char *key,
                           const char *value)
{
    openapi_check(b, b->failed ? NULL : cJSON_AddStringToObject(obj, key, value));
}

static void openapi_bool(struct openapi_builder *b, cJSON *obj, const char *key, bool value)
{
    openapi_check(b, b->failed ? NULL : cJSON_AddBoolToObject(obj, key, value));
}

static void openapi_int(struct openapi_builder *b, cJSON *obj, const char *key, long long value)
{
    char text[32];

    snprintf(text, sizeof text, "%lld", value);
    openapi_check(b, b->failed ? NULL : cJSON_AddRawToObject(obj, key, text));
}

/* Appends an item created by the caller (taken, also on failure). */
static cJSON *openapi_append(struct openapi_builder *b, cJSON *array, cJSON *item)
{
    if (openapi_check(b, item) == NULL || b->failed)
        goto fail;
    if (!cJSON_AddItemToArray(array, item)) {
        openapi_fail(b, "out of memory");
        goto fail;
    }
    return item;
fail:
    cJSON_Delete(item);
    return NULL;
}

static cJSON *openapi_append_object(struct openapi_builder *b, cJSON *array)
{
    return openapi_append(b, array, b->failed ? NULL : cJSON_CreateObject());
}

static void openapi_append_string(struct openapi_builder *b, cJSON *array, const char *value)
{
    openapi_append(b, array, b->failed ? NULL : cJSON_CreateString(value));
}

/* "$ref": "#/components/<kind>/<name>". */
static void openapi_ref(struct openapi_builder *b, cJSON *obj, const char *kind, const char *name)
{
    char ref[OPENAPI_NAME_MAX + 32];
    int n = snprintf(ref, sizeof ref, "#/components/%s/%s", kind, name);

    if (n < 0 || (size_t)n >= sizeof ref) {
        openapi_fail(b, "name too long: %s", name);
        return;
    }
    openapi_string(b, obj, "$ref", ref);
}

/* pydantic's title of a field: "user_id" -> "User Id". */
static void openapi_title(struct openapi_builder *b, cJSON *obj, const char *name)
{
    char title[OPENAPI_NAME_MAX];
    bool word_start = true;
    size_t i;

    for (i = 0; i < sizeof title - 1 && name[i] != '\0'; i++) {
        unsigned char c = (unsigned char)name[i];
        title[i] = (char)(c == '_' ? ' ' : word_start ? toupper(c) : c);
        word_start = c == '_';
    }
    title[i] = '\0';
    openapi_string(b, obj, "title", title);
}

/* ------------------------------------------------------------------------------------
 * Fields
 */

/* The declared format, else the one the field type and flags imply (openapi.h). */
static const char *openapi_format(const struct field *f)
{
    if (f->format != NULL)
        return f->format;
    if (f->flags & FIELD_SECRET)
        return "password";
    if (f->type == FIELD_EMAIL)
        return "email";
    if (f->type == FIELD_INT)
        return "int64";
    return NULL;
}

/*
 * Fills s with the JSON Schema of a field's value: type (with "null" when nullable),
 * format, the bounds the validator enforces (lengths in code points, as JSON Schema
 * counts them too), title, readOnly/writeOnly. The description is the caller's: a
 * parameter carries it outside its schema.
 */
static void openapi_field_schema(struct openapi_builder *b, cJSON *s, const struct field *f)
{
    const char *format = openapi_format(f);

    if ((size_t)f->type >= sizeof openapi_json_types / sizeof openapi_json_types[0] ||
        openapi_json_types[f->type] == NULL) {
        openapi_fail(b, "field %s: unknown field type %d", f->name, (int)f->type);
        return;
    }
    if (f->flags & FIELD_NULLABLE) {
        cJSON *types = openapi_array(b, s, "type");
        openapi_append_string(b, types, openapi_json_types[f->type]);
        openapi_append_string(b, types, "null");
    } else {
        openapi_string(b, s, "type", openapi_json_types[f->type]);
    }
    if (format != NULL)
        openapi_string(b, s, "format", format);
    if (f->type == FIELD_STRING || f->type == FIELD_EMAIL) {
        if (f->min != SCHEMA_NO_MIN && f->min > 0)
            openapi_int(b, s, "minLength", f->min);
        if (f->max != SCHEMA_NO_MAX)
            openapi_int(b, s, "maxLength", f->max);
    } else if (f->type == FIELD_INT) {
        if (f->min != SCHEMA_NO_MIN)
            openapi_int(b, s, "minimum", f->min);
        if (f->max != SCHEMA_NO_MAX)
            openapi_int(b, s, "maximum", f->max);
    }
    openapi_title(b, s, f->name);
    if (f->flags & FIELD_READONLY)
        openapi_bool(b, s, "readOnly", true);
    if (f->flags & FIELD_SECRET)
        openapi_bool(b, s, "writeOnly", true);
}

/* ------------------------------------------------------------------------------------
 * Components
 */

/* Component names must match ^[a-zA-Z0-9._-]+$ (OpenAPI 3.1 §4.8.7.1). */
static bool openapi_valid_name(const char *name)
{
    size_t n = name != NULL ? strlen(name) : 0;

    if (n == 0 || n >= OPENAPI_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && c != '.' && c != '-' && c != '_')
            return false;
    }
    return true;
}

/* Adds s and the schemas nested in it (response models) once each. */
static void openapi_collect(struct openapi_builder *b, struct openapi_components *cs,
                            const struct schema *s, bool request)
{
    for (; s != NULL && !b->failed; s = s->items_of, request = false) {
        size_t i;
        for (i = 0; i < cs->count && cs->items[i].schema != s; i++)
            ;
        if (i < cs->count) {
            cs->items[i].request = cs->items[i].request || request;
            return; /* its nested schemas are in already */
        }
        if (!openapi_valid_name(s->name)) {
            openapi_fail(b, "schema name \"%s\" is not a valid component name",
                         s->name != NULL ? s->name : "(null)");
            return;
        }
        if (s->items_of != NULL && !openapi_valid_name(s->items_field)) {
            openapi_fail(b, "schema %s: items_of without a valid items_field", s->name);
            return;
        }
        if (cs->count == cs->cap) {
            size_t cap = cs->cap > 0 ? cs->cap * 2 : 16;
            struct openapi_component *grown = realloc(cs->items, cap * sizeof *grown);
            if (grown == NULL) {
                openapi_fail(b, "out of memory");
                return;
            }
            cs->items = grown;
            cs->cap = cap;
        }
        cs->items[cs->count++] = (struct openapi_component){s, request};
    }
}

static int openapi_component_cmp(const void *a, const void *b)
{
    return strcmp(((const struct openapi_component *)a)->schema->name,
                  ((const struct openapi_component *)b)->schema->name);
}

/* Sorts by name (the document is stable) and refuses names used twice. */
static void openapi_components_check(struct openapi_builder *b, struct openapi_components *cs)
{
    static const char *const reserved[] = {OPENAPI_HTTP_ERROR, OPENAPI_VALIDATION_ERROR,
                                           OPENAPI_HTTP_VALIDATION};

    if (cs->count > 1)
        qsort(cs->items, cs->count, sizeof cs->items[0], openapi_component_cmp);
    for (size_t i = 0; i < cs->count; i++) {
        const char *name = cs->items[i].schema->name;
        if (i > 0 && strcmp(name, cs->items[i - 1].schema->name) == 0)
            openapi_fail(b, "two different schemas are named %s", name);
        for (size_t k = 0; k < sizeof reserved / sizeof reserved[0]; k++) {
            if (strcmp(name, reserved[k]) == 0)
                openapi_fail(b, "schema name %s is reserved for the error bodies", name);
        }
    }
}

/* One descriptor as an object schema; request models refuse unknown properties. */
static void openapi_component_schema(struct openapi_builder *b, cJSON *schemas,
                                     const struct openapi_component *c)
{
    const struct schema *s = c->schema;
    cJSON *obj = openapi_object(b, schemas, s->name);
    cJSON *props;
    cJSON *required;

    openapi_string(b, obj, "type", "object");
    openapi_string(b, obj, "title", s->name);
    props = openapi_object(b, obj, "properties");
    required = openapi_array(b, obj, "required");
    for (size_t i = 0; i < s->nfields && !b->failed; i++) {
        const struct field *f = &s->fields[i];
        cJSON *prop = openapi_object(b, props, f->name);
        openapi_field_schema(b, prop, f);
        if (f->description != NULL)
            openapi_string(b, prop, "description", f->description);
        if (f->flags & FIELD_REQUIRED)
            openapi_append_string(b, required, f->name);
    }
    if (s->items_of != NULL) {
        /* Response models only (schema.h): always present, possibly empty. */
        cJSON *list = openapi_object(b, props, s->items_field);
        openapi_string(b, list, "type", "array");
        openapi_ref(b, openapi_object(b, list, "items"), "schemas", s->items_of->name);
        openapi_title(b, list, s->items_field);
        openapi_append_string(b, required, s->items_field);
    }
    if (!b->failed && cJSON_GetArraySize(required) == 0)
        cJSON_DeleteItemFromObjectCaseSensitive(obj, "required");
    if (c->request)
        openapi_bool(b, obj, "additionalProperties", false);
}

/* {"detail": "..."}, {"detail": [ValidationError]} and ValidationError, as FastAPI has them
 * (plus our HTTPError, which FastAPI leaves undocumented). */
static void openapi_error_schemas(struct openapi_builder *b, cJSON *schemas)
{
    cJSON *s = openapi_object(b, schemas, OPENAPI_HTTP_ERROR);
    openapi_string(b, s, "type", "object");
    openapi_string(b, s, "title", OPENAPI_HTTP_ERROR);
    cJSON *detail = openapi_object(b, openapi_object(b, s, "properties"), "detail");
    openapi_string(b, detail, "type", "string");
    openapi_string(b, detail, "title", "Detail");
    openapi_append_string(b, openapi_array(b, s, "required"), "detail");

    s = openapi_object(b, schemas, OPENAPI_HTTP_VALIDATION);
    openapi_string(b, s, "type", "object");
    openapi_string(b, s, "title", OPENAPI_HTTP_VALIDATION);
    detail = openapi_object(b, openapi_object(b, s, "properties"), "detail");
    openapi_string(b, detail, "type", "array");
    openapi_ref(b, openapi_object(b, detail, "items"), "schemas", OPENAPI_VALIDATION_ERROR);
    openapi_string(b, detail, "title", "Detail");

    s = openapi_object(b, schemas, OPENAPI_VALIDATION_ERROR);
    openapi_string(b, s, "type", "object");
    openapi_string(b, s, "title", OPENAPI_VALIDATION_ERROR);
    cJSON *props = openapi_object(b, s, "properties");
    cJSON *loc = openapi_object(b, props, "loc");
    openapi_string(b, loc, "type", "array");
    cJSON *any = openapi_array(b, openapi_object(b, loc, "items"), "anyOf");
    openapi_string(b, openapi_append_object(b, any), "type", "string");
    openapi_string(b, openapi_append_object(b, any), "type", "integer");
    openapi_string(b, loc, "title", "Location");
    cJSON *p = openapi_object(b, props, "msg");
    openapi_string(b, p, "type", "string");
    openapi_string(b, p, "title", "Message");
    p = openapi_object(b, props, "type");
    openapi_string(b, p, "type", "string");
    openapi_string(b, p, "title", "Error Type");
    p = openapi_object(b, props, "input");
    openapi_string(b, p, "title", "Input");
    openapi_string(b, p, "description", "The offending value; never a password");
    p = openapi_object(b, props, "ctx");
    openapi_string(b, p, "type", "object");
    openapi_string(b, p, "title", "Context");
    cJSON *required = openapi_array(b, s, "required");
    openapi_append_string(b, required, "loc");
    openapi_append_string(b, required, "msg");
    openapi_append_string(b, required, "type");
}

static void openapi_headers(struct openapi_builder *b, cJSON *components)
{
    cJSON *headers = openapi_object(b, components, "headers");
    cJSON *h = openapi_object(b, headers, "X-Request-Id");
    openapi_string(b, h, "description", "The request's id, under which the service logs it");
    openapi_string(b, openapi_object(b, h, "schema"), "type", "string");
    h = openapi_object(b, headers, "Retry-After");
    openapi_string(b, h, "description", "Seconds to wait before trying again");
    openapi_string(b, openapi_object(b, h, "schema"), "type", "integer");
}

/* ------------------------------------------------------------------------------------
 * Operations
 */

/* "get" + "/users/{user_id}/items/" -> "get_users_user_id_items". */
static void openapi_operation_id(struct openapi_builder *b, cJSON *op, const struct route *r)
{
    char id[OPENAPI_NAME_MAX];
    size_t n = 0;
    bool separate = true;

    for (const char *m = r->method; *m != '\0' && n < sizeof id - 1; m++)
        id[n++] = (char)tolower((unsigned char)*m);
    for (const char *p = r->pattern; *p != '\0' && n < sizeof id - 2; p++) {
        if (!isalnum((unsigned char)*p)) {
            separate = true;
            continue;
        }
        if (separate)
            id[n++] = '_';
        id[n++] = *p;
        separate = false;
    }
    id[n] = '\0';
    openapi_string(b, op, "operationId", id);
}

/* Returns the "schema" object inside "content": {"application/json": {...}}. */
static cJSON *openapi_json_content(struct openapi_builder *b, cJSON *parent)
{
    cJSON *media = openapi_object(b, openapi_object(b, parent, "content"), "application/json");
    return openapi_object(b, media, "schema");
}

static void openapi_parameter(struct openapi_builder *b, cJSON *params, const struct field *f,
                              const char *in)
{
    bool required = strcmp(in, "path") == 0 || (f->flags & FIELD_REQUIRED);
    cJSON *p = openapi_append_object(b, params);
    cJSON *s;

    openapi_string(b, p, "name", f->name);
    openapi_string(b, p, "in", in);
    openapi_bool(b, p, "required", required);
    if (f->description != NULL)
        openapi_string(b, p, "description", f->description);
    s = openapi_object(b, p, "schema");
    openapi_field_schema(b, s, f);
    if (!required && f->type == FIELD_INT)
        openapi_int(b, s, "default", f->default_value);
    else if (!required && f->type == FIELD_BOOL)
        openapi_bool(b, s, "default", f->default_value != 0);
}

static void openapi_parameters(struct openapi_builder *b, cJSON *op, const struct route *r)
{
    size_t npath = 0;
    size_t nquery = r->query != NULL ? r->query->nfields : 0;

    for (const char *p = strchr(r->pattern, '{'); p != NULL; p = strchr(p + 1, '{'))
        npath++;
    if (npath + nquery == 0)
        return;
    cJSON *params = openapi_array(b, op, "parameters");
    for (size_t i = 0; i < npath; i++)
        openapi_parameter(b, params, &r->path_params[i], "path");
    for (size_t i = 0; i < nquery; i++)
        openapi_parameter(b, params, &r->query->fields[i], "query");
}

static const struct openapi_status *openapi_status_info(int status)
{
    for (size_t i = 0; i < sizeof openapi_statuses / sizeof openapi_statuses[0]; i++) {
        if (openapi_statuses[i].status == status)
            return &openapi_statuses[i];
    }
    return NULL;
}

/* Adds status to the sorted set errs (of *n), once. */
static void openapi_add_status(struct openapi_builder *b, int *errs, size_t *n, int status)
{
    size_t i = 0;

    while (i < *n && errs[i] < status)
        i++;
    if (i < *n && errs[i] == status)
        return;
    if (*n == OPENAPI_MAX_ERRS) {
        openapi_fail(b, "more than %d error statuses on one route", OPENAPI_MAX_ERRS);
        return;
    }
    memmove(&errs[i + 1], &errs[i], (*n - i) * sizeof errs[0]);
    errs[i] = status;
    (*n)++;
}

/* The route's error statuses: declared ones plus those the router and runtime give it. */
static size_t openapi_error_statuses(struct openapi_builder *b, const struct route *r, int *errs)
{
    size_t n = 0;

    for (const int *e = r->error_statuses; e != NULL && *e != 0; e++) {
        if (*e != r->success_status)
            openapi_add_status(b, errs, &n, *e);
    }
    if (strchr(r->pattern, '{') != NULL || r->query != NULL || r->body != NULL)
        openapi_add_status(b, errs, &n, 422);
    if (r->body != NULL) {
        openapi_add_status(b, errs, &n, 413);
        openapi_add_status(b, errs, &n, 415);
    }
    if (r->flags & ROUTE_NEEDS_DB)
        openapi_add_status(b, errs, &n, 503);
    openapi_add_status(b, errs, &n, 500);
    return n;
}

/* responses[status] with its description and the headers every response carries. */
static cJSON *openapi_response(struct openapi_builder *b, cJSON *responses, int status,
                               const char *description, bool retry_after)
{
    char key[16];

    snprintf(key, sizeof key, "%d", status);
    cJSON *resp = openapi_object(b, responses, key);
    openapi_string(b, resp, "description", description);
    cJSON *headers = openapi_object(b, resp, "headers");
    openapi_ref(b, openapi_object(b, headers, "X-Request-Id"), "headers", "X-Request-Id");
    if (retry_after)
        openapi_ref(b, openapi_object(b, headers, "Retry-After"), "headers", "Retry-After");
    return resp;
}

static void openapi_responses(struct openapi_builder *b, cJSON *op, const struct route *r)
{
    cJSON *responses = openapi_object(b, op, "responses");
    int errs[OPENAPI_MAX_ERRS];
    size_t nerrs;

    /* The success response; 204 (and 1xx, 304) have no body. */
    cJSON *ok = openapi_response(b, responses, r->success_status,
                                 http_status_text(r->success_status), false);
    if (r->success_status >= 200 && r->success_status != 204 && r->success_status != 304) {
        cJSON *s = openapi_json_content(b, ok); /* {} (any JSON) without a response model */
        if (r->flags & ROUTE_RESPONSE_IS_LIST) {
            openapi_string(b, s, "type", "array");
            s = openapi_object(b, s, "items");
        }
        if (r->response != NULL)
            openapi_ref(b, s, "schemas", r->response->name);
    }

    nerrs = openapi_error_statuses(b, r, errs);
    for (size_t i = 0; i < nerrs && !b->failed; i++) {
        const struct openapi_status *known = openapi_status_info(errs[i]);
        cJSON *resp = openapi_response(b, responses, errs[i],
                                       known ? known->description : http_status_text(errs[i]),
                                       known && known->retry_after);
        openapi_ref(b, openapi_json_content(b, resp), "schemas",
                    known ? known->body : OPENAPI_HTTP_ERROR);
    }
}

static void openapi_operation(struct openapi_builder *b, cJSON *paths, const struct route *r)
{
    char method[16];
    size_t i;

    for (i = 0; i < sizeof method - 1 && r->method[i] != '\0'; i++)
        method[i] = (char)tolower((unsigned char)r->method[i]);
    method[i] = '\0';

    cJSON *item = cJSON_GetObjectItemCaseSensitive(paths, r->pattern);
    if (item == NULL)
        item = openapi_object(b, paths, r->pattern);
    cJSON *op = openapi_object(b, item, method);
    if (r->tag != NULL)
        openapi_append_string(b, openapi_array(b, op, "tags"), r->tag);
    if (r->summary != NULL)
        openapi_string(b, op, "summary", r->summary);
    openapi_operation_id(b, op, r);
    openapi_parameters(b, op, r);
    if (r->body != NULL) {
        cJSON *body = openapi_object(b, op, "requestBody");
        openapi_bool(b, body, "required", true); /* an empty body is "missing" (422) */
        openapi_ref(b, openapi_json_content(b, body), "schemas", r->body->name);
    }
    openapi_responses(b, op, r);
}

/* Top-level "tags", in the order of first use: the order of sections in the docs. */
static void openapi_tags(struct openapi_builder *b, cJSON *doc, const struct route *routes,
                         size_t nroutes)
{
    cJSON *tags = openapi_array(b, doc, "tags");

    for (size_t i = 0; i < nroutes; i++) {
        bool seen = routes[i].tag == NULL;
        for (size_t j = 0; j < i && !seen; j++)
            seen = routes[j].tag != NULL && strcmp(routes[j].tag, routes[i].tag) == 0;
        if (!seen)
            openapi_string(b, openapi_append_object(b, tags), "name", routes[i].tag);
    }
}

static void openapi_info_object(struct openapi_builder *b, cJSON *doc,
                                const struct openapi_info *info)
{
    cJSON *obj = openapi_object(b, doc, "info");

    openapi_string(b, obj, "title", info->title != NULL ? info->title : "API");
    openapi_string(b, obj, "version", info->version != NULL ? info->version : "0");
    if (info->description != NULL)
        openapi_string(b, obj, "description", info->description);
    if (info->contact_email != NULL && info->contact_email[0] != '\0')
        openapi_string(b, openapi_object(b, obj, "contact"), "email", info->contact_email);
}

/* ------------------------------------------------------------------------------------
 * The document
 */

cJSON *openapi_document(const struct route *routes, size_t nroutes, const struct openapi_info *info)
{
    struct openapi_builder b = {false, ""};
    struct openapi_components cs = {NULL, 0, 0};
    cJSON *doc = openapi_check(&b, cJSON_CreateObject());

    for (size_t i = 0; i < nroutes; i++) {
        openapi_collect(&b, &cs, routes[i].body, true);
        openapi_collect(&b, &cs, routes[i].response, false);
    }
    openapi_components_check(&b, &cs);

    openapi_string(&b, doc, "openapi", OPENAPI_VERSION);
    openapi_info_object(&b, doc, info);
    openapi_tags(&b, doc, routes, nroutes);
    cJSON *paths = openapi_object(&b, doc, "paths");
    for (size_t i = 0; i < nroutes && !b.failed; i++)
        openapi_operation(&b, paths, &routes[i]);

    cJSON *components = openapi_object(&b, doc, "components");
    cJSON *schemas = openapi_object(&b, components, "schemas");
    for (size_t i = 0; i < cs.count && !b.failed; i++)
        openapi_component_schema(&b, schemas, &cs.items[i]);
    openapi_error_schemas(&b, schemas);
    openapi_headers(&b, components);

    free(cs.items);
    if (b.failed) {
        char why[256];
        log_error("event=openapi_failed problem=%s", log_quote(b.problem, why, sizeof why));
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

char *openapi_build(const struct route *routes, size_t nroutes, const struct openapi_info *info)
{
    cJSON *doc = openapi_document(routes, nroutes, info);
    char *text = doc != NULL ? cJSON_PrintUnformatted(doc) : NULL;

    if (doc != NULL && text == NULL)
        log_error("event=openapi_failed problem=\"out of memory\"");
    cJSON_Delete(doc);
    return text;
}
