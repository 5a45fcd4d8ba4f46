/*
 * items.c — the item endpoints (SPEC §5): validated input -> repo_items -> reply.
 *
 *   POST   /users/{user_id}/items/  201 Item + Location  404 "User not found"
 *                                                        409 "Item limit reached (N per user)"
 *   GET    /items/                  200 [Item]
 *   GET    /items/{item_id}         200 Item             404 "Item not found"
 *   PATCH  /items/{item_id}         200 Item             404
 *   DELETE /items/{item_id}         204                  404
 */
#include <stdio.h>

#include "app/handlers.h"
#include "app/models.h"
#include "app/repo_items.h"
#include "app/schemas.h"

#define ITEM_NOT_FOUND "Item not found"

void items_create(struct http_request *req, struct http_response *res)
{
    long long limit = app_settings()->items_per_user;
    struct item_new item = {
        .title = schema_get_string(req->json, "title"),
        .description = schema_get_string(req->json, "description"),
    };
    struct repo_result out;

    repo_result_init(&out);
    enum repo_status status = repo_items_create(req->path_params[0], &item, limit, &out);
    if (status == REPO_LIMIT_REACHED) {
        char detail[64];
        snprintf(detail, sizeof detail, "Item limit reached (%lld per user)", limit);
        http_reply_detail(res, 409, detail);
        return;
    }
    if (status == REPO_OK) {
        http_add_header(res, "Location", "/items/%lld", out.id);
    }
    app_reply(req, res, status, &out, 201, "User not found");
}

void items_list(struct http_request *req, struct http_response *res)
{
    struct repo_result out;

    repo_result_init(&out);
    enum repo_status status = repo_items_list(req->query_params[SCHEMAS_QUERY_SKIP],
                                              req->query_params[SCHEMAS_QUERY_LIMIT], &out);
    app_reply(req, res, status, &out, 200, ITEM_NOT_FOUND);
}

void items_get(struct http_request *req, struct http_response *res)
{
    struct repo_result out;

    repo_result_init(&out);
    enum repo_status status = repo_items_get(req->path_params[0], &out);
    app_reply(req, res, status, &out, 200, ITEM_NOT_FOUND);
}

void items_update(struct http_request *req, struct http_response *res)
{
    struct item_patch patch = {
        .title = schema_get_string(req->json, "title"), /* title may not be null */
        .set_description = schema_has(req->json, "description"),
        .description = schema_get_string(req->json, "description"), /* NULL for null */
    };
    struct repo_result out;

    repo_result_init(&out);
    enum repo_status status = repo_items_update(req->path_params[0], &patch, &out);
    app_reply(req, res, status, &out, 200, ITEM_NOT_FOUND);
}

void items_delete(struct http_request *req, struct http_response *res)
{
    struct repo_result out;

    repo_result_init(&out);
    enum repo_status status = repo_items_delete(req->path_params[0], &out);
    app_reply(req, res, status, &out, 204, ITEM_NOT_FOUND);
}
