/*
 * worker_loop.c — one worker process (see worker_loop.h): the composition of the
 * application, the router, the FastCGI transport and the database connection, and the
 * request loop between them.
 *
 * Signals: SIGTERM, SIGINT and SIGUSR1 ask for a graceful stop. They stay blocked except
 * while the worker waits for the next request (fcgi_io_accept), so the request in hand
 * always completes; the handler only sets a flag and tells libfcgi to refuse further
 * accepts. SIGPIPE is ignored (a write to a connection nginx gave up on fails with
 * EPIPE instead of killing the worker); SIGHUP is the master's business and ignored.
 */
#include "worker/worker_loop.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "common/log.h"
#include "worker/db.h"
#include "worker/fcgi_io.h"
#include "worker/http.h"
#include "worker/router.h"

static volatile sig_atomic_t worker_stop;

/* Bodies from this size on are followed by malloc_trim (see worker_serve). */
#define WORKER_TRIM_AFTER_BYTES (16 * 1024)

/* SIGALRM is fcgi_io's I/O deadline: its only job is to interrupt a blocking call. */
static void worker_on_deadline(int sig)
{
    (void)sig;
}

static void worker_on_stop_signal(int sig)
{
    (void)sig;
    worker_stop = 1;
    fcgi_io_shutdown_pending();
}

/* True when a stop signal arrived while the request was served (it is still blocked
 * and pending) or before: this response is the worker's last. */
static bool worker_stop_requested(void)
{
    sigset_t pending;

    if (worker_stop) {
        return true;
    }
    return sigpending(&pending) == 0 &&
           (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1 ||
            sigismember(&pending, SIGUSR1) == 1);
}

/* Test-only fault injection (worker_loop.h): read once at start, compiled only into the
 * test build (api-worker-test, -DWORKER_FAULT_HOOKS); a release binary ignores
 * API_WORKER_FAULT entirely. */
static struct {
    bool crash_at_start;
    long slow_request_ms;
} worker_fault;

#ifndef WORKER_FAULT_HOOKS
static void worker_read_fault_hooks(void) {}
#else
static void worker_read_fault_hooks(void)
{
    const char *f = getenv("API_WORKER_FAULT");
    char quoted[128];

    if (f == NULL || f[0] == '\0') {
        return;
    }
    if (strcmp(f, "crash-at-start") == 0) {
        worker_fault.crash_at_start = true;
    } else if (strncmp(f, "slow-request:", 13) == 0) {
        worker_fault.slow_request_ms = strtol(f + 13, NULL, 10);
    } else {
        log_warn("event=unknown_fault_hook value=%s", log_quote(f, quoted, sizeof quoted));
        return;
    }
    log_warn("event=fault_hook_active value=%s", log_quote(f, quoted, sizeof quoted));
}
#endif

static void worker_sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static double worker_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Installs the stop handler and returns, in *waitmask, the mask to use while waiting. */
static int worker_install_signals(sigset_t *waitmask)
{
    static const int stop_signals[] = {SIGTERM, SIGINT, SIGUSR1};
    struct sigaction sa;
    sigset_t blocked;
    size_t i;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = worker_on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: the wait must return to look at the flag */
    sigemptyset(&blocked);
    for (i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) {
        if (sigaction(stop_signals[i], &sa, NULL) != 0) {
            return -1;
        }
        sigaddset(&blocked, stop_signals[i]);
    }
    sa.sa_handler = worker_on_deadline; /* no SA_RESTART either: it must interrupt */
    if (sigaction(SIGALRM, &sa, NULL) != 0) {
        return -1;
    }
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) != 0 || sigaction(SIGHUP, &sa, NULL) != 0) {
        return -1;
    }
    sa.sa_handler = SIG_DFL;
    if (sigaction(SIGCHLD, &sa, NULL) != 0) {
        return -1;
    }
    sigemptyset(waitmask);
    return sigprocmask(SIG_SETMASK, &blocked, NULL);
}

/* Writes one report to the master; false when the master is gone. */
static bool worker_report(int fd, enum worker_report_kind kind)
{
    struct worker_report r = {.pid = (int32_t)getpid(), .kind = (int32_t)kind};
    ssize_t n;

    do {
        n = write(fd, &r, sizeof r);
    } while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof r;
}

/* Serves the request fcgi_io_accept() opened: read, dispatch, answer, log, release. */
static void worker_serve(const struct settings *s)
{
    struct http_request req;
    struct http_response res;
    const char *detail = NULL;
    char method[64], path[512];
    double started = worker_now_ms();
    const char *bytes;
    char *out;
    size_t len = 0, req_body_len;
    int status;

    memset(&req, 0, sizeof req);
    memset(&res, 0, sizeof res);
    status = fcgi_io_read_request(&req, s->max_body_bytes, &detail);
    req_body_len = req.body_len;
    if (status != 0) {
        http_reply_detail(&res, status, detail);
    } else {
        if (worker_fault.slow_request_ms > 0) {
            worker_sleep_ms(worker_fault.slow_request_ms);
        }
        router_dispatch(&req, &res);
    }
    if (worker_stop_requested()) {
        fcgi_io_last_response();
    }
    out = http_response_serialize(&res, req.request_id, &len);
    bytes = out;
    if (out == NULL) {
        log_error("event=serialize_failed rid=%s", req.request_id);
        res.status = 500;
        bytes = http_fallback_500(&len);
    }
    if (!fcgi_io_write(bytes, len)) {
        log_warn("event=write_failed rid=%s", req.request_id);
    }
    free(out);
    log_info("event=request rid=%s method=%s path=%s status=%d dur_ms=%.3f", req.request_id,
             log_quote(req.method, method, sizeof method), log_quote(req.path, path, sizeof path),
             res.status, worker_now_ms() - started);
    http_request_release(&req);
    http_response_release(&res);
    if (req_body_len >= WORKER_TRIM_AFTER_BYTES) {
        /* A large body's parse tree was thousands of small blocks; give their pages back
         * so a burst of worst-case bodies leaves the worker's RSS where it was (§12). */
        malloc_trim(0);
    }
    fcgi_io_finish();
    db_rollback(); /* a handler must never leave a transaction behind; cheap when idle */
}

int worker_run(const struct worker_args *args)
{
    const struct settings *s = args->settings;
    unsigned long long served = 0;
    bool recycle_asked = false;
    const struct route *routes;
    sigset_t waitmask;
    size_t nroutes = 0;
    char label[64];
    int status = 0;

    /* Before FCGX_Init, so libfcgi keeps our dispositions (see fcgi_io.c). */
    if (worker_install_signals(&waitmask) != 0) {
        log_error("event=worker_start_failed step=signals errno=%d", errno);
        return 1;
    }
    worker_read_fault_hooks();
    if (worker_fault.crash_at_start) {
        log_error("event=fault_injected what=crash-at-start");
        abort();
    }

    app_init(s);
    routes = app_routes(&nroutes);
    router_init(routes, nroutes, db_available);
    if (fcgi_io_init(args->listen_fd, (long)s->fcgi_read_timeout_ms, s->fcgi_web_server_addrs) !=
        0) {
        return 1;
    }
    snprintf(label, sizeof label, "awesome-api worker %d", args->number);
    db_open(s, label);

    log_info("event=worker_ready worker=%d routes=%zu", args->number, nroutes);
    if (!worker_report(args->report_fd, WORKER_REPORT_READY)) {
        log_error("event=worker_start_failed step=report errno=%d", errno);
        fcgi_io_close();
        db_close();
        return 1;
    }

    for (;;) {
        enum fcgi_io_event ev;

        /* A stop signal that arrived during the last request is still pending (blocked);
         * fcgi_io_accept's wait unblocks it atomically, so it is acted on there. */
        ev = fcgi_io_accept(&waitmask, &worker_stop);

        if (ev == FCGI_IO_STOP) {
            break;
        }
        if (ev == FCGI_IO_FAILED) {
            status = 1;
            break;
        }
        worker_serve(s);
        served++;
        /* Recycling: the master starts a replacement and, once it is ready, stops us
         * like any graceful stop; until then we keep serving, so capacity never dips. */
        if (s->max_requests > 0 && served >= (unsigned long long)s->max_requests &&
            !recycle_asked) {
            recycle_asked = true;
            log_info("event=worker_recycle served=%llu", served);
            if (!worker_report(args->report_fd, WORKER_REPORT_RECYCLE)) {
                worker_stop = 1; /* no master to replace us: just leave */
            }
        }
    }
    fcgi_io_close();
    db_close();
    log_info("event=worker_stopped served=%llu status=%d", served, status);
    return status;
}
