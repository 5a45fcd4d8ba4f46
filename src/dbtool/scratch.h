/*
 * scratch.h — the scratch database that autogenerate, `check` and `test` work in (SPEC §8):
 * an empty database where sql/schema.sql is applied (to read the declared catalog) and
 * where `dbtool test` runs the revisions.
 *
 * By default dbtool creates one on the server of DATABASE_URL, named
 * dbtool_scratch_<pid>_<8 random hex digits> so that concurrent runs never collide, from
 * template0 (so nothing an administrator added to template1 shows up), and drops it
 * again on every way out: success, error, and SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGPIPE
 * (the handler cancels the running statement, the normal error path drops the database,
 * then the signal is raised again). Only SIGKILL can leave one behind; the prefix makes
 * such leftovers easy to find.
 *
 * A role without CREATEDB gets an error suggesting --scratch-url: an empty database the
 * user provides. dbtool checks that it is empty, applies the schema file inside a
 * transaction that it rolls back, and `dbtool test` downgrades its revisions and drops its
 * tables afterwards, so the database is left empty again.
 */
#ifndef DBTOOL_SCRATCH_H
#define DBTOOL_SCRATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "dbtool/catalog.h"
#include "dbtool/dbconn.h"

struct scratch {
    struct dbconn db;    /* connected to the scratch database */
    struct dbconn admin; /* to the server of DATABASE_URL: creates and drops it */
    char name[64];       /* the database dbtool created; "" when given by --scratch-url */
    bool open;
};

/*
 * Opens a scratch database: the given one (scratch_url, must be empty), else a new one
 * created through server_url. Installs the signal handlers. Returns 0, or -1 with a
 * one-line reason in err (nothing is left behind).
 */
int scratch_open(struct scratch *sc, const char *server_url, const char *scratch_url,
                 long long lock_timeout_ms, char *err, size_t errlen);

/*
 * Applies the SQL file at path in the scratch database inside one transaction, reads
 * the catalog of CATALOG_SCHEMA into *out, and rolls the transaction back. Errors name
 * path:line with the server's message. Returns 0 or -1 with err.
 */
int scratch_declared(struct scratch *sc, const char *path, struct catalog *out, char *err,
                     size_t errlen);

/*
 * Leaves a given (--scratch-url) database as empty as it was: drops dbtool's tables and
 * every table, sequence and enum of CATALOG_SCHEMA. Returns 0 or -1 with err.
 */
int scratch_reset(struct scratch *sc, char *err, size_t errlen);

/*
 * Disconnects and drops the database dbtool created (a failure is a warning on stderr
 * naming it). Restores the signal handlers; when a signal arrived meanwhile, says so and
 * raises it again (the process ends). Safe to call on a closed scratch.
 */
void scratch_close(struct scratch *sc);

/* True once SIGINT, SIGTERM, SIGHUP, SIGQUIT or SIGPIPE arrived while a scratch was open:
 * long loops stop and close it. */
bool scratch_interrupted(void);

#endif
