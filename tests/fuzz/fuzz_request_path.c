/*
 * fuzz_request_path.c — libFuzzer target: a request path through router_match() against
 * every pattern of the application's route table (app_routes()), and each matched
 * segment through schema_parse_path_int() with the route's declared path parameter
 * (user_id, item_id: int64 >= 1). The whole input also goes to schema_parse_path_int()
 * as one segment, so the integer parser sees every byte string, not only what the
 * router cuts out.
 *
 * Input: the whole input is the decoded path (DOCUMENT_URI), cut at its first NUL byte.
 *
 * Checked besides memory safety and leaks: a match yields exactly one non-empty segment
 * per {name} of the pattern, inside the path and without a '/'; a segment accepted as an
 * id is within the field's bounds; rejections are located in "path".
 */
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/schemas.h"
#include "support.h"

/* Number of {name} parameters in a route pattern. */
static size_t fuzz_pattern_params(const char *pattern)
{
    size_t n = 0;
    for (const char *p = pattern; *p != '\0'; p++)
        n += *p == '{';
    return n;
}

static void fuzz_parse_segment(const struct field *f, const char *segment)
{
    struct schema_errors errs = {0};
    long long value = 0;
    bool valid = schema_parse_path_int(f, segment, &value, &errs);
    if (valid)
        support_check_param(f, value);
    support_check_errors(&errs, valid, "path", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = support_cstring(data, size);
    size_t pathlen = strlen(path);
    size_t nroutes = 0;
    const struct route *routes = app_routes(&nroutes);

    for (size_t i = 0; i < nroutes; i++) {
        const struct route *r = &routes[i];
        const char *seg[HTTP_MAX_PATH_PARAMS];
        size_t len[HTTP_MAX_PATH_PARAMS];
        size_t nseg = 0;

        if (!router_match(r->pattern, path, seg, len, HTTP_MAX_PATH_PARAMS, &nseg))
            continue;
        FUZZ_CHECK(nseg == fuzz_pattern_params(r->pattern));
        for (size_t k = 0; k < nseg; k++) {
            FUZZ_CHECK(seg[k] >= path && len[k] > 0 && seg[k] + len[k] <= path + pathlen);
            FUZZ_CHECK(memchr(seg[k], '/', len[k]) == NULL);
            char *text = strndup(seg[k], len[k]);
            FUZZ_CHECK(text != NULL);
            fuzz_parse_segment(&r->path_params[k], text);
            free(text);
        }
        /* With room for fewer parameters than the pattern has, nothing matches. */
        if (nseg > 0)
            FUZZ_CHECK(!router_match(r->pattern, path, seg, len, nseg - 1, NULL));
    }
    fuzz_parse_segment(&schemas_user_id[0], path);
    free(path);
    return 0;
}
