/*
 * revision.c — the revision file parser (format and rules in revision.h).
 *
 * The file is walked line by line once; header fields are copied out, the up and down
 * sections are copied as byte ranges of the original text so that SQL reaches the
 * server exactly as written and file line numbers stay exact.
 */
#include "common/revision.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The header fields, in the order they are written by `dbtool revision`. */
enum rev_field { FIELD_ID, FIELD_REVISES, FIELD_DATE, FIELD_MESSAGE, FIELD_TX, FIELD_COUNT };

static const char *const rev_field_names[FIELD_COUNT] = {
    "Revision ID", "Revises", "Create Date", "Message", "Transaction",
};

/* Words that mean something else in a target, so they cannot be revision ids. */
static const char *const rev_reserved_ids[] = {"head", "heads", "base", "current"};

struct rev_parser {
    const char *path;
    char *err;
    size_t errlen;
    int line; /* current line, from 1 */
};

__attribute__((format(printf, 2, 3))) static int rev_fail(struct rev_parser *p, const char *fmt,
                                                          ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->line > 0)
        snprintf(p->err, p->errlen, "%s:%d: %s", p->path, p->line, msg);
    else
        snprintf(p->err, p->errlen, "%s: %s", p->path, msg);
    return -1;
}

static char *rev_strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

bool revision_id_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > REVISION_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return false;
    for (size_t i = 0; i < sizeof rev_reserved_ids / sizeof rev_reserved_ids[0]; i++)
        if (strcasecmp(s, rev_reserved_ids[i]) == 0)
            return false;
    return true;
}

/* Edit distance, case-insensitive, for short keys only (typo detection). */
static size_t rev_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[32];
    if (la >= 31 || lb >= 31)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = diag + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* A near-miss of a field name: small edit distance, or its first word alone
 * ("Revision:" for "Revision ID:"). Returns the field or FIELD_COUNT. */
static enum rev_field rev_near_field(const char *key)
{
    for (int f = 0; f < FIELD_COUNT; f++) {
        const char *name = rev_field_names[f];
        size_t klen = strlen(key);
        if (rev_distance(key, name) <= 2)
            return (enum rev_field)f;
        if (strncasecmp(name, key, klen) == 0 && name[klen] == ' ')
            return (enum rev_field)f;
    }
    return FIELD_COUNT;
}

/* Trims spaces and tabs (and a CR) at both ends of [*s, *s + *n). */
static void rev_trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
        (*n)--;
}

enum rev_marker { MARK_NONE, MARK_UP, MARK_DOWN, MARK_BAD };

/* Classifies a trimmed line starting with "--": a migrate marker or not. */
static enum rev_marker rev_marker(const char *s, size_t n)
{
    s += 2;
    n -= 2;
    rev_trim(&s, &n);
    if (n < 8 || strncasecmp(s, "migrate:", 8) != 0)
        return MARK_NONE;
    if (n == 10 && strncasecmp(s + 8, "up", 2) == 0)
        return MARK_UP;
    if (n == 12 && strncasecmp(s + 8, "down", 4) == 0)
        return MARK_DOWN;
    return MARK_BAD;
}

/* Checks "YYYY-MM-DD HH:MM[:SS[.fff]]" at the start of s; what follows must be empty or
 * a time zone ("Z", "+01:00", " UTC"). */
static bool rev_date_valid(const char *s)
{
    static const char pattern[] = "dddd-dd-dd dd:dd";
    size_t i;
    for (i = 0; pattern[i]; i++) {
        if (pattern[i] == 'd' ? !isdigit((unsigned char)s[i])
                              : (s[i] != pattern[i] && !(i == 10 && s[i] == 'T')))
            return false;
    }
    int month = atoi(s + 5), day = atoi(s + 8), hour = atoi(s + 11), minute = atoi(s + 14);
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59)
        return false;
    if (s[i] == ':') {
        if (!isdigit((unsigned char)s[i + 1]) || !isdigit((unsigned char)s[i + 2]) ||
            atoi(s + i + 1) > 60)
            return false;
        i += 3;
        if (s[i] == '.') {
            i++;
            if (!isdigit((unsigned char)s[i]))
                return false;
            while (isdigit((unsigned char)s[i]))
                i++;
        }
    }
    return s[i] == '\0' || s[i] == 'Z' || s[i] == '+' || s[i] == '-' || s[i] == ' ';
}

/* Splits "a, b" into out->parents, validating each id. */
static int rev_set_parents(struct rev_parser *p, struct revision *out, const char *v)
{
    if (*v == '\0')
        return 0;
    size_t cap = 1;
    for (const char *c = v; *c; c++)
        cap += *c == ',';
    out->parents = calloc(cap, sizeof *out->parents);
    if (!out->parents)
        return rev_fail(p, "out of memory");
    const char *s = v;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        const char *t = s;
        rev_trim(&t, &n);
        char *id = rev_strndup(t, n);
        if (!id)
            return rev_fail(p, "out of memory");
        out->parents[out->nparents++] = id;
        if (!revision_id_valid(id))
            return rev_fail(p,
                            "Revises: \"%s\" is not a revision id (use [A-Za-z0-9_], separate "
                            "merge parents with \", \")",
                            id);
        for (size_t i = 0; i + 1 < out->nparents; i++)
            if (strcmp(out->parents[i], id) == 0)
                return rev_fail(p, "Revises: \"%s\" is listed twice", id);
        if (!comma)
            return 0;
        s = comma + 1;
    }
}

/* Stores one header field; value is trimmed and NUL-terminated. */
static int rev_set_field(struct rev_parser *p, struct revision *out, enum rev_field f,
                         const char *v)
{
    switch (f) {
    case FIELD_ID:
        if (!revision_id_valid(v))
            return rev_fail(p,
                            "Revision ID: \"%s\" is not a valid id (1-%d characters of "
                            "[A-Za-z0-9_], not head/heads/base/current)",
                            v, REVISION_ID_MAX);
        out->id = strdup(v);
        out->id_line = p->line;
        return out->id ? 0 : rev_fail(p, "out of memory");
    case FIELD_REVISES:
        out->revises_line = p->line;
        return rev_set_parents(p, out, v);
    case FIELD_DATE:
        if (*v && !rev_date_valid(v))
            return rev_fail(p, "Create Date: \"%s\" is not a date like 2026-11-27 10:00:00", v);
        free(out->create_date);
        out->create_date = strdup(v);
        return out->create_date ? 0 : rev_fail(p, "out of memory");
    case FIELD_MESSAGE:
        free(out->message);
        out->message = strdup(v);
        return out->message ? 0 : rev_fail(p, "out of memory");
    case FIELD_TX:
        if (strcasecmp(v, "per-revision") == 0)
            out->tx = REVISION_TX_PER_REVISION;
        else if (strcasecmp(v, "none") == 0)
            out->tx = REVISION_TX_NONE;
        else
            return rev_fail(p, "Transaction: \"%s\" must be \"per-revision\" or \"none\"", v);
        return 0;
    case FIELD_COUNT:
        break;
    }
    return 0;
}

/* A comment line of the header: a field, a near-miss (error) or free text. */
static int rev_header_comment(struct rev_parser *p, struct revision *out, bool seen[],
                              const char *s, size_t n)
{
    s += 2;
    n -= 2;
    rev_trim(&s, &n);
    const char *colon = memchr(s, ':', n);
    if (!colon || colon == s || colon - s > 24 || !isalpha((unsigned char)*s))
        return 0;
    char key[32];
    size_t klen = (size_t)(colon - s);
    for (size_t i = 0; i < klen; i++)
        if (!isalpha((unsigned char)s[i]) && s[i] != ' ')
            return 0; /* not "Word Word:" — free text */
    memcpy(key, s, klen);
    while (klen > 0 && key[klen - 1] == ' ')
        klen--;
    key[klen] = '\0';

    enum rev_field f = FIELD_COUNT;
    for (int i = 0; i < FIELD_COUNT; i++)
        if (strcasecmp(key, rev_field_names[i]) == 0)
            f = (enum rev_field)i;
    if (f == FIELD_COUNT) {
        enum rev_field near = rev_near_field(key);
        if (near != FIELD_COUNT)
            return rev_fail(p, "unknown header field \"%s\" (did you mean \"%s\"?)", key,
                            rev_field_names[near]);
        return 0;
    }
    if (seen[f])
        return rev_fail(p, "\"%s\" is given twice", rev_field_names[f]);
    seen[f] = true;

    const char *v = colon + 1;
    size_t vlen = n - (size_t)(v - s);
    rev_trim(&v, &vlen);
    char *value = rev_strndup(v, vlen);
    if (!value)
        return rev_fail(p, "out of memory");
    int rc = rev_set_field(p, out, f, value);
    free(value);
    return rc;
}

/* True when some line of text is "-- migrate:up" (to word errors for files without). */
static bool rev_has_up_marker(const char *text, size_t len)
{
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t next = nl ? (size_t)(nl - text) + 1 : len;
        const char *s = text + pos;
        size_t n = next - pos - (nl ? 1 : 0);
        rev_trim(&s, &n);
        if (n >= 2 && s[0] == '-' && s[1] == '-' && rev_marker(s, n) == MARK_UP)
            return true;
        pos = next;
    }
    return false;
}

static int rev_parse_lines(struct rev_parser *p, struct revision *out, const char *text, size_t len)
{
    bool seen[FIELD_COUNT] = {false};
    enum { IN_HEADER, IN_UP, IN_DOWN } where = IN_HEADER;
    size_t up_start = 0, up_end = 0, down_start = 0;
    size_t pos = 0;

    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3; /* UTF-8 byte-order mark */
    for (p->line = 1; pos < len; p->line++) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t next = nl ? (size_t)(nl - text) + 1 : len;
        const char *s = text + pos;
        size_t n = next - pos - (nl ? 1 : 0);
        rev_trim(&s, &n);
        enum rev_marker m = (n >= 2 && s[0] == '-' && s[1] == '-') ? rev_marker(s, n) : MARK_NONE;

        if (m == MARK_BAD)
            return rev_fail(p,
                            "unknown marker \"%.*s\" (expected \"-- migrate:up\" or "
                            "\"-- migrate:down\", alone on their line)",
                            (int)(n > 60 ? 60 : n), s);
        if (where == IN_HEADER) {
            if (m == MARK_UP) {
                where = IN_UP;
                up_start = next;
                out->up_line = p->line + 1;
            } else if (m == MARK_DOWN) {
                return rev_fail(p, "\"-- migrate:down\" comes before \"-- migrate:up\"");
            } else if (n >= 2 && s[0] == '-' && s[1] == '-') {
                if (rev_header_comment(p, out, seen, s, n) != 0)
                    return -1;
            } else if (n > 0) {
                if (!rev_has_up_marker(text + next, len - next)) {
                    p->line = 0;
                    return rev_fail(p, "no \"-- migrate:up\" line (every revision needs one, "
                                       "after the header)");
                }
                return rev_fail(p, "SQL before \"-- migrate:up\" (only \"--\" comments and "
                                   "header fields may come first)");
            }
        } else if (m == MARK_UP) {
            return rev_fail(p, "a second \"-- migrate:up\" line");
        } else if (m == MARK_DOWN) {
            if (where == IN_DOWN)
                return rev_fail(p, "a second \"-- migrate:down\" line");
            where = IN_DOWN;
            up_end = pos;
            down_start = next;
            out->down_line = p->line + 1;
        }
        pos = next;
    }
    p->line = 0;
    if (where == IN_HEADER)
        return rev_fail(p, "no \"-- migrate:up\" line (every revision needs one, after the "
                           "header)");
    if (!seen[FIELD_ID])
        return rev_fail(p, "no \"-- Revision ID:\" header field");
    if (!seen[FIELD_REVISES])
        return rev_fail(p, "no \"-- Revises:\" header field (leave it empty for the first "
                           "revision)");
    for (size_t i = 0; i < out->nparents; i++)
        if (strcmp(out->parents[i], out->id) == 0) {
            p->line = out->revises_line;
            return rev_fail(p, "revision %s revises itself", out->id);
        }
    if (where == IN_UP)
        up_end = len;
    out->up = rev_strndup(text + up_start, up_end - up_start);
    if (where == IN_DOWN)
        out->down = rev_strndup(text + down_start, len - down_start);
    if (!out->up || (where == IN_DOWN && !out->down))
        return rev_fail(p, "out of memory");
    return 0;
}

int revision_parse(struct revision *out, const char *path, const char *text, size_t len, char *err,
                   size_t errlen)
{
    struct rev_parser p = {.path = path, .err = err, .errlen = errlen, .line = 0};
    memset(out, 0, sizeof *out);

    const char *nul = memchr(text, '\0', len);
    if (nul) {
        p.line = 1;
        for (const char *c = text; c < nul; c++)
            p.line += *c == '\n';
        return rev_fail(&p, "NUL byte (not a text file)");
    }
    out->path = strdup(path);
    out->text = rev_strndup(text, len);
    out->textlen = len;
    out->create_date = strdup("");
    out->message = strdup("");
    if (!out->path || !out->text || !out->create_date || !out->message) {
        revision_free(out);
        return rev_fail(&p, "out of memory");
    }
    if (rev_parse_lines(&p, out, text, len) != 0) {
        revision_free(out);
        return -1;
    }
    return 0;
}

int revision_load(struct revision *out, const char *path, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            size_t ncap = cap ? cap * 2 : 8192;
            char *nbuf = realloc(buf, ncap);
            if (!nbuf) {
                free(buf);
                fclose(f);
                snprintf(err, errlen, "%s: out of memory", path);
                return -1;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int failed = ferror(f);
    int saved = errno;
    fclose(f);
    if (failed) {
        free(buf);
        snprintf(err, errlen, "%s: %s", path, strerror(saved));
        return -1;
    }
    int rc = revision_parse(out, path, buf, len, err, errlen);
    free(buf);
    return rc;
}

void revision_free(struct revision *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nparents; i++)
        free(r->parents[i]);
    free(r->parents);
    free(r->path);
    free(r->id);
    free(r->create_date);
    free(r->message);
    free(r->text);
    free(r->up);
    free(r->down);
    memset(r, 0, sizeof *r);
}
