/*
 * log.h — one line per event on stderr, key=value (SPEC §3).
 *
 *   ts=2026-11-27T10:00:00.123Z level=info pid=4242 comp=worker event=request rid=... status=200
 *
 * log_msg() prefixes ts, level, pid and component; the caller supplies the rest as
 * key=value pairs. Values that may contain spaces or quotes go through log_quote().
 * Lines are written with one write(2) so lines from concurrent workers never interleave.
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include "common/settings.h"

void log_init(const char *component, enum log_level level);
void log_set_level(enum log_level level);
int log_enabled(enum log_level level);

__attribute__((format(printf, 2, 3))) void log_msg(enum log_level level, const char *fmt, ...);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* Formats s as a log value: returned as-is when it has no space, quote, '=' or control
 * character, else double-quoted with escapes. Writes into buf (NUL-terminated, truncated
 * to buflen) and returns buf. */
const char *log_quote(const char *s, char *buf, size_t buflen);

#endif
