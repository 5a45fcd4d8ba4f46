/*
 * repo_pg.h — helpers for the repositories only (repo_*.c): the one place besides
 * src/worker/db.c where libpq types are seen. Handlers include repo_*.h, never this.
 */
#ifndef APP_REPO_PG_H
#define APP_REPO_PG_H

#include <libpq-fe.h>
#include "app/repo.h"
#include "worker/db.h"

/*
 * The public Item columns, in the order of the Item JSON. row_to_json() of a row with
 * exactly these columns is an Item.
 */
#define REPO_ITEM_COLUMNS "id, title, description, owner_id"

/*
 * A json array of the Items of user `owner` (an SQL expression), ordered by id, [] when
 * there are none. string_agg() of row_to_json() rather than json_agg(): json_agg puts a
 * newline between elements.
 */
#define REPO_ITEMS_JSON_OF(owner)                                                                  \
    "(SELECT coalesce(('[' || string_agg(row_to_json(i)::text, ',' ORDER BY i.id) || ']')"         \
    "::json, '[]') FROM (SELECT " REPO_ITEM_COLUMNS " FROM items WHERE owner_id = " owner ") i)"

/* Adds a repository's statement table (static storage) to those repo_register() hands
 * to the connection; a statement whose name is already there is skipped. */
void repo_add_statements(const struct db_statement *stmts, size_t n);

/* Room for a long long as decimal text, sign and NUL included. */
#define REPO_INT_TEXT 24

/* Writes v as decimal text into buf (REPO_INT_TEXT bytes) and returns buf: the text
 * form libpq sends as a parameter. */
const char *repo_int_text(char *buf, long long v);

/*
 * Runs a registered statement whose result is one row (id, json) — or none, which
 * gives REPO_NOT_FOUND — and fills out->id and out->json (a copy).
 */
enum repo_status repo_exec_row(const char *stmt, int nparams, const char *const *params,
                               struct repo_result *out);

/* Runs a registered statement whose result is always one JSON value (a list); fills
 * out->json. */
enum repo_status repo_exec_value(const char *stmt, int nparams, const char *const *params,
                                 struct repo_result *out);

/* Runs a registered statement for its row count: REPO_OK when it returned a row,
 * REPO_NOT_FOUND when none (DELETE ... RETURNING id, SELECT ... FOR UPDATE). */
enum repo_status repo_exec_found(const char *stmt, int nparams, const char *const *params,
                                 struct repo_result *out);

/* Fills out from row 0 (id, json) of a successful result; REPO_NOT_FOUND when it has no
 * row. Does not clear res. */
enum repo_status repo_take_row(const PGresult *res, struct repo_result *out);

/*
 * Classifies a failed statement and clears res. NULL (no or lost connection; db.c has
 * logged it) and the "try again" SQLSTATEs (statement or lock timeout, deadlock,
 * serialization failure, server shutting down) give REPO_UNAVAILABLE; anything else
 * REPO_ERROR. Except for NULL, r->error says "stmt: SQLSTATE primary message" for the
 * log. Only the primary message is kept: the DETAIL of an error may quote row values.
 */
enum repo_status repo_failure(PGresult *res, const char *stmt, struct repo_result *r);

/* True when res failed with a unique violation (23505) on the named constraint/index. */
int repo_is_unique_violation(const PGresult *res, const char *constraint);

#endif
