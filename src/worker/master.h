/*
 * master.h — the api-worker master process: listening socket, prefork pool,
 * supervision, signals, rolling reload and recycling (SPEC §3).
 */
#ifndef WORKER_MASTER_H
#define WORKER_MASTER_H

#include <stddef.h>
#include "common/settings.h"

/* Seconds a worker has to finish its request after SIGTERM before it gets SIGKILL. */
#define MASTER_STOP_TIMEOUT_S 10.0
/* Seconds a new worker has to report ready (its database connect is bounded by 3 s). */
#define MASTER_START_TIMEOUT_S 30.0
/* A worker that dies sooner than this after its start, or before it reported ready, had
 * a failed start: its slot waits MASTER_BACKOFF_FIRST_S, doubling up to
 * MASTER_BACKOFF_MAX_S, before the next fork. A worker that lived longer resets it. */
#define MASTER_FAILED_START_S  1.0
#define MASTER_BACKOFF_FIRST_S 0.5
#define MASTER_BACKOFF_MAX_S   5.0

/* How settings are loaded again on SIGHUP: the same env file and command-line flags. */
struct master_reload {
    const char *env_file; /* --env-file, or NULL */
    const struct settings_flag *flags;
    size_t nflags;
};

/*
 * Runs the master until a graceful stop completes: opens the listening socket (or takes
 * systemd's), forks settings->workers workers and supervises them.
 *   SIGTERM/SIGINT  graceful stop: workers finish the request in hand, then exit; a
 *                   worker still alive MASTER_STOP_TIMEOUT_S later is killed.
 *   SIGHUP          reload: settings are read again (on any problem every one is logged
 *                   and the running workers stay as they are), then workers are replaced
 *                   one at a time: start a new one, wait for it to be ready, stop an old
 *                   one. The socket stays open throughout, so no request is refused.
 * A worker that served MAX_REQUESTS is replaced the same way. Under systemd the master
 * reports READY=1, RELOADING=1 and STOPPING=1.
 * Takes ownership of *settings (freed before returning). Returns the exit status: 0
 * after a graceful stop, 1 when the socket cannot be opened.
 */
int master_run(struct settings *settings, const struct master_reload *reload);

#endif
