/*
 * repo_meta.h — the database questions of the service endpoints (/readyz).
 */
#ifndef APP_REPO_META_H
#define APP_REPO_META_H

#include <stddef.h>
#include "app/repo.h"

/* Adds its statements to those prepared on each connection (see repo_register). */
void repo_meta_register(void);

/*
 * Reads the revision(s) recorded in the database's version table into buf, sorted and
 * comma-separated ("" when none). One round trip, so it also proves the database
 * answers. REPO_NOT_FOUND when the version table does not exist (not migrated), with
 * the reason in out->error; REPO_UNAVAILABLE / REPO_ERROR as usual.
 */
enum repo_status repo_meta_schema_revision(char *buf, size_t buflen, struct repo_result *out);

#endif
