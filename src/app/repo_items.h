/*
 * repo_items.h — the items repository: every SQL statement about items lives in
 * repo_items.c. Results are the public Item JSON.
 */
#ifndef APP_REPO_ITEMS_H
#define APP_REPO_ITEMS_H

#include "app/models.h"
#include "app/repo.h"

/* Adds its statements to those prepared on each connection (see repo_register). */
void repo_items_register(void);

/*
 * Creates an item for `owner_id` unless they already own `limit` items, in one
 * transaction that first locks the owner's row, so concurrent creations for the same
 * owner take turns and the limit holds. REPO_NOT_FOUND when the owner does not exist,
 * REPO_LIMIT_REACHED at the limit; on any failure nothing is created.
 */
enum repo_status repo_items_create(long long owner_id, const struct item_new *item, long long limit,
                                   struct repo_result *out);

/* One item. REPO_NOT_FOUND when there is none. */
enum repo_status repo_items_get(long long id, struct repo_result *out);

/* A page of items ordered by id, as a JSON array. */
enum repo_status repo_items_list(long long skip, long long limit, struct repo_result *out);

/* Applies the given fields; an empty patch returns the item unchanged. */
enum repo_status repo_items_update(long long id, const struct item_patch *patch,
                                   struct repo_result *out);

enum repo_status repo_items_delete(long long id, struct repo_result *out);

#endif
