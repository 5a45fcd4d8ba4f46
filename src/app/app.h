/*
 * app.h — the example application as the worker runtime sees it: its route table and
 * a per-worker initialisation hook (register prepared statements, keep settings).
 * The runtime (src/worker/) knows nothing else of users or items.
 */
#ifndef APP_APP_H
#define APP_APP_H

#include <stddef.h>
#include "common/settings.h"
#include "worker/router.h"

/* The route table (static storage). */
const struct route *app_routes(size_t *nroutes);

/* Called in each worker before db_open(): registers the repositories' statements and
 * keeps a pointer to the settings (valid for the worker's lifetime). */
void app_init(const struct settings *s);

#endif
