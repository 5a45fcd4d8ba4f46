/*
 * fuzz_request_query.c — libFuzzer target: a raw query string through
 * schema_parse_query() with the application's query parameters (schemas_list_query:
 * skip, limit of GET /users/ and GET /items/).
 *
 * Input: the whole input is QUERY_STRING, cut at its first NUL byte (FastCGI params are
 * C strings).
 *
 * Checked besides memory safety and leaks: the parser says valid exactly when no
 * problem was collected; every value it returns for a valid query is within its
 * declared bounds; problems are located in "query" and the 422 answer stays bounded.
 */
#include <stdlib.h>

#include "app/schemas.h"
#include "worker/http.h"
#include "support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct schema *params = &schemas_list_query;
    char *query = support_cstring(data, size);
    long long out[HTTP_MAX_QUERY_PARAMS];
    struct schema_errors errs = {0};

    FUZZ_CHECK(params->nfields <= HTTP_MAX_QUERY_PARAMS);
    bool valid = schema_parse_query(params, query, out, &errs);
    if (valid) {
        for (size_t i = 0; i < params->nfields; i++)
            support_check_param(&params->fields[i], out[i]);
    }
    support_check_errors(&errs, valid, "query", params);
    free(query);
    return 0;
}
