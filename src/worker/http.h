/*
 * http.h — the request a handler sees and the response it builds (SPEC §4).
 *
 * Transport-neutral: fcgi_io.c fills a struct http_request from FastCGI params and
 * body, router.c validates it against the route's declarations, the handler fills a
 * struct http_response, and http_response_serialize() turns it into the CGI-style
 * bytes ("Status: ...\r\nHeaders\r\n\r\nbody") that fcgi_io.c writes.
 */
#ifndef WORKER_HTTP_H
#define WORKER_HTTP_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define HTTP_MAX_PATH_PARAMS  4
#define HTTP_MAX_QUERY_PARAMS 8
#define HTTP_MAX_HEADERS      6

struct http_request {
    /* Filled by the transport (fcgi_io.c); strings live until the request ends. */
    const char *method;       /* "GET" */
    const char *path;         /* "/users/7/items/" — decoded SCRIPT_NAME/DOCUMENT_URI, no query */
    const char *query;        /* raw QUERY_STRING, "" if none */
    const char *content_type; /* CONTENT_TYPE or NULL */
    const char *request_id;   /* X-Request-Id: nginx's $request_id, or generated */
    const char *body;         /* the whole body (NUL-terminated), NULL if empty */
    size_t body_len;

    /* Filled by the router from the route's declarations before the handler runs. */
    long long path_params[HTTP_MAX_PATH_PARAMS];   /* in pattern order, validated */
    long long query_params[HTTP_MAX_QUERY_PARAMS]; /* in declared order, defaults applied */
    cJSON *json; /* validated body object (owned by the request), or NULL */
};

struct http_header {
    const char *name;
    char value[256];
};

struct http_response {
    int status;  /* 0 until a handler replies */
    cJSON *json; /* body to serialise (owned), or NULL */
    char *raw;   /* pre-serialised JSON body (malloc'd, owned), or NULL */
    struct http_header headers[HTTP_MAX_HEADERS];
    int nheaders;
};

/* Replies with a JSON body; takes ownership of `body` (may be NULL for no body, e.g. 204).
 * A NULL body on a status that needs one (a failed cJSON allocation passed straight
 * through) is sent as 500, logged with the request id: handlers need not check. */
void http_reply_json(struct http_response *res, int status, cJSON *body);
/* Replies with an already serialised JSON body (takes ownership of the malloc'd string). */
void http_reply_raw(struct http_response *res, int status, char *json_text);
/* Replies {"detail": detail}. */
void http_reply_detail(struct http_response *res, int status, const char *detail);
/* 503 {"detail":"Service Unavailable"} with Retry-After. */
void http_reply_unavailable(struct http_response *res);
/* 500 {"detail":"Internal Server Error"}; `why` goes to the log only, with the request id. */
void http_reply_internal_error(const struct http_request *req, struct http_response *res,
                               const char *why);
/* Adds a header (printf-style value); at most HTTP_MAX_HEADERS. */
__attribute__((format(printf, 3, 4))) void http_add_header(struct http_response *res,
                                                           const char *name, const char *fmt, ...);

/* "OK", "Created", "Not Found"... for a status code. */
const char *http_status_text(int status);

/*
 * Serialises the response, including X-Request-Id and Content-Type, as CGI output.
 * Returns a malloc'd buffer and its length via *len, or NULL on allocation failure.
 */
char *http_response_serialize(const struct http_response *res, const char *request_id, size_t *len);

/* The CGI bytes of a 500 in static storage, for when http_response_serialize() itself
 * returns NULL (no memory left to build anything). */
const char *http_fallback_500(size_t *len);

/* Releases what the request and response own (json, raw) and resets them. */
void http_request_release(struct http_request *req);
void http_response_release(struct http_response *res);

#endif
