/*
 * notify.h — the master's messages to systemd (sd_notify, SPEC §3, §11).
 *
 * Every function is a no-op when NOTIFY_SOCKET is unset (not started by systemd, or
 * Type= is not notify), so the master calls them unconditionally. Only the master
 * notifies: under the default NotifyAccess=main systemd ignores other processes.
 */
#ifndef WORKER_NOTIFY_H
#define WORKER_NOTIFY_H

/* READY=1 with a STATUS= line: all initial workers (or all replacements after a
 * reload) reported ready. */
void notify_ready(const char *status);

/* RELOADING=1 (with MONOTONIC_USEC, as Type=notify-reload expects) when SIGHUP starts a
 * reload; notify_ready() closes it. */
void notify_reloading(void);

/* STOPPING=1 when a graceful stop begins. */
void notify_stopping(void);

/* STATUS= only, e.g. "1 of 4 workers ready". */
void notify_status(const char *status);

#endif
