/*
 * migrations.h — revision files and the revision graph (SPEC §7), shared by dbtool
 * and the worker (whose /readyz compares the database with the head of sql/versions).
 *
 * The version table is `dbtool_version(version_num text primary key)`; the
 * append-only history table is `dbtool_history`. Both are created by dbtool.
 */
#ifndef COMMON_MIGRATIONS_H
#define COMMON_MIGRATIONS_H

#include <stddef.h>

#define MIGRATIONS_VERSION_TABLE "dbtool_version"
#define MIGRATIONS_HISTORY_TABLE "dbtool_history"

/*
 * Reads every revision file in `dir` and finds the single head revision id.
 * Returns 0 and writes the id to head; returns -1 with a one-line reason in err
 * (parse error with file:line, multiple heads, missing parent, cycle, duplicate id,
 * unreadable folder). An empty folder is an error ("no revisions").
 */
int migrations_head(const char *dir, char *head, size_t headlen, char *err, size_t errlen);

#endif
