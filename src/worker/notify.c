/*
 * notify.c — sd_notify(3) through libsystemd, so the datagram format, abstract socket
 * names and credentials are libsystemd's business, not ours (see notify.h).
 */
#include "worker/notify.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <systemd/sd-daemon.h>

#include "common/log.h"

/* Sends one message; a failure is logged once (systemd may be gone while we stop). */
__attribute__((format(printf, 2, 3))) static void notify_send(const char *what, const char *fmt,
                                                              ...)
{
    static bool warned;
    char msg[512];
    va_list ap;
    int rc;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    rc = sd_notify(0, msg);
    if (rc < 0 && !warned) {
        warned = true;
        log_warn("event=notify_failed what=%s errno=%d", what, -rc);
    } else if (rc > 0) {
        log_debug("event=notify what=%s", what);
    }
}

void notify_ready(const char *status)
{
    char quoted[256];

    notify_send("ready", "READY=1\nSTATUS=%s", status);
    log_debug("event=ready status=%s", log_quote(status, quoted, sizeof quoted));
}

void notify_reloading(void)
{
    struct timespec ts;
    unsigned long long usec = 0;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0) {
        usec = (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000;
    }
    notify_send("reloading", "RELOADING=1\nSTATUS=reloading\nMONOTONIC_USEC=%llu", usec);
}

void notify_stopping(void)
{
    notify_send("stopping", "STOPPING=1\nSTATUS=stopping");
}

void notify_status(const char *status)
{
    notify_send("status", "STATUS=%s", status);
}
