/*
 * revision.h — one revision file of sql/versions/ (SPEC §7): its header fields and its
 * up and down SQL sections. Parsing only: no database, no graph (revgraph.h links
 * revisions together). Shared by dbtool and the worker (/readyz needs the head).
 *
 *   -- Revision ID: 66d8a54cd297
 *   -- Revises:                      (parent id; empty for the first; "a, b" for a merge)
 *   -- Create Date: 2026-11-27 10:00:00
 *   -- Message: initial tables
 *   -- Transaction: per-revision     (optional; "none" runs statement by statement)
 *
 *   -- migrate:up
 *   CREATE TABLE ...;
 *
 *   -- migrate:down
 *   DROP TABLE ...;
 *
 * Rules (each violation is an error naming file:line):
 * - Before `-- migrate:up` only comments and blank lines; header fields are comment lines
 *   `-- Key: value` with the keys above (any case). Other comment lines are free text,
 *   except one whose key is a near-miss of a field name (`-- Revison ID:`), which is an
 *   error so that a typo never silently drops a field.
 * - `Revision ID` and `Revises` are required, each at most once; `Create Date`,
 *   `Message` and `Transaction` are optional, at most once.
 * - A revision id is 1..64 characters of [A-Za-z0-9_] and not one of the target words
 *   `head`, `heads`, `base`, `current` (so targets like `abc+2` stay unambiguous).
 * - `-- migrate:up` exactly once; `-- migrate:down` at most once and after it. A file
 *   without a down section cannot be downgraded (dbtool says so when asked to).
 * - The file is UTF-8 text without NUL bytes; CRLF line ends are accepted.
 * Markers are recognised per line, so a marker line inside a dollar-quoted body would
 * be taken as a marker: do not write one there.
 */
#ifndef COMMON_REVISION_H
#define COMMON_REVISION_H

#include <stdbool.h>
#include <stddef.h>

#define REVISION_ID_MAX 64

enum revision_tx {
    REVISION_TX_PER_REVISION, /* default: the whole section + bookkeeping in one transaction */
    REVISION_TX_NONE,         /* statement by statement, autocommit, progress recorded */
};

/* A parsed revision. Every string is owned by the struct (revision_free). */
struct revision {
    char *path;     /* the file as named to the loader, or a label for stored revisions */
    char *id;       /* Revision ID */
    char **parents; /* Revises, in file order; NULL when nparents == 0 */
    size_t nparents;
    char *create_date; /* "" when absent */
    char *message;     /* "" when absent */
    enum revision_tx tx;
    char *text; /* the whole file as read (checksums are taken over it); NULL if stored */
    size_t textlen;
    char *up;      /* the up section (text after the marker line up to the down marker) */
    int up_line;   /* file line of the up section's first line */
    char *down;    /* the down section, NULL when the file has no down marker */
    int down_line; /* file line of the down section's first line */
    int id_line;   /* file line of the Revision ID field (for graph errors) */
    int revises_line;
    bool stored; /* built from the database's history (its file is missing) */
};

/*
 * Parses a revision file held in memory (len bytes, need not be NUL-terminated).
 * `path` is only used in messages and copied into out->path.
 * Returns 0 and fills *out; on error returns -1, writes "path:line: reason" into err
 * and leaves *out empty (nothing to free). ENOMEM is reported the same way.
 */
int revision_parse(struct revision *out, const char *path, const char *text, size_t len, char *err,
                   size_t errlen);

/* Reads and parses the file at path. Same contract as revision_parse; an unreadable
 * file gives "path: <strerror>". */
int revision_load(struct revision *out, const char *path, char *err, size_t errlen);

/* True when s is a valid revision id (see the rules above). */
bool revision_id_valid(const char *s);

/* Frees everything the struct owns and zeroes it; safe on a zeroed struct. */
void revision_free(struct revision *r);

#endif
