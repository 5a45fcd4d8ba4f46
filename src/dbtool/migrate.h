/*
 * migrate.h — running a plan against the database, or printing it as SQL (SPEC §7).
 *
 * Transactions:
 * - per revision (default): BEGIN; the section's statements one by one; the version-table
 *   change and the history row; COMMIT. A failure rolls all of it back, so the database
 *   stays exactly at the previous revision; the error names file:line of the statement.
 * - --single-transaction: one BEGIN ... COMMIT around the whole plan (all or nothing).
 * - `Transaction: none`: each statement commits on its own and is recorded in
 *   dbtool_progress; the bookkeeping follows in a short transaction. A rerun after a
 *   failure skips the statements already done (matched by their sha256), so the run
 *   resumes where it stopped.
 * A statement that fails with lock_not_available (SQLSTATE 55P03, the lock_timeout) is
 * rolled back and retried MIGRATE_LOCK_RETRIES times with growing pauses, then reported
 * with the lock it waited for.
 */
#ifndef DBTOOL_MIGRATE_H
#define DBTOOL_MIGRATE_H

#include <stdbool.h>
#include <stdio.h>

#include "dbtool/dbconn.h"
#include "dbtool/plan.h"

#define MIGRATE_LOCK_RETRIES 3

struct migrate_opts {
    bool single_transaction;
    FILE *out; /* progress lines ("Running upgrade ...") or the SQL of --sql */
};

/*
 * Checks a plan before anything runs: every section splits into statements, none
 * contains transaction control, a downgrade has a down section, and --single-transaction
 * holds no `Transaction: none` revision. Returns 0 or -1 with err (file:line when it
 * applies).
 */
int migrate_check(const struct revgraph *g, const struct plan *p, bool single_transaction,
                  char *err, size_t errlen);

/*
 * Runs an upgrade or downgrade plan (checked by migrate_check) on a connection that holds
 * the advisory lock and whose tables exist. applied is updated as revisions complete.
 * Returns 0, or -1 with err; the database is then at the last completed revision (at
 * the start with --single-transaction).
 */
int migrate_run(struct dbconn *c, const struct revgraph *g, bool *applied, const struct plan *p,
                const struct migrate_opts *o, char *err, size_t errlen);

/* Runs a stamp plan: only version rows and stamp/unstamp history rows, in one
 * transaction; `unknown` version rows (revisions found nowhere) are deleted too.
 * Prints "Running stamp FROM -> TO". */
int migrate_stamp(struct dbconn *c, const struct revgraph *g, bool *applied, const struct plan *p,
                  char *const *unknown, size_t nunknown, FILE *out, char *err, size_t errlen);

/*
 * Prints the plan as SQL (offline mode): the tables' CREATE IF NOT EXISTS, a check that
 * the database is at the starting revision(s), then per revision BEGIN, its statements,
 * the version and history bookkeeping, COMMIT. applied is the starting state; it is
 * updated as if the plan ran. Returns 0 or -1 with err.
 */
int migrate_print_sql(const struct revgraph *g, bool *applied, const struct plan *p,
                      const struct migrate_opts *o, const char *title, char *err, size_t errlen);

#endif
