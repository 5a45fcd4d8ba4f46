/*
 * settings.c — loads, validates and prints the typed settings (SPEC §2).
 *
 * settings_defs[] below is the single declaration of every setting; loading,
 * validation, --print-config and --help all walk it. Loading stages a raw text value
 * per setting (default < env file < environment < flags), then parses every staged
 * value with its type's parser, collecting all problems before reporting any.
 */
#include "common/settings.h"
#include "common/addrlist.h"
#include "common/envfile.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>

#include <libpq-fe.h>

#define SETTINGS_MAX_WORKERS 1024 /* a typo in WORKERS must not become a fork bomb */
#define SETTINGS_ECHO_MAX    80   /* longest bad value quoted back in a message */

static long long settings_default_workers(void);
static long long settings_default_cpus(void);

#define FIELD(f) offsetof(struct settings, f)

/* name, type, field, default, computed default, min, max, description */
static const struct setting_def settings_defs[] = {
    {"APP_NAME", SETTING_STRING, FIELD(app_name), "Awesome API", NULL, 0, 0,
     "application name, shown by GET /info"},
    {"ADMIN_EMAIL", SETTING_EMAIL, FIELD(admin_email), NULL, NULL, 0, 0,
     "administrator's address, shown by GET /info"},
    {"ITEMS_PER_USER", SETTING_INT, FIELD(items_per_user), "50", NULL, 0, INT_MAX,
     "most items one user may own"},
    {"DATABASE_URL", SETTING_DATABASE_URL, FIELD(database_url), NULL, NULL, 0, 0,
     "where the data lives (libpq URI or key=value conninfo)"},
    {"LISTEN", SETTING_LISTEN, FIELD(listen), "unix:/run/awesome-api/fcgi.sock", NULL, 0, 0,
     "FastCGI socket (ignored under systemd socket activation); TCP only when set"},
    {"LISTEN_MODE", SETTING_FILE_MODE, FIELD(listen_mode), "0660", NULL, 0, 0777,
     "permissions of a unix LISTEN socket (octal): owner and group may connect"},
    {"LISTEN_GROUP", SETTING_STRING, FIELD(listen_group), "", NULL, 0, 0,
     "group of a unix LISTEN socket: nginx's (www-data, nogroup); empty = our own"},
    {"FCGI_WEB_SERVER_ADDRS", SETTING_ADDR_LIST, FIELD(fcgi_web_server_addrs), "127.0.0.1,::1",
     NULL, 0, 0, "peer addresses allowed on a TCP LISTEN (comma-separated IPs)"},
    {"FCGI_READ_TIMEOUT_MS", SETTING_INT, FIELD(fcgi_read_timeout_ms), "5000", NULL, 1, 3600000,
     "a FastCGI peer that sends nothing or too slowly for this long is dropped"},
    {"WORKERS", SETTING_INT, FIELD(workers), NULL, settings_default_workers, 1,
     SETTINGS_MAX_WORKERS, "worker processes (each waits on the database, so more than CPUs)"},
    {"MAX_REQUESTS", SETTING_INT, FIELD(max_requests), "0", NULL, 0, LLONG_MAX,
     "recycle a worker after this many requests (0 = never)"},
    {"MAX_BODY_BYTES", SETTING_INT, FIELD(max_body_bytes), "65536", NULL, 0, INT_MAX,
     "larger request bodies get 413 (nginx's client_max_body_size follows it)"},
    {"PASSWORD_HASH_CONCURRENCY", SETTING_INT, FIELD(password_hash_concurrency), NULL,
     settings_default_cpus, 1, SETTINGS_MAX_WORKERS,
     "workers hashing a password at once; beyond it 503 + Retry-After"},
    {"STATEMENT_TIMEOUT_MS", SETTING_INT, FIELD(statement_timeout_ms), "5000", NULL, 0, INT_MAX,
     "per-statement time limit on the worker's connection (0 = none)"},
    {"LOG_LEVEL", SETTING_LOG_LEVEL, FIELD(log_level), "info", NULL, 0, 0,
     "least severe level that is logged"},
    {"MIGRATIONS_DIR", SETTING_STRING, FIELD(migrations_dir), "sql/versions", NULL, 1, 0,
     "dbtool's revision folder (dbtool --dir overrides)"},
    {"SCHEMA_FILE", SETTING_STRING, FIELD(schema_file), "sql/schema.sql", NULL, 1, 0,
     "declared schema for dbtool check and autogenerate (dbtool --schema overrides)"},
    {"LOCK_TIMEOUT_MS", SETTING_INT, FIELD(lock_timeout_ms), "5000", NULL, 0, INT_MAX,
     "dbtool's lock_timeout while migrating, so live traffic never queues long (0 = none)"},
    {"LOCK_WAIT_SECONDS", SETTING_INT, FIELD(lock_wait_s), "300", NULL, 0, INT_MAX,
     "how long dbtool waits for a concurrent run's migration lock"},
};

#define SETTINGS_COUNT (sizeof settings_defs / sizeof settings_defs[0])

_Static_assert(SETTINGS_COUNT <=
                   sizeof(((struct settings *)NULL)->source) / sizeof(enum setting_source),
               "struct settings.source[] must have room for every setting");

static const char *const settings_level_names[] = {"debug", "info", "warn", "error"};

/* ---- the table, read-only ---- */

const struct setting_def *settings_table(size_t *count)
{
    *count = SETTINGS_COUNT;
    return settings_defs;
}

static int settings_find_n(const char *name, size_t len)
{
    for (size_t i = 0; i < SETTINGS_COUNT; i++)
        if (strlen(settings_defs[i].name) == len &&
            strncasecmp(settings_defs[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

int settings_find(const char *name)
{
    return settings_find_n(name, strlen(name));
}

const char *settings_log_level_name(enum log_level level)
{
    if ((unsigned)level < sizeof settings_level_names / sizeof settings_level_names[0])
        return settings_level_names[level];
    return "?";
}

static long long settings_default_cpus(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus < 1 ? 1 : cpus > SETTINGS_MAX_WORKERS ? SETTINGS_MAX_WORKERS : cpus;
}

static long long settings_default_workers(void)
{
    long long n = settings_default_cpus() * (long long)SETTINGS_WORKERS_PER_CPU;
    return n > SETTINGS_MAX_WORKERS ? SETTINGS_MAX_WORKERS : n;
}

const char *settings_type_text(const struct setting_def *d, char *buf, size_t buflen)
{
    switch (d->type) {
    case SETTING_STRING:
        snprintf(buf, buflen, "%s", d->min > 0 ? "non-empty string" : "string");
        break;
    case SETTING_EMAIL:
        snprintf(buf, buflen, "email");
        break;
    case SETTING_INT:
        if (d->max == LLONG_MAX)
            snprintf(buf, buflen, "int >= %lld", d->min);
        else
            snprintf(buf, buflen, "int %lld..%lld", d->min, d->max);
        break;
    case SETTING_DATABASE_URL:
        snprintf(buf, buflen, "libpq URI or conninfo");
        break;
    case SETTING_LISTEN:
        snprintf(buf, buflen, "unix:/path or host:port");
        break;
    case SETTING_LOG_LEVEL:
        snprintf(buf, buflen, "debug/info/warn/error");
        break;
    case SETTING_FILE_MODE:
        snprintf(buf, buflen, "octal mode");
        break;
    case SETTING_ADDR_LIST:
        snprintf(buf, buflen, "comma-separated IP addresses");
        break;
    }
    return buf;
}

const char *settings_default_text(const struct setting_def *d, char *buf, size_t buflen)
{
    if (d->default_value != NULL && d->default_value[0] == '\0')
        snprintf(buf, buflen, "\"\" (none)");
    else if (d->default_value != NULL)
        snprintf(buf, buflen, "%s", d->default_value);
    else if (d->default_fn == settings_default_workers)
        snprintf(buf, buflen, "%d x online CPUs", SETTINGS_WORKERS_PER_CPU);
    else if (d->default_fn == settings_default_cpus)
        snprintf(buf, buflen, "online CPUs");
    else if (d->default_fn != NULL)
        snprintf(buf, buflen, "%lld", d->default_fn());
    else
        snprintf(buf, buflen, "required");
    return buf;
}

void settings_describe(FILE *out)
{
    char type[64];
    char def[64];
    for (size_t i = 0; i < SETTINGS_COUNT; i++) {
        const struct setting_def *d = &settings_defs[i];
        fprintf(out, "  %-21s %s\n  %-21s %s; default: %s\n", d->name, d->description, "",
                settings_type_text(d, type, sizeof type),
                settings_default_text(d, def, sizeof def));
    }
}

/* ---- masking passwords ---- */

/* A bounded writer: output past the end is dropped, the buffer stays NUL-terminated. */
struct settings_buf {
    char *buf;
    size_t len;
    size_t cap;
};

static void settings_put(struct settings_buf *b, const char *s, size_t n)
{
    if (b->cap == 0)
        return;
    size_t room = b->cap - 1 - b->len;
    if (n > room)
        n = room;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void settings_put_range(struct settings_buf *b, const char *from, const char *to)
{
    settings_put(b, from, (size_t)(to - from));
}

#define SETTINGS_MASK "****"

/* postgresql://user:password@host/db?password=x : both places are masked. */
static void settings_mask_uri(const char *url, struct settings_buf *b)
{
    const char *p = strstr(url, "://") + 3;
    settings_put_range(b, url, p);

    /* libpq ends the user info at the first '@' before the first '/'; taking the last
     * '@' masks more when a password holds a raw '@', never less. */
    const char *auth_end = p + strcspn(p, "/");
    const char *at = NULL;
    for (const char *q = p; q < auth_end; q++)
        if (*q == '@')
            at = q;
    if (at != NULL) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon != NULL && colon + 1 < at) {
            settings_put_range(b, p, colon + 1);
            settings_put(b, SETTINGS_MASK, strlen(SETTINGS_MASK));
            p = at;
        }
    }

    const char *query = strchr(p, '?');
    if (query == NULL) {
        settings_put(b, p, strlen(p));
        return;
    }
    settings_put_range(b, p, query + 1);
    p = query + 1;
    while (*p != '\0') {
        const char *amp = strchrnul(p, '&');
        const char *eq = memchr(p, '=', (size_t)(amp - p));
        if (eq != NULL && eq - p == 8 && strncasecmp(p, "password", 8) == 0 && eq + 1 < amp) {
            settings_put_range(b, p, eq + 1);
            settings_put(b, SETTINGS_MASK, strlen(SETTINGS_MASK));
        } else {
            settings_put_range(b, p, amp);
        }
        if (*amp == '&')
            settings_put(b, "&", 1);
        p = *amp == '&' ? amp + 1 : amp;
    }
}

/* host=h password='it''s' dbname=x : libpq's key = value syntax, values plain or
 * single-quoted, backslash escapes in both. Copied as is except password values. */
static void settings_mask_conninfo(const char *p, struct settings_buf *b)
{
    while (*p != '\0') {
        if (isspace((unsigned char)*p)) {
            settings_put(b, p++, 1);
            continue;
        }
        const char *key = p;
        while (*p != '\0' && *p != '=' && !isspace((unsigned char)*p))
            p++;
        int is_password = p - key == 8 && strncasecmp(key, "password", 8) == 0;
        settings_put_range(b, key, p);

        const char *gap = p;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '=') {
            p++;
            while (isspace((unsigned char)*p))
                p++;
        } else if (!is_password) {
            settings_put_range(b, gap, p); /* malformed; the next word is a key again */
            continue;
        }
        settings_put_range(b, gap, p);

        const char *value = p;
        if (*p == '\'') {
            for (p++; *p != '\0' && *p != '\''; p++)
                if (*p == '\\' && p[1] != '\0')
                    p++;
            if (*p == '\'')
                p++;
        } else {
            for (; *p != '\0' && !isspace((unsigned char)*p); p++)
                if (*p == '\\' && p[1] != '\0')
                    p++;
        }
        if (is_password && p > value)
            settings_put(b, SETTINGS_MASK, strlen(SETTINGS_MASK));
        else
            settings_put_range(b, value, p);
    }
}

void settings_mask_url(const char *url, char *buf, size_t buflen)
{
    struct settings_buf b = {buf, 0, buflen};
    if (buflen == 0)
        return;
    buf[0] = '\0';
    if (url == NULL)
        return;
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
        settings_mask_uri(url, &b);
    else
        settings_mask_conninfo(url, &b);
}

/* Room for any masked copy of url: each masked value grows by at most 4 bytes. */
static char *settings_masked_dup(const char *url)
{
    size_t cap = strlen(url) * 4 + 8;
    char *buf = malloc(cap);
    if (buf != NULL)
        settings_mask_url(url, buf, cap);
    return buf;
}

/* ---- validation of one raw value ---- */

static int settings_parse_int(const struct setting_def *d, const char *raw, long long *out,
                              char *msg, size_t msglen)
{
    char *end;
    errno = 0;
    long long v = strtoll(raw, &end, 10);
    int range = errno == ERANGE;
    while (end != raw && isspace((unsigned char)*end))
        end++;
    if (end == raw || *end != '\0') {
        snprintf(msg, msglen, "not a valid integer: \"%.*s\"", SETTINGS_ECHO_MAX, raw);
        return -1;
    }
    if (v < d->min || (range && v < 0)) {
        snprintf(msg, msglen, "must be >= %lld", d->min);
        return -1;
    }
    if (v > d->max || range) {
        snprintf(msg, msglen, "must be <= %lld", d->max);
        return -1;
    }
    *out = v;
    return 0;
}

/* local@domain.tld: one '@', a local part of 1-64 printable characters, a domain of
 * dot-separated labels (letters, digits, '-', or non-ASCII) with at least one dot. */
static int settings_email_ok(const char *s)
{
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n == 0 || n > 254 || at == NULL || at == s || at - s > 64 || strchr(at + 1, '@'))
        return 0;
    for (const char *p = s; p < at; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return 0;
    const char *domain = at + 1;
    if (strchr(domain, '.') == NULL)
        return 0;
    size_t label = 0;
    for (const char *p = domain;; p++) {
        if (*p == '.' || *p == '\0') {
            if (label == 0 || p[-1] == '-')
                return 0;
            if (*p == '\0')
                return 1;
            label = 0;
            continue;
        }
        unsigned char c = (unsigned char)*p;
        if (!(isalnum(c) || c >= 0x80 || (c == '-' && label > 0)))
            return 0;
        label++;
    }
}

/* "unix:/absolute/path", "host:port" or "[v6addr]:port". */
static int settings_listen_ok(const char *s, char *msg, size_t msglen)
{
    if (strncmp(s, "unix:", 5) == 0) {
        const char *path = s + 5;
        if (path[0] != '/') {
            snprintf(msg, msglen, "unix socket path must be absolute: \"%.*s\"", SETTINGS_ECHO_MAX,
                     s);
            return 0;
        }
        size_t max = sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1;
        if (strlen(path) > max) {
            snprintf(msg, msglen, "unix socket path longer than %zu bytes", max);
            return 0;
        }
        return 1;
    }

    const char *host = s;
    const char *colon;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        colon = close != NULL && close[1] == ':' ? close + 1 : NULL;
        host = s + 1;
        if (colon != NULL && close == host)
            colon = NULL;
    } else {
        colon = strrchr(s, ':');
        if (colon != NULL && memchr(s, ':', (size_t)(colon - s)) != NULL) {
            snprintf(msg, msglen, "write an IPv6 address in brackets, e.g. \"[::1]:9000\"");
            return 0;
        }
    }
    if (colon == NULL || colon == s) {
        snprintf(msg, msglen, "expected \"unix:/absolute/path\" or \"host:port\": \"%.*s\"",
                 SETTINGS_ECHO_MAX, s);
        return 0;
    }
    const char *port = colon + 1;
    long v = 0;
    int ok = *port != '\0' && strlen(port) <= 5;
    for (const char *p = port; ok && *p != '\0'; p++) {
        ok = *p >= '0' && *p <= '9';
        v = v * 10 + (*p - '0');
    }
    if (!ok || v < 1 || v > 65535) {
        snprintf(msg, msglen, "port must be 1-65535: \"%.*s\"", SETTINGS_ECHO_MAX, port);
        return 0;
    }
    return 1;
}

/*
 * Checks a connection string with libpq's own parser. libpq's message may quote parts
 * of the string; a quoted part taken from the string that does not survive masking
 * (so it holds the password) is replaced by ****.
 */
static int settings_database_url_ok(const char *url, char *msg, size_t msglen)
{
    if (url[0] == '\0') {
        snprintf(msg, msglen, "must not be empty");
        return 0;
    }
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &errmsg);
    if (opts != NULL) {
        PQconninfoFree(opts);
        return 1;
    }
    char *masked = settings_masked_dup(url);
    if (errmsg == NULL || masked == NULL) {
        snprintf(msg, msglen, "cannot check the connection string: out of memory");
        free(masked);
        PQfreemem(errmsg);
        return 0;
    }

    struct settings_buf b = {msg, 0, msglen};
    msg[0] = '\0';
    settings_put(&b, "not a valid connection string: ", 31);
    for (const char *p = errmsg; *p != '\0' && *p != '\n';) {
        const char *close = *p == '"' ? strchr(p + 1, '"') : NULL;
        if (close == NULL) {
            settings_put(&b, p++, 1);
            continue;
        }
        char *quoted = strndup(p + 1, (size_t)(close - p - 1));
        int safe =
            quoted != NULL && (strstr(masked, quoted) != NULL || strstr(url, quoted) == NULL);
        free(quoted);
        if (safe)
            settings_put_range(&b, p, close + 1);
        else
            settings_put(&b, "\"" SETTINGS_MASK "\"", strlen(SETTINGS_MASK) + 2);
        p = close + 1;
    }
    free(masked);
    PQfreemem(errmsg);
    return 0;
}

/* Octal permission bits, e.g. "0660" or "660", within d->max. */
static int settings_parse_mode(const struct setting_def *d, const char *raw, long long *out,
                               char *msg, size_t msglen)
{
    long long v = 0;
    size_t n = strlen(raw);
    int ok = n > 0 && n <= 4;
    for (const char *p = raw; ok && *p != '\0'; p++) {
        ok = *p >= '0' && *p <= '7';
        v = v * 8 + (*p - '0');
    }
    if (!ok || v > d->max) {
        snprintf(msg, msglen, "not an octal file mode (e.g. 0660): \"%.*s\"", SETTINGS_ECHO_MAX,
                 raw);
        return -1;
    }
    *out = v;
    return 0;
}

/* FCGI_WEB_SERVER_ADDRS and the like: checked with the parser the worker uses. */
static int settings_addr_list_ok(const char *s, char *msg, size_t msglen)
{
    struct in6_addr addrs[ADDRLIST_MAX];
    size_t n;
    return addrlist_parse(s, addrs, ADDRLIST_MAX, &n, msg, msglen) == 0;
}

/* Parses raw as d's type into the struct field. Returns 0, or -1 with a message. */
static int settings_parse(const struct setting_def *d, const char *raw, struct settings *out,
                          char *msg, size_t msglen)
{
    void *field = (char *)out + d->offset;
    switch (d->type) {
    case SETTING_INT:
        return settings_parse_int(d, raw, (long long *)field, msg, msglen);
    case SETTING_FILE_MODE:
        return settings_parse_mode(d, raw, (long long *)field, msg, msglen);
    case SETTING_LOG_LEVEL:
        for (size_t i = 0; i < sizeof settings_level_names / sizeof settings_level_names[0]; i++)
            if (strcasecmp(raw, settings_level_names[i]) == 0) {
                *(enum log_level *)field = (enum log_level)i;
                return 0;
            }
        snprintf(msg, msglen, "must be one of debug, info, warn, error: \"%.*s\"",
                 SETTINGS_ECHO_MAX, raw);
        return -1;
    case SETTING_STRING:
        if ((long long)strlen(raw) < d->min) {
            snprintf(msg, msglen, "must not be empty");
            return -1;
        }
        break;
    case SETTING_EMAIL:
        if (!settings_email_ok(raw)) {
            snprintf(msg, msglen, "not a valid email address: \"%.*s\"", SETTINGS_ECHO_MAX, raw);
            return -1;
        }
        break;
    case SETTING_LISTEN:
        if (!settings_listen_ok(raw, msg, msglen))
            return -1;
        break;
    case SETTING_ADDR_LIST:
        if (!settings_addr_list_ok(raw, msg, msglen))
            return -1;
        break;
    case SETTING_DATABASE_URL:
        if (!settings_database_url_ok(raw, msg, msglen))
            return -1;
        break;
    }
    char *copy = strdup(raw);
    if (copy == NULL) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    *(char **)field = copy;
    return 0;
}

/* ---- loading ---- */

/* Raw values and their sources while loading, plus every problem found so far. */
struct settings_stage {
    char *raw[SETTINGS_COUNT];
    enum setting_source source[SETTINGS_COUNT];
    int env_exact[SETTINGS_COUNT]; /* environment value came from the upper-case name */
    char **problems;
    size_t nproblems;
    size_t cap;
    const char *file; /* the env file being read, for file:line messages */
    int oom;
};

__attribute__((format(printf, 2, 3))) static void settings_problem(struct settings_stage *st,
                                                                   const char *fmt, ...)
{
    if (st->nproblems == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 8;
        char **bigger = realloc(st->problems, cap * sizeof *bigger);
        if (bigger == NULL) {
            st->oom = 1;
            return;
        }
        st->problems = bigger;
        st->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    int rc = vasprintf(&st->problems[st->nproblems], fmt, ap);
    va_end(ap);
    if (rc < 0)
        st->oom = 1;
    else
        st->nproblems++;
}

static void settings_stage_set(struct settings_stage *st, int i, const char *value,
                               enum setting_source source)
{
    char *copy = strdup(value);
    if (copy == NULL) {
        st->oom = 1;
        return;
    }
    free(st->raw[i]);
    st->raw[i] = copy;
    st->source[i] = source;
}

static void settings_stage_free(struct settings_stage *st)
{
    for (size_t i = 0; i < SETTINGS_COUNT; i++)
        free(st->raw[i]);
    for (size_t i = 0; i < st->nproblems; i++)
        free(st->problems[i]);
    free(st->problems);
}

/* Optimal string alignment distance (a swap of neighbours counts as one edit), ignoring
 * case; SIZE_MAX for names too long to be worth comparing. */
static size_t settings_distance(const char *a, const char *b)
{
    enum { MAX = 64 };
    size_t la = strlen(a);
    size_t lb = strlen(b);
    if (la > MAX || lb > MAX)
        return SIZE_MAX;
    unsigned short d[MAX + 1][MAX + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (unsigned short)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (unsigned short)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = toupper((unsigned char)a[i - 1]);
            int cb = toupper((unsigned char)b[j - 1]);
            unsigned short best = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == toupper((unsigned char)b[j - 2]) &&
                toupper((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* The known name closest to an unknown one, or NULL when none is plausibly meant. */
static const char *settings_suggest(const char *name)
{
    size_t len = strlen(name);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    size_t best = SIZE_MAX;
    const char *found = NULL;
    for (size_t i = 0; i < SETTINGS_COUNT; i++) {
        size_t dist = settings_distance(name, settings_defs[i].name);
        if (dist < best) {
            best = dist;
            found = settings_defs[i].name;
        }
    }
    return best <= limit && best < len ? found : NULL;
}

static void settings_unknown(struct settings_stage *st, const char *where, const char *name)
{
    const char *hint = settings_suggest(name);
    if (hint != NULL)
        settings_problem(st, "%sunknown setting %s (did you mean %s?)", where, name, hint);
    else
        settings_problem(st, "%sunknown setting %s", where, name);
}

static void settings_file_pair(void *ctx, int line, const char *key, const char *value)
{
    struct settings_stage *st = ctx;
    int i = settings_find(key);
    if (i >= 0) {
        settings_stage_set(st, i, value, SOURCE_FILE); /* a repeated key: the last wins */
        return;
    }
    char where[512];
    snprintf(where, sizeof where, "%s:%d: ", st->file, line);
    if (strcasecmp(key, "APP_ENV") == 0 || strcasecmp(key, "ENV_FILE") == 0)
        settings_problem(st, "%s%s chooses the env file, so it cannot be set inside one", where,
                         key);
    else
        settings_unknown(st, where, key);
}

static void settings_file_error(void *ctx, int line, const char *message)
{
    struct settings_stage *st = ctx;
    settings_problem(st, "%s:%d: %s", st->file, line, message);
}

/* getenv, but case-insensitive; the exact upper-case spelling wins over others. */
static const char *settings_getenv(const char *name)
{
    const char *v = getenv(name);
    if (v != NULL)
        return v;
    size_t n = strlen(name);
    for (char **e = environ; *e != NULL; e++)
        if (strncasecmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

static void settings_read_environment(struct settings_stage *st)
{
    for (char **e = environ; *e != NULL; e++) {
        const char *eq = strchr(*e, '=');
        if (eq == NULL)
            continue;
        size_t n = (size_t)(eq - *e);
        int i = settings_find_n(*e, n);
        if (i < 0)
            continue; /* the environment holds much else; only our names matter */
        int exact = strncmp(*e, settings_defs[i].name, n) == 0;
        if (st->source[i] == SOURCE_ENV && st->env_exact[i] && !exact)
            continue;
        settings_stage_set(st, i, eq + 1, SOURCE_ENV);
        st->env_exact[i] = exact;
    }
}

/* Flags name settings in any case, with '-' or '_' ("listen", "database-url"). */
static void settings_read_flags(struct settings_stage *st, const struct settings_flag *flags,
                                size_t nflags)
{
    for (size_t f = 0; f < nflags; f++) {
        char name[64];
        snprintf(name, sizeof name, "%s", flags[f].name);
        for (char *p = name; *p != '\0'; p++)
            if (*p == '-')
                *p = '_';
        int i = settings_find(name);
        if (i < 0)
            settings_unknown(st, "flag: ", name);
        else
            settings_stage_set(st, i, flags[f].value, SOURCE_FLAG);
    }
}

/*
 * Reads the env file: the given path, else ENV_FILE (both must exist), else
 * etc/$APP_ENV.env, skipped when missing. Returns the path read (or that failed when
 * it had to exist), malloc'd, or NULL when no file was used.
 */
static char *settings_read_file(struct settings_stage *st, const char *env_file)
{
    char *path = NULL;
    int must_exist = 1;
    if (env_file != NULL && env_file[0] == '\0') {
        settings_problem(st, "--env-file: the path is empty");
        return NULL;
    }
    if (env_file == NULL) {
        env_file = settings_getenv("ENV_FILE");
        if (env_file != NULL && env_file[0] == '\0')
            env_file = NULL;
    }
    if (env_file != NULL) {
        path = strdup(env_file);
    } else {
        const char *app_env = settings_getenv("APP_ENV");
        if (app_env == NULL || app_env[0] == '\0')
            app_env = "dev";
        if (asprintf(&path, "etc/%s.env", app_env) < 0)
            path = NULL;
        must_exist = 0;
    }
    if (path == NULL) {
        st->oom = 1;
        return NULL;
    }

    struct envfile_handler h = {settings_file_pair, settings_file_error, st};
    st->file = path;
    if (envfile_parse_file(path, &h) >= 0)
        return path;
    if (errno == ENOMEM) {
        st->oom = 1;
    } else if (must_exist || errno != ENOENT) {
        settings_problem(st, "%s: cannot read: %s", path, strerror(errno));
        return path;
    }
    free(path);
    return NULL;
}

int settings_load(struct settings *out, const char *env_file, const struct settings_flag *flags,
                  size_t nflags, FILE *err)
{
    struct settings_stage st;
    memset(&st, 0, sizeof st);
    memset(out, 0, sizeof *out);

    for (size_t i = 0; i < SETTINGS_COUNT; i++) {
        const struct setting_def *d = &settings_defs[i];
        char computed[32];
        const char *value = d->default_value;
        if (value == NULL && d->default_fn != NULL) {
            snprintf(computed, sizeof computed, "%lld", d->default_fn());
            value = computed;
        }
        if (value != NULL)
            settings_stage_set(&st, (int)i, value, SOURCE_DEFAULT);
    }

    out->env_file = settings_read_file(&st, env_file);
    settings_read_environment(&st);
    settings_read_flags(&st, flags, nflags);

    for (size_t i = 0; i < SETTINGS_COUNT; i++) {
        char msg[512];
        if (st.raw[i] == NULL)
            settings_problem(&st, "%s: field required", settings_defs[i].name);
        else if (settings_parse(&settings_defs[i], st.raw[i], out, msg, sizeof msg) < 0)
            settings_problem(&st, "%s: %s", settings_defs[i].name, msg);
        out->source[i] = st.source[i];
    }

    if (asprintf(&out->sources_label, "%s%s%s", out->env_file ? out->env_file : "",
                 out->env_file ? " + environment" : "environment", nflags ? " + flags" : "") < 0) {
        out->sources_label = NULL;
        st.oom = 1;
    }

    if (st.oom) {
        fprintf(err, "config: out of memory while loading settings\n");
    } else if (st.nproblems > 0) {
        fprintf(err, "config: %zu problem%s in %s\n", st.nproblems, st.nproblems == 1 ? "" : "s",
                out->sources_label);
        for (size_t i = 0; i < st.nproblems; i++)
            fprintf(err, "  %s\n", st.problems[i]);
    }
    int failed = st.oom || st.nproblems > 0;
    settings_stage_free(&st);
    if (failed) {
        fflush(err);
        settings_free(out);
        return -1;
    }
    return 0;
}

/* ---- printing and freeing ---- */

/* Writes a value on one line: control characters are shown as \n, \t or \xHH. */
static void settings_print_value(const char *v, FILE *out)
{
    for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++) {
        if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < ' ' || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
}

void settings_print(const struct settings *s, FILE *out)
{
    for (size_t i = 0; i < SETTINGS_COUNT; i++) {
        const struct setting_def *d = &settings_defs[i];
        const void *field = (const char *)s + d->offset;
        char *masked = NULL;
        char number[32];
        const char *value = number;

        switch (d->type) {
        case SETTING_INT:
            snprintf(number, sizeof number, "%lld", *(const long long *)field);
            break;
        case SETTING_FILE_MODE:
            snprintf(number, sizeof number, "%04llo", *(const long long *)field);
            break;
        case SETTING_LOG_LEVEL:
            value = settings_log_level_name(*(const enum log_level *)field);
            break;
        case SETTING_DATABASE_URL:
            value = *(char *const *)field;
            if (value != NULL) {
                masked = settings_masked_dup(value);
                value = masked != NULL ? masked : SETTINGS_MASK;
            }
            break;
        default:
            value = *(char *const *)field;
            break;
        }

        char flag[64];
        const char *source = "default";
        if (s->source[i] == SOURCE_FILE && s->env_file != NULL) {
            source = s->env_file;
        } else if (s->source[i] == SOURCE_ENV) {
            source = "environment";
        } else if (s->source[i] == SOURCE_FLAG) {
            size_t n = (size_t)snprintf(flag, sizeof flag, "flag --%s", d->name);
            for (size_t k = 7; k < n && k < sizeof flag; k++)
                flag[k] = flag[k] == '_' ? '-' : (char)tolower((unsigned char)flag[k]);
            source = flag;
        }
        fprintf(out, "%s=", d->name);
        settings_print_value(value != NULL ? value : "", out);
        fprintf(out, "  (%s)\n", source);
        free(masked);
    }
}

void settings_free(struct settings *s)
{
    for (size_t i = 0; i < SETTINGS_COUNT; i++)
        if (settings_defs[i].type != SETTING_INT && settings_defs[i].type != SETTING_LOG_LEVEL &&
            settings_defs[i].type != SETTING_FILE_MODE)
            free(*(char **)((char *)s + settings_defs[i].offset));
    free(s->env_file);
    free(s->sources_label);
    memset(s, 0, sizeof *s);
}
