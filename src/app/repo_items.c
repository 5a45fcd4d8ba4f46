/*
 * repo_items.c — all SQL about items (SPEC §6): constant statements with $n
 * parameters, prepared once per connection.
 *
 * The per-user limit (ITEMS_PER_USER) is enforced inside one transaction:
 *   BEGIN; lock the owner's row (SELECT ... FOR NO KEY UPDATE); INSERT ... SELECT ...
 *   FROM the owner's row WHERE (count of the owner's items) < limit; COMMIT,
 * sent as one pipeline (db_transaction): one network round trip instead of four, with the
 * same statements run in the same order. As the four are sent before any answer, the
 * INSERT cannot wait for the lock's verdict: it inserts only where it sees the owner, so
 * "no owner" (lock and insert both empty: 404), "limit reached" (owner locked, nothing
 * inserted: 409) and "created" (a row) come from the two results, and nothing is ever
 * written for an answer other than 201.
 * The lock makes creations for one owner take turns, and because the INSERT is a new
 * statement it counts with a fresh snapshot (READ COMMITTED), which includes the items
 * committed by whoever held the lock before. The count cannot share a statement with the
 * lock: a statement's snapshot is taken before it waits for the lock and would miss them.
 * FOR NO KEY UPDATE rather than FOR UPDATE: it still serialises the creators but does not
 * block the foreign-key checks (FOR KEY SHARE) of other writers.
 *
 * items_list skips `skip` rows on the primary key index alone (an index-only scan finds
 * the first id of the page) and reads table rows only for the page itself; OFFSET would
 * read every skipped row. Same result (ids are unique and ordered; past the end the
 * subquery is NULL and the page empty), measured +28 % req/s with make bench
 * (tests/bench/BASELINE.md).
 */
#include "app/repo_items.h"

#include <stdio.h>

#include "app/repo_pg.h"
#include "worker/db.h"

/* For each row of `rel` (exactly the REPO_ITEM_COLUMNS): its id and its Item JSON. */
#define ITEM_JSON_FROM(rel) "SELECT i.id, row_to_json(i)::text AS json FROM " rel " i"

static const struct db_statement repo_items_statements[] = {
    {"items_lock_owner", "SELECT id FROM users WHERE id = $1::bigint FOR NO KEY UPDATE", 1},
    {"items_create",
     "WITH c AS (INSERT INTO items (title, description, owner_id)"
     " SELECT $2::text, $3::text, u.id FROM users u WHERE u.id = $1::bigint"
     " AND (SELECT count(*) FROM items WHERE owner_id = $1::bigint) < $4::bigint"
     " RETURNING " REPO_ITEM_COLUMNS ") " ITEM_JSON_FROM("c"),
     4},
    {"items_get", ITEM_JSON_FROM("(SELECT " REPO_ITEM_COLUMNS " FROM items WHERE id = $1::bigint)"),
     1},
    {"items_list",
     "SELECT coalesce('[' || string_agg(row_to_json(i)::text, ',' ORDER BY i.id) || ']', '[]')"
     " FROM (SELECT " REPO_ITEM_COLUMNS " FROM items"
     " WHERE id >= (SELECT id FROM items ORDER BY id OFFSET $1::bigint LIMIT 1)"
     " ORDER BY id LIMIT $2::bigint) i",
     2},
    {"items_update",
     "WITH c AS (UPDATE items SET title = coalesce($2::text, title),"
     " description = CASE WHEN $3::boolean THEN $4::text ELSE description END"
     " WHERE id = $1::bigint RETURNING " REPO_ITEM_COLUMNS ") " ITEM_JSON_FROM("c"),
     4},
    {"items_delete", "DELETE FROM items WHERE id = $1::bigint RETURNING id", 1},
};

void repo_items_register(void)
{
    repo_add_statements(repo_items_statements,
                        sizeof repo_items_statements / sizeof repo_items_statements[0]);
}

enum repo_status repo_items_create(long long owner_id, const struct item_new *item, long long limit,
                                   struct repo_result *out)
{
    char ownertext[REPO_INT_TEXT], limittext[REPO_INT_TEXT];
    const char *params[] = {repo_int_text(ownertext, owner_id), item->title, item->description,
                            repo_int_text(limittext, limit)};
    const struct db_step steps[] = {{"items_lock_owner", 1, params}, {"items_create", 4, params}};
    PGresult *res[2];
    enum repo_status status;

    switch (db_transaction(steps, 2, res)) {
    case -1:
        return REPO_UNAVAILABLE;
    case 0: /* a statement failed (timeout, lock, ...): nothing was written */
        if (res[0] != NULL && !db_ok(res[0])) {
            PQclear(res[1]);
            return repo_failure(res[0], steps[0].stmt, out);
        }
        PQclear(res[0]);
        if (res[1] != NULL && db_ok(res[1])) { /* both ran: COMMIT itself failed */
            PQclear(res[1]);
            snprintf(out->error, sizeof out->error, "items_create: COMMIT failed");
            return REPO_UNAVAILABLE;
        }
        return repo_failure(res[1], steps[1].stmt, out);
    default:
        break;
    }
    status = repo_take_row(res[1], out);
    if (status == REPO_NOT_FOUND && PQntuples(res[0]) > 0) {
        status = REPO_LIMIT_REACHED; /* the owner is there and locked: the count said no */
    }
    PQclear(res[0]);
    PQclear(res[1]);
    return status;
}

enum repo_status repo_items_get(long long id, struct repo_result *out)
{
    char idtext[REPO_INT_TEXT];
    const char *params[] = {repo_int_text(idtext, id)};

    return repo_exec_row("items_get", 1, params, out);
}

enum repo_status repo_items_list(long long skip, long long limit, struct repo_result *out)
{
    char skiptext[REPO_INT_TEXT], limittext[REPO_INT_TEXT];
    const char *params[] = {repo_int_text(skiptext, skip), repo_int_text(limittext, limit)};

    return repo_exec_value("items_list", 2, params, out);
}

enum repo_status repo_items_update(long long id, const struct item_patch *patch,
                                   struct repo_result *out)
{
    if (patch->title == NULL && !patch->set_description) {
        return repo_items_get(id, out);
    }
    char idtext[REPO_INT_TEXT];
    const char *params[] = {repo_int_text(idtext, id), patch->title,
                            patch->set_description ? "true" : "false", patch->description};

    return repo_exec_row("items_update", 4, params, out);
}

enum repo_status repo_items_delete(long long id, struct repo_result *out)
{
    char idtext[REPO_INT_TEXT];
    const char *params[] = {repo_int_text(idtext, id)};

    return repo_exec_found("items_delete", 1, params, out);
}
