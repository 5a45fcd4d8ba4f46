/*
 * fuzz_request_dispatch.c — libFuzzer target: one whole request through router_dispatch()
 * with the application's real route table (app_routes()), as the worker runs it after
 * the transport read it: route match, 404/405, 415, path, query and body validation in
 * one 422, the database probe (503); then the reply serialised by
 * http_response_serialize() as fcgi_io sends it. The two header parsers of the
 * transport that see the client's bytes, fcgi_io_parse_content_length() and
 * fcgi_io_request_id_ok(), are run on the headers of the input.
 *
 * Input, a small HTTP/1-like message (no NUL inside the head: it is cut there):
 *
 *     [!]METHOD PATH[?QUERY]\n         a leading '!' makes the database probe say "down"
 *     Content-Type: application/json\n    zero or more headers; these three are read,
 *     Content-Length: 12\n                the others ignored (names in any case)
 *     X-Request-Id: abc\n
 *     \n
 *     BODY                                 every byte after the blank line (NUL-terminated
 *                                          copy, NULL when empty, as fcgi_io hands it over)
 *
 * An invalid Content-Length is answered 400 by the transport, so such an input stops
 * after the parser. The real handlers need PostgreSQL: the table is copied once, with
 * each handler replaced by a checker of the router's promise (router.h) that a handler
 * sees only valid input: path and query parameters within their declared bounds, and a
 * body object of declared fields exactly when the route has a body schema.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"
#include "worker/fcgi_io.h"
#include "support.h"

#define FUZZ_ROUTES_MAX 32

static struct route fuzz_routes[FUZZ_ROUTES_MAX];
static size_t fuzz_nroutes;
static bool fuzz_db_up;

static bool fuzz_db_available(void)
{
    return fuzz_db_up;
}

/* The checker behind every route: route i's declarations hold for req. */
static void fuzz_handle(size_t i, struct http_request *req, struct http_response *res)
{
    const struct route *r = &fuzz_routes[i];
    size_t nparams = 0;
    for (const char *p = r->pattern; *p != '\0'; p++)
        nparams += *p == '{';
    for (size_t k = 0; k < nparams; k++)
        support_check_param(&r->path_params[k], req->path_params[k]);
    for (size_t k = 0; r->query != NULL && k < r->query->nfields; k++)
        support_check_param(&r->query->fields[k], req->query_params[k]);
    if (r->body != NULL)
        support_check_body(r->body, req->json);
    else
        FUZZ_CHECK(req->json == NULL);
    FUZZ_CHECK(!(r->flags & ROUTE_NEEDS_DB) || fuzz_db_up);

    http_reply_json(res, r->success_status, r->success_status == 204 ? NULL : cJSON_CreateObject());
}

/* One handler per table row, so the checker knows which row the router picked.
 * (clang-format is kept off the calls: its layout of them is not stable.) */
#define FUZZ_HANDLER(n)                                                                            \
    static void fuzz_handler_##n(struct http_request *req, struct http_response *res)              \
    {                                                                                              \
        fuzz_handle(n, req, res);                                                                  \
    }
/* clang-format off */
#define FUZZ_HANDLERS8(a, b, c, d, e, f, g, h)                                                     \
    FUZZ_HANDLER(a) FUZZ_HANDLER(b) FUZZ_HANDLER(c) FUZZ_HANDLER(d)                                \
    FUZZ_HANDLER(e) FUZZ_HANDLER(f) FUZZ_HANDLER(g) FUZZ_HANDLER(h)
FUZZ_HANDLERS8(0, 1, 2, 3, 4, 5, 6, 7)
FUZZ_HANDLERS8(8, 9, 10, 11, 12, 13, 14, 15)
FUZZ_HANDLERS8(16, 17, 18, 19, 20, 21, 22, 23)
FUZZ_HANDLERS8(24, 25, 26, 27, 28, 29, 30, 31)
/* clang-format on */

static const route_handler fuzz_handlers[FUZZ_ROUTES_MAX] = {
    fuzz_handler_0,  fuzz_handler_1,  fuzz_handler_2,  fuzz_handler_3,  fuzz_handler_4,
    fuzz_handler_5,  fuzz_handler_6,  fuzz_handler_7,  fuzz_handler_8,  fuzz_handler_9,
    fuzz_handler_10, fuzz_handler_11, fuzz_handler_12, fuzz_handler_13, fuzz_handler_14,
    fuzz_handler_15, fuzz_handler_16, fuzz_handler_17, fuzz_handler_18, fuzz_handler_19,
    fuzz_handler_20, fuzz_handler_21, fuzz_handler_22, fuzz_handler_23, fuzz_handler_24,
    fuzz_handler_25, fuzz_handler_26, fuzz_handler_27, fuzz_handler_28, fuzz_handler_29,
    fuzz_handler_30, fuzz_handler_31,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const struct route *app = app_routes(&fuzz_nroutes);
    FUZZ_CHECK(fuzz_nroutes <= FUZZ_ROUTES_MAX); /* raise FUZZ_ROUTES_MAX */
    for (size_t i = 0; i < fuzz_nroutes; i++) {
        fuzz_routes[i] = app[i];
        fuzz_routes[i].handler = fuzz_handlers[i];
    }
    router_init(fuzz_routes, fuzz_nroutes, fuzz_db_available);
    return 0;
}

/* The request's head, split in place (h is a NUL-terminated copy of it). */
struct fuzz_head {
    const char *method, *path, *query;
    const char *content_type, *content_length, *request_id;
};

static void fuzz_split_head(char *h, struct fuzz_head *out)
{
    char *line = h;
    char *next = strchr(line, '\n');
    if (next != NULL)
        *next++ = '\0';
    fuzz_db_up = line[0] != '!';
    line += !fuzz_db_up;
    out->method = line;
    char *target = strchr(line, ' ');
    out->path = "";
    out->query = "";
    if (target != NULL) {
        *target++ = '\0';
        out->path = target;
        char *q = strchr(target, '?');
        if (q != NULL) {
            *q++ = '\0';
            out->query = q;
        }
    }
    while (next != NULL) {
        line = next;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char *colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        const char *value = colon + 1 + strspn(colon + 1, " \t");
        if (strcasecmp(line, "Content-Type") == 0)
            out->content_type = value;
        else if (strcasecmp(line, "Content-Length") == 0)
            out->content_length = value;
        else if (strcasecmp(line, "X-Request-Id") == 0)
            out->request_id = value;
    }
}

/* True when status is one router_dispatch() may answer for this request. */
static bool fuzz_status_expected(int status)
{
    static const int known[] = {200, 201, 204, 404, 405, 415, 422, 503};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (status == known[i])
            return true;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The head ends at the first blank line; the body is what follows. */
    size_t head_len = size;
    size_t body_at = size;
    for (size_t i = 0; i + 1 < size; i++) {
        if (data[i] == '\n' && data[i + 1] == '\n') {
            head_len = i;
            body_at = i + 2;
            break;
        }
    }
    char *head = support_cstring(data, head_len);
    struct fuzz_head h = {0};
    fuzz_split_head(head, &h);

    long long declared = 0;
    if (fcgi_io_parse_content_length(h.content_length, &declared) != 0) {
        free(head);
        return 0; /* the transport answers 400 */
    }
    FUZZ_CHECK(declared >= -1 &&
               (declared >= 0 || h.content_length == NULL || h.content_length[0] == '\0'));

    char *body = NULL;
    size_t body_len = size - body_at;
    if (body_len > 0) {
        body = malloc(body_len + 1);
        FUZZ_CHECK(body != NULL);
        memcpy(body, data + body_at, body_len);
        body[body_len] = '\0';
    }
    bool rid_ok = h.request_id != NULL && fcgi_io_request_id_ok(h.request_id);
    struct http_request req = {
        .method = h.method[0] != '\0' ? h.method : "GET", /* as fcgi_io defaults it */
        .path = h.path,
        .query = h.query,
        .content_type = h.content_type,
        .request_id = rid_ok ? h.request_id : "fuzz-generated-id",
        .body = body,
        .body_len = body_len,
    };
    struct http_response res = {0};

    router_dispatch(&req, &res);
    FUZZ_CHECK(fuzz_status_expected(res.status));

    size_t len = 0;
    char *wire = http_response_serialize(&res, req.request_id, &len);
    FUZZ_CHECK(wire != NULL && strlen(wire) == len);
    /* An id the transport accepts is echoed as it is. */
    char echo[FCGI_IO_REQUEST_ID_MAX + 32];
    snprintf(echo, sizeof echo, "\r\nX-Request-Id: %s\r\n", req.request_id);
    FUZZ_CHECK(strstr(wire, echo) != NULL);
    if (res.status == 422) {
        const char *sep = strstr(wire, "\r\n\r\n");
        FUZZ_CHECK(sep != NULL && strlen(sep + 4) <= SCHEMA_ERRORS_BYTES);
    }

    free(wire);
    http_request_release(&req);
    http_response_release(&res);
    free(body);
    free(head);
    return 0;
}
