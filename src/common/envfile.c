/*
 * envfile.c — the env-file parser: KEY=value lines to callbacks (syntax in envfile.h).
 * One line at a time, no state between lines, no knowledge of setting names.
 */
#include "common/envfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int envfile_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int envfile_is_key_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int envfile_is_key_char(char c)
{
    return envfile_is_key_start(c) || (c >= '0' && c <= '9');
}

static const char *envfile_skip_blanks(const char *p, const char *end)
{
    while (p < end && envfile_is_blank(*p))
        p++;
    return p;
}

/*
 * Decodes a quoted value starting at the opening quote *p (line ends at end) into
 * out. Returns a pointer just past the closing quote, or NULL when it is missing.
 */
static const char *envfile_quoted(const char *p, const char *end, char *out)
{
    char quote = *p++;
    size_t n = 0;

    while (p < end && *p != quote) {
        if (quote == '"' && *p == '\\' && p + 1 < end &&
            (p[1] == 'n' || p[1] == '"' || p[1] == '\\')) {
            out[n++] = p[1] == 'n' ? '\n' : p[1];
            p += 2;
            continue;
        }
        out[n++] = *p++;
    }
    out[n] = '\0';
    return p < end ? p + 1 : NULL;
}

/*
 * Parses one line (without its newline) and reports it. `buf` has room for the line
 * plus a NUL; keys and values are decoded into it. Returns 1 if the line was
 * malformed, else 0.
 */
static int envfile_line(const char *p, const char *end, int lineno, char *buf,
                        const struct envfile_handler *h)
{
    size_t len = (size_t)(end - p);
    if (len > 0 && p[len - 1] == '\r')
        end = p + --len;
    if (memchr(p, '\0', len) != NULL) {
        h->error(h->ctx, lineno, "NUL byte in line");
        return 1;
    }
    p = envfile_skip_blanks(p, end);
    if (p == end || *p == '#')
        return 0;

    if ((size_t)(end - p) > 7 && memcmp(p, "export", 6) == 0 && envfile_is_blank(p[6]))
        p = envfile_skip_blanks(p + 7, end);

    const char *key = p;
    while (p < end && *p != '=' && !envfile_is_blank(*p))
        p++;
    const char *key_end = p;
    p = envfile_skip_blanks(p, end);
    if (p == end || *p != '=') {
        /* No echo of the line: it may be a stray secret. */
        h->error(h->ctx, lineno, "expected KEY=value (missing '=')");
        return 1;
    }
    if (key == key_end) {
        h->error(h->ctx, lineno, "empty key before '='");
        return 1;
    }
    size_t keylen = (size_t)(key_end - key);
    int key_ok = envfile_is_key_start(*key);
    for (size_t i = 1; i < keylen && key_ok; i++)
        key_ok = envfile_is_key_char(key[i]);
    if (!key_ok) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "invalid key \"%.*s\" (letters, digits and _ only, not starting with a digit)",
                 keylen > 64 ? 64 : (int)keylen, key);
        h->error(h->ctx, lineno, msg);
        return 1;
    }

    const char *eq = p++;
    p = envfile_skip_blanks(p, end);
    char *value = buf + keylen + 1;

    if (p < end && (*p == '"' || *p == '\'')) {
        char quote = *p;
        p = envfile_quoted(p, end, value);
        if (p == NULL) {
            h->error(h->ctx, lineno,
                     quote == '"' ? "unterminated double quote" : "unterminated single quote");
            return 1;
        }
        p = envfile_skip_blanks(p, end);
        if (p < end && *p != '#') {
            h->error(h->ctx, lineno, "unexpected text after closing quote");
            return 1;
        }
    } else {
        /* A '#' starts a comment only after whitespace, so "a#b" keeps its '#'. */
        const char *v = p;
        const char *v_end = p;
        for (const char *q = p; q < end; q++) {
            if (*q == '#' && q > eq + 1 && envfile_is_blank(q[-1]))
                break;
            v_end = q + 1;
        }
        while (v_end > v && envfile_is_blank(v_end[-1]))
            v_end--;
        memcpy(value, v, (size_t)(v_end - v));
        value[v_end - v] = '\0';
    }

    memcpy(buf, key, keylen);
    buf[keylen] = '\0';
    h->pair(h->ctx, lineno, buf, value);
    return 0;
}

int envfile_parse(const char *text, size_t len, const struct envfile_handler *h)
{
    const char *p = text;
    const char *end = text + len;
    int errors = 0;

    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;

    /* Key and value both fit in the line's length plus two NULs. */
    size_t longest = 0;
    for (const char *q = p; q < end;) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        const char *line_end = nl != NULL ? nl : end;
        if ((size_t)(line_end - q) > longest)
            longest = (size_t)(line_end - q);
        q = nl != NULL ? nl + 1 : end;
    }
    char *buf = malloc(longest + 2);
    if (buf == NULL) {
        errno = ENOMEM;
        return -1;
    }

    for (int lineno = 1; p < end; lineno++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl != NULL ? nl : end;
        errors += envfile_line(p, line_end, lineno, buf, h);
        p = nl != NULL ? nl + 1 : end;
    }
    free(buf);
    return errors;
}

int envfile_parse_file(const char *path, const struct envfile_handler *h)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;

    char *text = NULL;
    size_t len = 0;
    size_t cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            char *bigger = realloc(text, cap);
            if (bigger == NULL) {
                free(text);
                fclose(f);
                errno = ENOMEM;
                return -1;
            }
            text = bigger;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int read_failed = ferror(f);
    int saved = errno;
    fclose(f);
    if (read_failed) {
        free(text);
        errno = saved ? saved : EIO;
        return -1;
    }

    int rc = envfile_parse(text, len, h);
    saved = errno;
    free(text);
    errno = saved;
    return rc;
}
