/*
 * state.h — what the commands start from: the revision graph of the folder and, when
 * connected, the database's position in it (version rows, applied set), with the
 * revisions applied from files that are gone rebuilt from dbtool_history.
 */
#ifndef DBTOOL_STATE_H
#define DBTOOL_STATE_H

#include <stdbool.h>
#include <stdio.h>

#include "common/revgraph.h"
#include "common/settings.h"
#include "dbtool/dbconn.h"

struct dbstate {
    struct revgraph g;
    struct dbconn db;
    bool connected;
    bool *applied;   /* per node: applied (the version rows and their ancestors) */
    bool *current;   /* per node: a version row */
    char **unknown;  /* version rows neither in the folder nor in dbtool_history */
    size_t nunknown; /* (only when state_read was lenient) */
};

/* Loads the folder's graph. Returns 0 or -1 with err. */
int state_load_graph(struct dbstate *st, const char *dir, char *err, size_t errlen);

/*
 * Connects; with lock, takes the advisory lock (waiting up to lock_wait_s, announcing it
 * on out). Returns 0 or -1 with err.
 */
int state_connect(struct dbstate *st, const struct settings *s, bool lock, FILE *out, char *err,
                  size_t errlen);

/*
 * Reads the version rows and builds applied/current. A row not in the folder becomes a
 * stored node (from dbtool_history); with lenient, a row found nowhere goes to
 * st->unknown instead of being an error. Returns 0 or -1 with err.
 */
int state_read(struct dbstate *st, bool lenient, char *err, size_t errlen);

/* Empty arrays for offline use (nothing applied). 0 or -1 (out of memory). */
int state_init_offline(struct dbstate *st);

/*
 * Compares each applied file with the checksum recorded when it was applied. Each
 * mismatch is described on its own line in problems (which may be NULL) and counted.
 * Returns the count, or -1 with err on a database error.
 */
int state_changed_files(struct dbstate *st, char *problems, size_t plen, char *err, size_t errlen);

void state_free(struct dbstate *st);

#endif
