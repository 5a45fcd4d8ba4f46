/*
 * autogen.h — the schema comparisons behind `revision --autogenerate` and `check`
 * (SPEC §8): the declared catalog (the schema file applied to a scratch database), the
 * current catalog (the target database), and the diff between them.
 *
 * The schema file is --schema / SCHEMA_FILE when the user set one; otherwise it is
 * schema.sql beside the revision folder (sql/schema.sql for the default sql/versions), so
 * a revision folder and its declared schema always travel together.
 */
#ifndef DBTOOL_AUTOGEN_H
#define DBTOOL_AUTOGEN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/settings.h"
#include "dbtool/catalog.h"
#include "dbtool/diff.h"
#include "dbtool/state.h"

/* The schema file's path into buf; *named is true when the user chose it (flag,
 * environment or env file), false for the default beside the revision folder. */
void autogen_schema_file(const struct settings *s, char *buf, size_t len, bool *named);

/*
 * The body of `revision --autogenerate`, on a state whose graph is loaded: connects to
 * the target database, requires it to be exactly at `parents` (the new revision's
 * parents; none for a first revision), reads the declared and the current catalog and
 * diffs them. Prints "Detected ..." per change on stdout and each warning on stderr.
 * Returns 1 with *up and *down (malloc'd section texts) when there is a revision to
 * write, 0 after printing "No changes in schema detected." when there is none, or -1
 * with err.
 */
int autogen_revision(struct dbstate *st, const struct settings *s, const char *scratch_url,
                     const char *const *parents, size_t nparents, char **up, char **down, char *err,
                     size_t errlen);

/*
 * The drift part of `check`, on a connected state: *out gets diff(current, declared).
 * Returns 1 when compared, 0 when the default schema file does not exist (nothing to
 * compare; path names it), or -1 with err (a schema file the user named is missing, a
 * scratch or database error).
 */
int autogen_drift(struct dbstate *st, const struct settings *s, const char *scratch_url,
                  struct diff *out, char *path, size_t pathlen, char *err, size_t errlen);

#endif
