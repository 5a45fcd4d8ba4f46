/*
 * diff.h — compares two catalogs (catalog.h) and writes the SQL that turns the first into
 * the second (SPEC §8). Pure: no database, so every rule is unit-tested on in-memory
 * catalogs. `revision --autogenerate` uses diff(current, declared) as the up section and
 * diff(declared, current) as the down section; `check` and `test` list the changes.
 *
 * Matching. Tables, columns, enums and sequences are the same object when their names
 * are equal; a different name is a drop plus an add (renames are not guessed). Constraints
 * and indexes are matched by name first; in DIFF_NORMAL mode those left over on both
 * sides are then matched by definition (kind + pg_get_constraintdef, or pg_get_indexdef
 * without the name), so an object whose name was generated differently (users_email_key
 * vs users_email_key1) is not a change. DIFF_STRICT skips that second step: `dbtool test`
 * uses it to prove a downgrade leaves exactly what was there before.
 *
 * Order of the statements, so that every foreign key holds at every step:
 *   enum types created and values added; sequences created or altered; sequences
 *   disowned; foreign keys dropped (on kept tables, and those closing a cycle among
 *   dropped tables); tables dropped, referencing ones first; constraints and indexes
 *   dropped; columns dropped; enums with a removed or reordered value recreated; columns
 *   altered (identity off, default off, type, NULL/NOT NULL, default, identity on);
 *   columns added; constraints added to kept tables; tables created, referenced ones
 *   first, each followed by its indexes; indexes created on kept tables; foreign keys
 *   added; sequences owned; sequences dropped; enum types dropped; comments.
 * The reverse diff mirrors it, so a down section undoes its up section.
 */
#ifndef DBTOOL_DIFF_H
#define DBTOOL_DIFF_H

#include <stddef.h>

#include "dbtool/catalog.h"

enum diff_mode { DIFF_NORMAL, DIFF_STRICT };

struct diff {
    char **changes; /* "added table 'items'", "NOT NULL on column 'users.email'", ... */
    size_t nchanges;
    char **warnings; /* destructive or possibly failing steps, also in sql as -- WARNING */
    size_t nwarnings;
    char *sql; /* the statements, each ending with ";\n"; "" when nothing differs */
};

/*
 * Computes the changes from `from` to `to`. Returns 0 and fills *out (nchanges == 0 when
 * the catalogs are equal), or -1 when out of memory (*out is then empty).
 */
int diff_compute(const struct catalog *from, const struct catalog *to, enum diff_mode mode,
                 struct diff *out);

void diff_free(struct diff *d);

#endif
