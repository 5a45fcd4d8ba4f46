/*
 * router.c — the route table and dispatch: which handler runs, and only with valid
 * input (SPEC §4). The order is in router.h; the choices that are not:
 *
 *  - A route with GET also answers HEAD (nginx drops the body), as Starlette does;
 *    Allow lists the table's methods only.
 *  - 415 is decided before any 422: with a body we cannot read, a 422 list would be
 *    incomplete. A route with a body schema needs a JSON Content-Type, also when the
 *    header is missing or the body empty (SPEC §12: FastAPI reads a body without one as
 *    JSON, which lets a cross-site "simple request" create data). With the header, an
 *    empty body is "missing" (422). A body sent to a route without a body schema is
 *    ignored.
 *  - Path, query and body problems go out together in one 422. FastAPI answers a JSON
 *    decode error alone; here json_invalid comes with the path and query problems.
 *  - The database probe runs after validation, so a bad request is 422 even while the
 *    database is down, and never costs a reconnect attempt.
 */
#include "worker/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"

static const struct route *router_table;
static size_t router_count;
static bool (*router_db_probe)(void);

/* Length of a path without its trailing slash ("/" itself stays "/"). */
static size_t router_trimmed_len(const char *s)
{
    size_t n = strlen(s);
    return n > 1 && s[n - 1] == '/' ? n - 1 : n;
}

bool router_match(const char *pattern, const char *path, const char **params, size_t *lens,
                  size_t maxparams, size_t *nparams)
{
    const char *p = pattern;
    const char *pend = pattern + router_trimmed_len(pattern);
    const char *s = path;
    const char *send = path + router_trimmed_len(path);
    size_t n = 0;

    while (p < pend) {
        if (*p == '{') {
            const char *close = memchr(p, '}', (size_t)(pend - p));
            const char *e = s;
            while (e < send && *e != '/')
                e++;
            if (close == NULL || e == s || n >= maxparams)
                return false;
            params[n] = s;
            lens[n] = (size_t)(e - s);
            n++;
            p = close + 1;
            s = e;
        } else {
            if (s >= send || *s != *p)
                return false;
            p++;
            s++;
        }
    }
    if (s != send)
        return false;
    if (nparams != NULL)
        *nparams = n;
    return true;
}

static bool router_method_matches(const char *route_method, const char *method)
{
    return strcmp(route_method, method) == 0 ||
           (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

/*
 * application/json or application/<anything>+json, any case, parameters (charset)
 * ignored — what FastAPI reads as JSON. A missing or empty Content-Type is not JSON.
 */
static bool router_is_json(const char *content_type)
{
    static const char prefix[] = "application/";
    const size_t plen = sizeof prefix - 1;
    if (content_type == NULL)
        return false;
    const char *ct = content_type + strspn(content_type, " \t");
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    if (n <= plen || strncasecmp(ct, prefix, plen) != 0)
        return false;
    const char *sub = ct + plen;
    size_t sublen = n - plen;
    return (sublen == 4 && strncasecmp(sub, "json", 4) == 0) ||
           (sublen > 5 && strncasecmp(sub + sublen - 5, "+json", 5) == 0);
}

/* Number of {name} parameters in a pattern. */
static size_t router_pattern_params(const char *pattern)
{
    size_t n = 0;
    for (const char *p = strchr(pattern, '{'); p != NULL; p = strchr(p + 1, '{'))
        n++;
    return n;
}

static bool router_route_valid(const struct route *r)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    bool method_ok = false;
    for (size_t i = 0; r->method != NULL && i < sizeof methods / sizeof methods[0]; i++)
        method_ok = method_ok || strcmp(r->method, methods[i]) == 0;

    const char *problem = NULL;
    if (!method_ok)
        problem = "unknown method";
    else if (r->pattern == NULL || r->pattern[0] != '/')
        problem = "pattern must start with /";
    else if (r->handler == NULL)
        problem = "no handler";
    else if (r->success_status < 100 || r->success_status > 599)
        problem = "bad success_status";
    else if (router_pattern_params(r->pattern) > HTTP_MAX_PATH_PARAMS)
        problem = "too many path parameters";
    else if (router_pattern_params(r->pattern) > 0 && r->path_params == NULL)
        problem = "path parameters not declared";
    else if (r->query != NULL && r->query->nfields > HTTP_MAX_QUERY_PARAMS)
        problem = "too many query parameters";

    /* Each {name} must be a whole segment and name its declared int field. */
    size_t i = 0;
    for (const char *p = strchr(r->pattern != NULL ? r->pattern : "", '{');
         problem == NULL && p != NULL; p = strchr(p + 1, '{'), i++) {
        const char *close = strchr(p, '}');
        const struct field *f = &r->path_params[i];
        if (close == NULL || p[-1] != '/' || (close[1] != '/' && close[1] != '\0'))
            problem = "a {parameter} must be a whole path segment";
        else if (f->name == NULL || strlen(f->name) != (size_t)(close - p - 1) ||
                 strncmp(f->name, p + 1, (size_t)(close - p - 1)) != 0)
            problem = "path_params names differ from the pattern";
        else if (f->type != FIELD_INT)
            problem = "path parameters must be FIELD_INT";
    }
    for (i = 0; problem == NULL && r->query != NULL && i < r->query->nfields; i++) {
        if (r->query->fields[i].type != FIELD_INT && r->query->fields[i].type != FIELD_BOOL)
            problem = "query parameters must be FIELD_INT or FIELD_BOOL";
    }
    if (problem != NULL) {
        log_error("event=route_table_invalid route=\"%s %s\" problem=\"%s\"",
                  r->method != NULL ? r->method : "?", r->pattern != NULL ? r->pattern : "?",
                  problem);
        return false;
    }
    return true;
}

bool router_table_valid(const struct route *routes, size_t nroutes)
{
    bool ok = true;
    for (size_t i = 0; i < nroutes; i++) {
        ok = router_route_valid(&routes[i]) && ok;
        /* A second "GET /users/" would never be reached. */
        for (size_t j = 0; ok && j < i; j++) {
            if (strcmp(routes[i].method, routes[j].method) == 0 &&
                router_trimmed_len(routes[i].pattern) == router_trimmed_len(routes[j].pattern) &&
                strncmp(routes[i].pattern, routes[j].pattern,
                        router_trimmed_len(routes[i].pattern)) == 0) {
                log_error("event=route_table_invalid route=\"%s %s\" problem=\"duplicate\"",
                          routes[i].method, routes[i].pattern);
                ok = false;
            }
        }
    }
    return ok;
}

/* A broken table is a programming error: stop at start-up, not at the first request. */
void router_init(const struct route *routes, size_t nroutes, bool (*db_available)(void))
{
    if (!router_table_valid(routes, nroutes)) {
        log_error("event=route_table_invalid file=%s line=%d", __FILE__, __LINE__);
        abort();
    }
    router_table = routes;
    router_count = nroutes;
    router_db_probe = db_available;
}

const struct route *router_routes(size_t *nroutes)
{
    *nroutes = router_count;
    return router_table;
}

/*
 * The first route in table order whose pattern and method match, with its path
 * segments; NULL if none. *path_known tells 405 from 404.
 */
static const struct route *router_find(const struct http_request *req, const char **seg,
                                       size_t *seglen, size_t *nseg, bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < router_count; i++) {
        const struct route *r = &router_table[i];
        if (!router_match(r->pattern, req->path, seg, seglen, HTTP_MAX_PATH_PARAMS, nseg))
            continue;
        *path_known = true;
        if (router_method_matches(r->method, req->method))
            return r;
    }
    return NULL;
}

/* 405 with Allow: the methods of every route matching the path, in table order. */
static void router_reply_405(const struct http_request *req, struct http_response *res)
{
    char allow[128] = "";
    const char *seg[HTTP_MAX_PATH_PARAMS];
    size_t seglen[HTTP_MAX_PATH_PARAMS];

    for (size_t i = 0; i < router_count; i++) {
        const struct route *r = &router_table[i];
        if (!router_match(r->pattern, req->path, seg, seglen, HTTP_MAX_PATH_PARAMS, NULL))
            continue;
        bool listed = false;
        for (size_t j = 0; j < i && !listed; j++) {
            listed = strcmp(router_table[j].method, r->method) == 0 &&
                     router_match(router_table[j].pattern, req->path, seg, seglen,
                                  HTTP_MAX_PATH_PARAMS, NULL);
        }
        if (!listed) {
            size_t used = strlen(allow);
            snprintf(allow + used, sizeof allow - used, "%s%s", used > 0 ? ", " : "", r->method);
        }
    }
    http_reply_detail(res, 405, "Method Not Allowed");
    http_add_header(res, "Allow", "%s", allow);
}

/* Path segments as the declared int fields (loc "path"). */
static void router_path_params(const struct route *r, const char **seg, const size_t *seglen,
                               size_t nseg, struct http_request *req, struct schema_errors *errs)
{
    for (size_t i = 0; i < nseg; i++) {
        char *text = strndup(seg[i], seglen[i]);
        if (text == NULL) {
            errs->failed = true;
            return;
        }
        schema_parse_path_int(&r->path_params[i], text, &req->path_params[i], errs);
        free(text);
    }
}

void router_dispatch(struct http_request *req, struct http_response *res)
{
    const char *seg[HTTP_MAX_PATH_PARAMS];
    size_t seglen[HTTP_MAX_PATH_PARAMS];
    size_t nseg = 0;
    bool path_known = false;

    const struct route *r = router_find(req, seg, seglen, &nseg, &path_known);
    if (r == NULL && path_known) {
        router_reply_405(req, res);
        return;
    }
    if (r == NULL) {
        http_reply_detail(res, 404, "Not Found");
        return;
    }
    if (r->body != NULL && !router_is_json(req->content_type)) {
        http_reply_detail(res, 415, "Unsupported Media Type");
        return;
    }

    struct schema_errors errs = {0};
    router_path_params(r, seg, seglen, nseg, req, &errs);
    schema_parse_query(r->query, req->query, req->query_params, &errs);
    if (r->body != NULL)
        req->json = schema_validate_body(r->body, req->body, req->body_len, &errs);
    if (errs.failed) {
        schema_errors_free(&errs);
        http_reply_internal_error(req, res, "out of memory while validating");
        return;
    }
    if (errs.detail != NULL) {
        cJSON_Delete(req->json); /* a valid body does not make the request valid */
        req->json = NULL;
        http_reply_json(res, 422, schema_errors_take_body(&errs));
        return;
    }

    if ((r->flags & ROUTE_NEEDS_DB) && router_db_probe != NULL && !router_db_probe()) {
        http_reply_unavailable(res);
        return;
    }

    r->handler(req, res);
    if (res->status == 0) {
        http_response_release(res); /* headers a handler added belong to no reply */
        http_reply_internal_error(req, res, "handler returned without a reply");
    }
}
