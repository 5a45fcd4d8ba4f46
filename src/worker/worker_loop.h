/*
 * worker_loop.h — one api-worker worker process: start-up (application, router, FastCGI,
 * database), the request loop, and the worker's reports to the master.
 */
#ifndef WORKER_WORKER_LOOP_H
#define WORKER_WORKER_LOOP_H

#include <stdint.h>
#include "common/settings.h"

/* What a worker tells the master, as one fixed-size write on the shared report pipe
 * (smaller than PIPE_BUF, so reports from several workers never interleave). */
enum worker_report_kind {
    WORKER_REPORT_READY = 1,  /* start-up done: accepting requests */
    WORKER_REPORT_RECYCLE = 2 /* served MAX_REQUESTS: start my replacement, then stop me */
};

struct worker_report {
    int32_t pid;
    int32_t kind; /* enum worker_report_kind */
};

/* What the master hands a worker it forks. */
struct worker_args {
    const struct settings *settings; /* valid for the worker's lifetime */
    int listen_fd;                   /* the shared FastCGI listening socket */
    int report_fd;                   /* write end of the report pipe */
    int number;                      /* 1-based slot, for application_name and logs */
};

/*
 * Runs a worker in the freshly forked child until a stop signal (SIGTERM, SIGINT or
 * SIGUSR1) or a fatal error. Returns the process exit status (0 after a stop).
 *
 * Fault injection for the runtime tests, compiled only into the test binary
 * (build/api-worker-test, -DWORKER_FAULT_HOOKS; SPEC §12): API_WORKER_FAULT=crash-at-start
 * aborts during start-up; API_WORKER_FAULT=slow-request:MS sleeps MS milliseconds before
 * dispatching each request. The release build/api-worker has no such code.
 */
int worker_run(const struct worker_args *args);

#endif
