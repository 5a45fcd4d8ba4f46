/*
 * history.h — dbtool's own tables: all of their SQL lives in history.c.
 *
 *   dbtool_version   the current head(s), one row each (like alembic_version)
 *   dbtool_history   append-only, one row per revision run or stamp: revision, parents,
 *                    direction (up/down/stamp/unstamp), message, transaction mode, sha256
 *                    of the file, who, when, duration, success, error, and the up and
 *                    down SQL that were applied (so a downgrade works without the file)
 *   dbtool_progress  append-only, one row per completed statement of a `Transaction: none`
 *                    revision (index, sha256 of the statement, line), so an interrupted
 *                    run resumes after the last completed statement. Its ids come from
 *                    dbtool_history's sequence: "after the last finished run" is then
 *                    simply a larger id.
 *
 * Rows are only ever inserted, never updated or deleted (the version table excepted).
 * Online statements are parameterised; the history_print_* functions write the same
 * bookkeeping as literal SQL for `--sql`.
 */
#ifndef DBTOOL_HISTORY_H
#define DBTOOL_HISTORY_H

#include <stdbool.h>
#include <stdio.h>

#include "common/revision.h"
#include "dbtool/dbconn.h"

/* One dbtool_history row to insert. NULL strings become SQL NULL. */
struct history_row {
    const char *revision;
    const char *revises;   /* parents, "a, b" */
    const char *direction; /* "up", "down", "stamp", "unstamp" */
    const char *message;
    const char *transaction; /* "per-revision" or "none" */
    const char *checksum;
    long long duration_ms; /* < 0 for NULL */
    bool success;
    const char *up_sql;
    const char *down_sql;
    const char *error;
};

/* A progress row of a `Transaction: none` revision. */
struct history_progress {
    int statement; /* 1-based index in its section */
    char sha256[65];
};

/* Creates the three tables if they do not exist. 0 or -1 (err set). */
int history_ensure(struct dbconn *c, char *err, size_t errlen);

/* Prints the same CREATE TABLE IF NOT EXISTS statements. */
void history_print_ddl(FILE *out);

/*
 * Reads the version table: *ids gets a malloc'd array of malloc'd ids (sorted), *n
 * their count. A missing table reads as no rows. 0 or -1 (err set).
 */
int history_read_versions(struct dbconn *c, char ***ids, size_t *n, char *err, size_t errlen);

void history_free_ids(char **ids, size_t n);

/*
 * Builds a revision from the latest successful up/stamp row for id (the SQL applied
 * with it). Returns 1 and fills *rev (rev->stored set), 0 when history has no such
 * row (or no table), -1 on error.
 */
int history_load_stored(struct dbconn *c, const char *id, struct revision *rev, char *err,
                        size_t errlen);

/*
 * The checksum recorded when id was last applied or stamped: 1 and hex filled, 0 when
 * none is recorded, -1 on error.
 */
int history_applied_checksum(struct dbconn *c, const char *id, char hex[65], char *err,
                             size_t errlen);

/* Inserts a history row; applied_by is the database user plus this host and pid. */
int history_record(struct dbconn *c, const struct history_row *row, char *err, size_t errlen);

/* Replaces version rows: deletes each of del, inserts each of add. */
int history_set_versions(struct dbconn *c, char *const *del, size_t ndel, char *const *add,
                         size_t nadd, char *err, size_t errlen);

/*
 * The statements of a `Transaction: none` revision completed since its last finished
 * run in that direction, in order: *out malloc'd (NULL when none), *n the count.
 */
int history_read_progress(struct dbconn *c, const char *revision, const char *direction,
                          struct history_progress **out, size_t *n, char *err, size_t errlen);

/* Records one completed statement of a `Transaction: none` revision. */
int history_record_progress(struct dbconn *c, const char *revision, const char *direction,
                            int statement, const char *sha256, int line, char *err, size_t errlen);

/* Offline (--sql) counterparts of history_set_versions and history_record. */
void history_print_versions(FILE *out, char *const *del, size_t ndel, char *const *add,
                            size_t nadd);
void history_print_record(FILE *out, const struct history_row *row);

/* Prints a statement that fails unless the version table holds exactly `ids`
 * (sorted, comma-joined; "" for none): offline SQL checks where it starts. */
void history_print_expect(FILE *out, const char *ids);

/* Prints s as a dollar-quoted SQL literal whose tag does not occur in s. */
void history_print_literal(FILE *out, const char *s);

#endif
