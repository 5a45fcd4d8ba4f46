/*
 * test_openapi.c — the OpenAPI document generated from a route table: every route is
 * documented with its parameters, body and statuses; components follow the descriptors
 * (types, bounds, formats, nullability, readOnly/writeOnly, additionalProperties); a rule
 * changed in a descriptor changes validation and the document together; tables the
 * document cannot describe are refused; the application's own table gives a document
 * whose references all resolve.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "worker/openapi.h"
#include "worker/router.h"
#include "assert_json.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a small application: notes with tags ---------------------------------------- */

static const struct field note_id_param[] = {
    {"note_id", FIELD_INT, FIELD_REQUIRED, 1, SCHEMA_NO_MAX, 0, "Note id", NULL},
};
static const struct field page_fields[] = {
    {"skip", FIELD_INT, 0, 0, SCHEMA_NO_MAX, 0, "Rows to skip", NULL},
    {"limit", FIELD_INT, 0, 1, 50, 20, NULL, NULL},
    {"archived", FIELD_BOOL, 0, SCHEMA_NO_MIN, SCHEMA_NO_MAX, 1, NULL, NULL},
};
static const struct schema page_params = {"PageParams", page_fields, COUNT(page_fields), NULL,
                                          NULL};

/* Not const: a test changes the title's bound at run time. */
static struct field note_create_fields[] = {
    {"title", FIELD_STRING, FIELD_REQUIRED, 1, 5, 0, "Short title", NULL},
    {"body", FIELD_STRING, FIELD_NULLABLE, 0, 1000, 0, NULL, NULL},
    {"pin", FIELD_STRING, FIELD_SECRET, 4, 4, 0, NULL, NULL},
};
static const struct schema note_create = {"NoteCreate", note_create_fields,
                                          COUNT(note_create_fields), NULL, NULL};

static const struct field tag_fields[] = {
    {"name", FIELD_STRING, FIELD_REQUIRED, SCHEMA_NO_MIN, SCHEMA_NO_MAX, 0, NULL, NULL},
};
static const struct schema tag = {"Tag", tag_fields, COUNT(tag_fields), NULL, NULL};

static const struct field note_fields[] = {
    {"id", FIELD_INT, FIELD_REQUIRED | FIELD_READONLY, 1, SCHEMA_NO_MAX, 0, NULL, "int64"},
    {"title", FIELD_STRING, FIELD_REQUIRED, 1, 5, 0, NULL, NULL},
    {"author", FIELD_EMAIL, FIELD_REQUIRED, SCHEMA_NO_MIN, 254, 0, NULL, NULL},
};
static const struct schema note = {"Note", note_fields, COUNT(note_fields), &tag, "tags"};

static void reply_created(struct http_request *req, struct http_response *res)
{
    (void)req;
    http_reply_raw(res, 201, strdup("{}"));
}

static void reply_ok(struct http_request *req, struct http_response *res)
{
    (void)req;
    http_reply_raw(res, 200, strdup("{}"));
}

static const int errors_none[] = {0};
static const int errors_create[] = {409, 0};
static const int errors_one[] = {404, 0};

static const struct route routes[] = {
    {"GET", "/ping", reply_ok, 0, NULL, NULL, NULL, NULL, 200, errors_none, "Ping", "meta"},
    {"POST", "/notes/", reply_created, ROUTE_NEEDS_DB, NULL, NULL, &note_create, &note, 201,
     errors_create, "Create a note", "notes"},
    {"GET", "/notes/", reply_ok, ROUTE_NEEDS_DB | ROUTE_RESPONSE_IS_LIST, NULL, &page_params, NULL,
     &note, 200, errors_none, "List notes", "notes"},
    {"GET", "/notes/{note_id}", reply_ok, ROUTE_NEEDS_DB, note_id_param, NULL, NULL, &note, 200,
     errors_one, "Get a note", "notes"},
    {"DELETE", "/notes/{note_id}", reply_ok, ROUTE_NEEDS_DB, note_id_param, NULL, NULL, NULL, 204,
     errors_one, "Delete a note", "notes"},
};

static const struct openapi_info info = {"Notes ü", "1.2.3", "About notes", "ops@example.org"};

/* ---- helpers ----------------------------------------------------------------------- */

static cJSON *build(const struct route *table, size_t n)
{
    char *text = openapi_build(table, n, &info);
    assert_non_null(text);
    cJSON *doc = cJSON_Parse(text); /* the served text is JSON */
    cJSON_free(text);
    assert_non_null(doc);
    return doc;
}

/* doc at a path of keys, e.g. at(doc, 3, "paths", "/notes/", "post"); NULL if absent. */
static cJSON *at(const cJSON *node, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n && node != NULL; i++)
        node = cJSON_GetObjectItemCaseSensitive(node, va_arg(ap, const char *));
    va_end(ap);
    return (cJSON *)node;
}

static cJSON *operation(const cJSON *doc, const char *path, const char *method)
{
    return at(doc, 3, "paths", path, method);
}

/* Sorted keys of responses, e.g. "201 409 413 415 422 500 503". */
static void status_keys(const cJSON *op, char *buf, size_t size)
{
    const cJSON *r;
    buf[0] = '\0';
    cJSON_ArrayForEach(r, at(op, 1, "responses"))
    {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", used ? " " : "", r->string);
    }
}

static bool db_probe(void)
{
    return true; /* the database is up */
}

/* Dispatches POST /notes/ with `body` and returns the status. */
static int post_note(const char *body)
{
    struct http_request req = {.method = "POST",
                               .path = "/notes/",
                               .query = "",
                               .content_type = "application/json",
                               .request_id = "t",
                               .body = body,
                               .body_len = strlen(body)};
    struct http_response res = {0};
    router_dispatch(&req, &res);
    int status = res.status;
    http_request_release(&req);
    http_response_release(&res);
    return status;
}

/* Every "$ref" under node names an existing component. */
static void assert_refs_resolve(const cJSON *doc, const cJSON *node)
{
    const cJSON *child;
    if (cJSON_IsString(node) && node->string != NULL && strcmp(node->string, "$ref") == 0) {
        const char *ref = node->valuestring;
        char kind[32], name[128];
        assert_int_equal(sscanf(ref, "#/components/%31[^/]/%127s", kind, name), 2);
        if (at(doc, 3, "components", kind, name) == NULL)
            fail_msg("unresolved $ref %s", ref);
        return;
    }
    cJSON_ArrayForEach(child, node)
    {
        assert_refs_resolve(doc, child);
    }
}

/* ---- tests ------------------------------------------------------------------------- */

static void test_every_route_is_documented_once_with_its_operation(void **state)
{
    (void)state;
    cJSON *doc = build(routes, COUNT(routes));
    size_t ops = 0;
    const cJSON *path, *op;

    for (size_t i = 0; i < COUNT(routes); i++) {
        char method[8];
        size_t k;
        for (k = 0; routes[i].method[k] != '\0'; k++)
            method[k] = (char)tolower((unsigned char)routes[i].method[k]);
        method[k] = '\0';
        op = operation(doc, routes[i].pattern, method);
        assert_non_null(op);
        assert_string_equal(at(op, 1, "summary")->valuestring, routes[i].summary);
        assert_string_equal(cJSON_GetArrayItem(at(op, 1, "tags"), 0)->valuestring, routes[i].tag);
    }
    cJSON_ArrayForEach(path, at(doc, 1, "paths"))
    {
        cJSON_ArrayForEach(op, path)
        {
            ops++;
        }
    }
    assert_int_equal(ops, COUNT(routes)); /* nothing else is documented */
    assert_string_equal(at(doc, 1, "openapi")->valuestring, "3.1.0");
    assert_json_eq(at(doc, 1, "info"), "{\"title\":\"Notes ü\",\"version\":\"1.2.3\","
                                       "\"description\":\"About notes\","
                                       "\"contact\":{\"email\":\"ops@example.org\"}}");
    assert_json_eq(at(doc, 1, "tags"), "[{\"name\":\"meta\"},{\"name\":\"notes\"}]");
    assert_string_equal(
        at(operation(doc, "/notes/{note_id}", "delete"), 1, "operationId")->valuestring,
        "delete_notes_note_id");
    assert_string_equal(at(operation(doc, "/notes/", "post"), 1, "operationId")->valuestring,
                        "post_notes");
    cJSON_Delete(doc);
}

static void test_field_rule_change_follows_in_validation_and_document(void **state)
{
    (void)state;
    const char *six = "{\"title\":\"abcdéf\"}"; /* six code points, seven bytes */
    router_init(routes, COUNT(routes), db_probe);

    note_create_fields[0].max = 5;
    cJSON *doc = build(routes, COUNT(routes));
    assert_json_eq(at(doc, 5, "components", "schemas", "NoteCreate", "properties", "title"),
                   "{\"type\":\"string\",\"minLength\":1,\"maxLength\":5,\"title\":\"Title\","
                   "\"description\":\"Short title\"}");
    cJSON_Delete(doc);
    assert_int_equal(post_note(six), 422);

    note_create_fields[0].max = 6;
    doc = build(routes, COUNT(routes));
    assert_int_equal(
        at(doc, 6, "components", "schemas", "NoteCreate", "properties", "title", "maxLength")
            ->valueint,
        6);
    cJSON_Delete(doc);
    assert_int_equal(post_note(six), 201);

    note_create_fields[0].max = 5;
}

static void test_parameters_carry_types_bounds_and_defaults(void **state)
{
    (void)state;
    cJSON *doc = build(routes, COUNT(routes));

    assert_json_eq(at(operation(doc, "/notes/{note_id}", "get"), 1, "parameters"),
                   "[{\"name\":\"note_id\",\"in\":\"path\",\"required\":true,"
                   "\"description\":\"Note id\",\"schema\":{\"type\":\"integer\","
                   "\"format\":\"int64\",\"minimum\":1,\"title\":\"Note Id\"}}]");
    assert_json_eq(at(operation(doc, "/notes/", "get"), 1, "parameters"),
                   "[{\"name\":\"skip\",\"in\":\"query\",\"required\":false,"
                   "\"description\":\"Rows to skip\",\"schema\":{\"type\":\"integer\","
                   "\"format\":\"int64\",\"minimum\":0,\"title\":\"Skip\",\"default\":0}},"
                   "{\"name\":\"limit\",\"in\":\"query\",\"required\":false,"
                   "\"schema\":{\"type\":\"integer\",\"format\":\"int64\",\"minimum\":1,"
                   "\"maximum\":50,\"title\":\"Limit\",\"default\":20}},"
                   "{\"name\":\"archived\",\"in\":\"query\",\"required\":false,"
                   "\"schema\":{\"type\":\"boolean\",\"title\":\"Archived\",\"default\":true}}]");
    assert_null(at(operation(doc, "/ping", "get"), 1, "parameters"));
    cJSON_Delete(doc);
}

static void test_body_and_responses_follow_the_route(void **state)
{
    (void)state;
    cJSON *doc = build(routes, COUNT(routes));
    char keys[128];

    cJSON *post = operation(doc, "/notes/", "post");
    assert_json_eq(at(post, 1, "requestBody"),
                   "{\"required\":true,\"content\":{\"application/json\":{\"schema\":"
                   "{\"$ref\":\"#/components/schemas/NoteCreate\"}}}}");
    status_keys(post, keys, sizeof keys);
    assert_string_equal(keys, "201 409 413 415 422 500 503"); /* declared + derived */
    assert_json_eq(at(post, 4, "responses", "201", "content", "application/json"),
                   "{\"schema\":{\"$ref\":\"#/components/schemas/Note\"}}");
    assert_json_eq(at(post, 4, "responses", "422", "content", "application/json"),
                   "{\"schema\":{\"$ref\":\"#/components/schemas/HTTPValidationError\"}}");
    assert_json_eq(at(post, 4, "responses", "409", "content", "application/json"),
                   "{\"schema\":{\"$ref\":\"#/components/schemas/HTTPError\"}}");
    assert_non_null(at(post, 4, "responses", "503", "headers", "Retry-After"));
    assert_non_null(at(post, 4, "responses", "201", "headers", "X-Request-Id"));

    cJSON *list = operation(doc, "/notes/", "get");
    status_keys(list, keys, sizeof keys);
    assert_string_equal(keys, "200 422 500 503");
    assert_json_eq(at(list, 5, "responses", "200", "content", "application/json", "schema"),
                   "{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Note\"}}");

    cJSON *del = operation(doc, "/notes/{note_id}", "delete");
    status_keys(del, keys, sizeof keys);
    assert_string_equal(keys, "204 404 422 500 503");
    assert_null(at(del, 3, "responses", "204", "content")); /* no body */

    cJSON *ping = operation(doc, "/ping", "get");
    status_keys(ping, keys, sizeof keys);
    assert_string_equal(keys, "200 500"); /* no input, no database */
    assert_json_eq(at(ping, 4, "responses", "200", "content", "application/json"),
                   "{\"schema\":{}}");
    assert_null(at(ping, 1, "requestBody"));
    cJSON_Delete(doc);
}

static void test_components_follow_the_descriptors(void **state)
{
    (void)state;
    cJSON *doc = build(routes, COUNT(routes));
    const cJSON *schemas = at(doc, 2, "components", "schemas");
    const char *names[] = {"Note",      "NoteCreate",          "Tag",
                           "HTTPError", "HTTPValidationError", "ValidationError"};
    size_t i = 0;
    const cJSON *s;

    cJSON_ArrayForEach(s, schemas)
    {
        assert_true(i < COUNT(names));
        assert_string_equal(s->string, names[i++]); /* sorted; query params are no model */
    }
    assert_int_equal(i, COUNT(names));
    assert_json_eq(
        at(schemas, 1, "NoteCreate"),
        "{\"type\":\"object\",\"title\":\"NoteCreate\",\"properties\":{"
        "\"title\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":5,\"title\":\"Title\","
        "\"description\":\"Short title\"},"
        "\"body\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,\"title\":\"Body\"},"
        "\"pin\":{\"type\":\"string\",\"format\":\"password\",\"minLength\":4,\"maxLength\":4,"
        "\"title\":\"Pin\",\"writeOnly\":true}},"
        "\"required\":[\"title\"],\"additionalProperties\":false}");
    assert_json_eq(
        at(schemas, 1, "Note"),
        "{\"type\":\"object\",\"title\":\"Note\",\"properties\":{"
        "\"id\":{\"type\":\"integer\",\"format\":\"int64\",\"minimum\":1,\"title\":\"Id\","
        "\"readOnly\":true},"
        "\"title\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":5,\"title\":\"Title\"},"
        "\"author\":{\"type\":\"string\",\"format\":\"email\",\"maxLength\":254,"
        "\"title\":\"Author\"},"
        "\"tags\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Tag\"},"
        "\"title\":\"Tags\"}},"
        "\"required\":[\"id\",\"title\",\"author\",\"tags\"]}");
    assert_json_eq(at(schemas, 1, "HTTPValidationError"),
                   "{\"type\":\"object\",\"title\":\"HTTPValidationError\",\"properties\":{"
                   "\"detail\":{\"type\":\"array\",\"items\":{\"$ref\":"
                   "\"#/components/schemas/ValidationError\"},\"title\":\"Detail\"}}}");
    assert_json_eq(at(schemas, 3, "ValidationError", "properties", "loc"),
                   "{\"type\":\"array\",\"items\":{\"anyOf\":[{\"type\":\"string\"},"
                   "{\"type\":\"integer\"}]},\"title\":\"Location\"}");
    assert_refs_resolve(doc, doc);
    cJSON_Delete(doc);
}

static void test_int64_bounds_are_exact(void **state)
{
    (void)state;
    static const struct field big[] = {
        {"n", FIELD_INT, FIELD_REQUIRED, -9223372036854775807LL, 9007199254740993LL, 0, NULL, NULL},
    };
    static const struct schema big_model = {"Big", big, COUNT(big), NULL, NULL};
    const struct route table[] = {
        {"POST", "/big", reply_created, 0, NULL, NULL, &big_model, NULL, 201, errors_none, "Big",
         "big"},
    };
    char *text = openapi_build(table, COUNT(table), &info);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"minimum\":-9223372036854775807,\"maximum\":9007199254740993"));
    cJSON_free(text);
}

static void test_tables_it_cannot_describe_are_refused(void **state)
{
    (void)state;
    static const struct schema other_note = {"Note", tag_fields, COUNT(tag_fields), NULL, NULL};
    static const struct schema reserved = {"HTTPError", tag_fields, COUNT(tag_fields), NULL, NULL};
    static const struct schema bad_name = {"Note Create", tag_fields, COUNT(tag_fields), NULL,
                                           NULL};
    struct route table[] = {
        {"GET", "/a", reply_ok, 0, NULL, NULL, NULL, &note, 200, errors_none, "A", "t"},
        {"GET", "/b", reply_ok, 0, NULL, NULL, NULL, &other_note, 200, errors_none, "B", "t"},
    };

    assert_null(openapi_build(table, COUNT(table), &info)); /* two schemas named Note */
    table[1].response = &reserved;
    assert_null(openapi_build(table, COUNT(table), &info));
    table[1].response = &bad_name;
    assert_null(openapi_build(table, COUNT(table), &info));
    table[1].response = &note; /* the same schema twice is fine */
    char *text = openapi_build(table, COUNT(table), &info);
    assert_non_null(text);
    cJSON_free(text);
}

static void test_application_table_is_documented(void **state)
{
    (void)state;
    size_t n = 0;
    const struct route *app = app_routes(&n);
    cJSON *doc = build(app, n);
    const cJSON *path, *op;
    size_t ops = 0;

    assert_true(router_table_valid(app, n));
    cJSON_ArrayForEach(path, at(doc, 1, "paths"))
    {
        cJSON_ArrayForEach(op, path)
        {
            ops++;
            assert_non_null(at(op, 1, "operationId"));
            assert_non_null(at(op, 2, "responses", "500"));
        }
    }
    assert_int_equal(ops, n);
    assert_non_null(operation(doc, "/openapi.json", "get"));
    assert_non_null(operation(doc, "/users/{user_id}/items/", "post"));
    assert_json_eq(at(doc, 5, "components", "schemas", "User", "properties", "items"),
                   "{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Item\"},"
                   "\"title\":\"Items\"}");
    assert_json_eq(at(doc, 6, "components", "schemas", "Item", "properties", "description", "type"),
                   "[\"string\",\"null\"]");
    assert_true(cJSON_IsTrue(
        at(doc, 6, "components", "schemas", "UserCreate", "properties", "password", "writeOnly")));
    assert_true(
        cJSON_IsFalse(at(doc, 4, "components", "schemas", "UserCreate", "additionalProperties")));
    assert_null(at(doc, 4, "components", "schemas", "User", "additionalProperties"));
    assert_refs_resolve(doc, doc);
    cJSON_Delete(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_is_documented_once_with_its_operation),
        cmocka_unit_test(test_field_rule_change_follows_in_validation_and_document),
        cmocka_unit_test(test_parameters_carry_types_bounds_and_defaults),
        cmocka_unit_test(test_body_and_responses_follow_the_route),
        cmocka_unit_test(test_components_follow_the_descriptors),
        cmocka_unit_test(test_int64_bounds_are_exact),
        cmocka_unit_test(test_tables_it_cannot_describe_are_refused),
        cmocka_unit_test(test_application_table_is_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
