/*
 * http.c — the replies a handler or the router builds, and their serialisation as
 * CGI output ("Status: ...\r\nHeaders\r\n\r\nbody") for fcgi_io.c (SPEC §4).
 *
 * Whatever goes wrong while a reply is turned into bytes (a handler that replied
 * without a body, a cJSON print that ran out of memory, an impossible status) ends as
 * 500 {"detail":"Internal Server Error"}: the reason is logged with the request id,
 * the client never sees it.
 */
#include "worker/http.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"

#define HTTP_CONTENT_TYPE   "application/json; charset=utf-8"
#define HTTP_BODY_500       "{\"detail\":\"Internal Server Error\"}"
#define HTTP_RETRY_AFTER    "1" /* seconds: a reconnect attempt is that close */
#define HTTP_MAX_REQUEST_ID 128

/* Reason phrases (RFC 9110 wording) for the statuses this service produces. */
static const struct {
    int status;
    const char *text;
} http_status_texts[] = {
    {200, "OK"},
    {201, "Created"},
    {204, "No Content"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {409, "Conflict"},
    {413, "Content Too Large"},
    {415, "Unsupported Media Type"},
    {422, "Unprocessable Content"},
    {429, "Too Many Requests"},
    {500, "Internal Server Error"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
};

const char *http_status_text(int status)
{
    for (size_t i = 0; i < sizeof http_status_texts / sizeof http_status_texts[0]; i++) {
        if (http_status_texts[i].status == status)
            return http_status_texts[i].text;
    }
    return "Unknown";
}

/* 1xx, 204 and 304 never carry a body (RFC 9110 §6.4.1). */
static bool http_status_has_body(int status)
{
    return status >= 200 && status != 204 && status != 304;
}

/* Drops a previous body so that replying twice neither leaks nor mixes bodies. */
static void http_drop_body(struct http_response *res)
{
    cJSON_Delete(res->json);
    res->json = NULL;
    free(res->raw);
    res->raw = NULL;
}

void http_reply_json(struct http_response *res, int status, cJSON *body)
{
    http_drop_body(res);
    res->status = status;
    res->json = body;
}

void http_reply_raw(struct http_response *res, int status, char *json_text)
{
    http_drop_body(res);
    res->status = status;
    res->raw = json_text;
}

/* A NULL object (allocation failure) is left for http_response_serialize to turn into
 * a 500, where the request id is known for the log line. */
void http_reply_detail(struct http_response *res, int status, const char *detail)
{
    cJSON *body = cJSON_CreateObject();
    if (body != NULL && cJSON_AddStringToObject(body, "detail", detail) == NULL) {
        cJSON_Delete(body);
        body = NULL;
    }
    http_reply_json(res, status, body);
}

void http_reply_unavailable(struct http_response *res)
{
    /* Retry-After is added by http_response_serialize for every 503. */
    http_reply_detail(res, 503, "Service Unavailable");
}

void http_reply_internal_error(const struct http_request *req, struct http_response *res,
                               const char *why)
{
    char qpath[256];
    char qwhy[512];
    const char *rid = req != NULL && req->request_id != NULL ? req->request_id : "-";
    const char *method = req != NULL && req->method != NULL ? req->method : "-";
    const char *path = req != NULL && req->path != NULL ? req->path : "-";

    log_error("event=internal_error rid=%s method=%s path=%s why=%s", rid, method,
              log_quote(path, qpath, sizeof qpath),
              log_quote(why != NULL ? why : "unknown", qwhy, sizeof qwhy));
    http_reply_detail(res, 500, "Internal Server Error");
}

/* A header value must not be able to end the header line or start another one. */
static bool http_header_value_ok(const char *value)
{
    for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return false;
    }
    return true;
}

void http_add_header(struct http_response *res, const char *name, const char *fmt, ...)
{
    if (res->nheaders >= HTTP_MAX_HEADERS) {
        log_error("event=header_dropped header=%s why=too_many_headers", name);
        return;
    }
    struct http_header *h = &res->headers[res->nheaders];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(h->value, sizeof h->value, fmt, ap);
    va_end(ap);
    /* A truncated Location would point somewhere else: drop it, loudly. */
    if (n < 0 || (size_t)n >= sizeof h->value) {
        log_error("event=header_dropped header=%s why=value_too_long", name);
        return;
    }
    if (!http_header_value_ok(h->value)) {
        log_error("event=header_dropped header=%s why=control_character", name);
        return;
    }
    h->name = name;
    res->nheaders++;
}

static bool http_has_header(const struct http_response *res, const char *name)
{
    for (int i = 0; i < res->nheaders; i++) {
        if (strcasecmp(res->headers[i].name, name) == 0)
            return true;
    }
    return false;
}

/* The request id is echoed in a header: only short printable ASCII is safe there. */
static bool http_request_id_ok(const char *rid)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)rid; *p != '\0'; p++, n++) {
        if (*p <= 0x20 || *p >= 0x7f || n >= HTTP_MAX_REQUEST_ID)
            return false;
    }
    return n > 0;
}

/*
 * An output buffer written in two passes: the first (buf NULL, cap 0) only counts,
 * the second writes into exactly that much memory. Saves guessing a size.
 */
struct http_out {
    char *buf;
    size_t cap;
    size_t len;
    bool failed;
};

__attribute__((format(printf, 2, 3))) static void http_out_printf(struct http_out *o,
                                                                  const char *fmt, ...)
{
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(room > 0 ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        o->failed = true;
    else
        o->len += (size_t)n;
}

static void http_out_bytes(struct http_out *o, const char *p, size_t n)
{
    if (o->buf != NULL && o->len + n <= o->cap)
        memcpy(o->buf + o->len, p, n);
    o->len += n;
}

/* What is actually sent: the handler's reply, or a 500 when it cannot be sent. */
struct http_wire {
    int status;
    const char *body; /* NULL: no body */
    size_t body_len;
    const struct http_response *headers_from; /* NULL: no extra headers */
};

static void http_write(struct http_out *o, const struct http_wire *w, const char *request_id)
{
    http_out_printf(o, "Status: %d %s\r\n", w->status, http_status_text(w->status));
    if (w->body != NULL)
        http_out_printf(o, "Content-Type: " HTTP_CONTENT_TYPE "\r\nContent-Length: %zu\r\n",
                        w->body_len);
    if (request_id != NULL)
        http_out_printf(o, "X-Request-Id: %s\r\n", request_id);
    const struct http_response *res = w->headers_from;
    for (int i = 0; res != NULL && i < res->nheaders; i++)
        http_out_printf(o, "%s: %s\r\n", res->headers[i].name, res->headers[i].value);
    if (w->status == 503 && (res == NULL || !http_has_header(res, "Retry-After")))
        http_out_printf(o, "Retry-After: " HTTP_RETRY_AFTER "\r\n");
    http_out_printf(o, "\r\n");
    if (w->body != NULL)
        http_out_bytes(o, w->body, w->body_len);
}

static void http_wire_500(struct http_wire *w, const char *request_id, const char *why)
{
    log_error("event=internal_error rid=%s why=%s", request_id != NULL ? request_id : "-", why);
    w->status = 500;
    w->body = HTTP_BODY_500;
    w->body_len = sizeof HTTP_BODY_500 - 1;
    w->headers_from = NULL;
}

char *http_response_serialize(const struct http_response *res, const char *request_id, size_t *len)
{
    struct http_wire w = {res->status, NULL, 0, res};
    char *printed = NULL;

    if (request_id != NULL && !http_request_id_ok(request_id)) {
        log_warn("event=request_id_dropped why=unsafe_characters_or_too_long");
        request_id = NULL;
    }
    if (res->status < 100 || res->status > 599) {
        http_wire_500(&w, request_id, "invalid_status");
    } else if (http_status_has_body(res->status)) {
        if (res->raw == NULL && res->json != NULL)
            printed = cJSON_PrintUnformatted(res->json);
        const char *body = res->raw != NULL ? res->raw : printed;
        if (body != NULL) {
            w.body = body;
            w.body_len = strlen(body);
        } else if (res->json != NULL) {
            http_wire_500(&w, request_id, "json_print_failed");
        } else {
            /* A handler passes NULL when building its body ran out of memory. */
            http_wire_500(&w, request_id, "reply_without_body");
        }
    }

    struct http_out o = {NULL, 0, 0, false};
    http_write(&o, &w, request_id);
    char *buf = o.failed ? NULL : malloc(o.len + 1);
    if (buf != NULL) {
        size_t need = o.len;
        o = (struct http_out){buf, need + 1, 0, false}; /* + vsnprintf's NUL */
        http_write(&o, &w, request_id);
        buf[need] = '\0';
        *len = need;
    } else {
        log_error("event=internal_error rid=%s why=serialize_alloc_failed",
                  request_id != NULL ? request_id : "-");
    }
    cJSON_free(printed);
    return buf;
}

const char *http_fallback_500(size_t *len)
{
    static const char text[] = "Status: 500 Internal Server Error\r\n"
                               "Content-Type: " HTTP_CONTENT_TYPE "\r\n"
                               "Content-Length: 34\r\n"
                               "\r\n" HTTP_BODY_500;
    _Static_assert(sizeof HTTP_BODY_500 - 1 == 34, "Content-Length of the fallback body");
    *len = sizeof text - 1;
    return text;
}

void http_request_release(struct http_request *req)
{
    cJSON_Delete(req->json);
    req->json = NULL;
    memset(req->path_params, 0, sizeof req->path_params);
    memset(req->query_params, 0, sizeof req->query_params);
}

void http_response_release(struct http_response *res)
{
    http_drop_body(res);
    res->status = 0;
    res->nheaders = 0;
}
