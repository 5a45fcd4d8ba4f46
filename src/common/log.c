/*
 * log.c — one key=value line per event on stderr (format in log.h).
 *
 * Each line is built in a buffer of PIPE_BUF bytes and written with a single write(2):
 * writes of up to PIPE_BUF bytes to a pipe are atomic, so lines from concurrent
 * workers sharing the master's stderr never interleave. Longer lines are truncated.
 */
#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char log_component[32] = "main";
static enum log_level log_threshold = LOG_INFO;

/* getpid() is a system call: once per process (and again in each forked child). */
static pid_t log_pid;

static void log_forget_pid(void)
{
    log_pid = 0;
}

void log_init(const char *component, enum log_level level)
{
    static int registered;
    if (!registered && pthread_atfork(NULL, NULL, log_forget_pid) == 0)
        registered = 1;
    snprintf(log_component, sizeof log_component, "%s", component != NULL ? component : "main");
    log_threshold = level;
}

void log_set_level(enum log_level level)
{
    log_threshold = level;
}

int log_enabled(enum log_level level)
{
    return level >= log_threshold;
}

static pid_t log_getpid(void)
{
    if (log_pid == 0)
        log_pid = getpid();
    return log_pid;
}

/* Writes "ts=... level=... pid=... comp=... " into line; returns its length. */
static size_t log_prefix(char *line, size_t cap, enum log_level level)
{
    struct timespec now;
    struct tm tm;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0 || gmtime_r(&now.tv_sec, &tm) == NULL) {
        memset(&tm, 0, sizeof tm);
        now.tv_nsec = 0;
    }
    int n = snprintf(line, cap, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s pid=%ld comp=%s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     now.tv_nsec / 1000000L, settings_log_level_name(level), (long)log_getpid(),
                     log_component);
    if (n < 0)
        return 0;
    return (size_t)n < cap - 1 ? (size_t)n : cap - 1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    int saved_errno = errno; /* callers log, then still look at errno */

    char line[PIPE_BUF];
    size_t len = log_prefix(line, sizeof line, level);

    va_list ap;
    va_start(ap, fmt);
    /* clang-tidy 14 run over several files at once loses track of va_start here. */
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
    int m = vsnprintf(line + len, sizeof line - len, fmt, ap);
    va_end(ap);
    if (m > 0)
        len += (size_t)m < sizeof line - len ? (size_t)m : sizeof line - len - 1;

    /* len <= sizeof line - 1, so the newline always fits (in place of the NUL). */
    line[len++] = '\n';

    ssize_t w;
    do
        w = write(STDERR_FILENO, line, len);
    while (w < 0 && errno == EINTR);
    /* Nowhere to report a failed write to stderr; the line is lost. */
    errno = saved_errno;
}

/* Cutting text before byte `next` keeps n bytes of it; returns fewer when the cut
 * would split a UTF-8 sequence, so a truncated value stays valid UTF-8. */
static size_t log_utf8_boundary(const char *text, size_t n, unsigned char next)
{
    if ((next & 0xC0) != 0x80)
        return n;
    while (n > 0 && ((unsigned char)text[n - 1] & 0xC0) == 0x80)
        n--;
    return n > 0 && (unsigned char)text[n - 1] >= 0xC0 ? n - 1 : n;
}

const char *log_quote(const char *s, char *buf, size_t buflen)
{
    if (buflen == 0)
        return buf;
    if (s == NULL)
        s = "";

    int plain = s[0] != '\0';
    for (const unsigned char *p = (const unsigned char *)s; plain && *p != '\0'; p++)
        plain = !(*p <= ' ' || *p == 0x7f || *p == '"' || *p == '=');
    if (plain) {
        size_t n = strlen(s);
        if (n >= buflen)
            n = log_utf8_boundary(s, buflen - 1, (unsigned char)s[buflen - 1]);
        memcpy(buf, s, n);
        buf[n] = '\0';
        return buf;
    }

    /* Quoted: keep room for the closing quote and NUL so a truncated value still
     * reads as one value. */
    size_t n = 0;
    if (buflen < 3) {
        buf[0] = '\0';
        return buf;
    }
    buf[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        char esc[5];
        size_t k;
        switch (*p) {
        case '"':
            k = (size_t)snprintf(esc, sizeof esc, "\\\"");
            break;
        case '\\':
            k = (size_t)snprintf(esc, sizeof esc, "\\\\");
            break;
        case '\n':
            k = (size_t)snprintf(esc, sizeof esc, "\\n");
            break;
        case '\r':
            k = (size_t)snprintf(esc, sizeof esc, "\\r");
            break;
        case '\t':
            k = (size_t)snprintf(esc, sizeof esc, "\\t");
            break;
        default:
            if (*p < ' ' || *p == 0x7f)
                k = (size_t)snprintf(esc, sizeof esc, "\\x%02x", *p);
            else
                k = (size_t)snprintf(esc, sizeof esc, "%c", *p);
            break;
        }
        if (n + k + 2 > buflen) {
            n = log_utf8_boundary(buf, n, *p);
            break;
        }
        memcpy(buf + n, esc, k);
        n += k;
    }
    buf[n++] = '"';
    buf[n] = '\0';
    return buf;
}
