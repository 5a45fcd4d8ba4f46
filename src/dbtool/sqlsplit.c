/*
 * sqlsplit.c — a small SQL lexer that finds statement boundaries (contract in
 * sqlsplit.h). It only needs to know where quoted text and comments begin and end and
 * where a top-level ';' is; it does not parse SQL.
 */
#include "dbtool/sqlsplit.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool split_ident_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}

static bool split_ident_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

struct splitter {
    const char *text;
    size_t i;
    int line;
    int err_line;
    char *err;
    size_t errlen;
};

static int split_fail(struct splitter *s, int line, const char *what)
{
    s->err_line = line;
    snprintf(s->err, s->errlen, "%s", what);
    return -1;
}

/* Skips a nested block comment starting at s->i ("/" "*"). */
static int split_block_comment(struct splitter *s)
{
    int start = s->line, depth = 0;
    for (;;) {
        const char *t = s->text + s->i;
        if (*t == '\0')
            return split_fail(s, start, "unterminated /* comment");
        if (t[0] == '/' && t[1] == '*') {
            depth++;
            s->i += 2;
        } else if (t[0] == '*' && t[1] == '/') {
            s->i += 2;
            if (--depth == 0)
                return 0;
        } else {
            s->line += *t == '\n';
            s->i++;
        }
    }
}

/* Skips a quoted run starting at s->i: quote is ' or ", backslash escapes for E''. */
static int split_quoted(struct splitter *s, char quote, bool backslash)
{
    int start = s->line;
    s->i++;
    for (;;) {
        char c = s->text[s->i];
        if (c == '\0')
            return split_fail(s, start,
                              quote == '"' ? "unterminated quoted identifier"
                                           : "unterminated quoted string");
        if (backslash && c == '\\' && s->text[s->i + 1] != '\0') {
            s->line += s->text[s->i + 1] == '\n';
            s->i += 2;
            continue;
        }
        s->i++;
        if (c == '\n')
            s->line++;
        else if (c == quote) {
            if (s->text[s->i] != quote)
                return 0;
            s->i++; /* doubled quote */
        }
    }
}

/* At a '$': a dollar-quoted string ($$ or $tag$) is skipped whole; returns 1 when one
 * was skipped, 0 when the '$' is something else, -1 when unterminated. */
static int split_dollar(struct splitter *s)
{
    const char *t = s->text + s->i;
    size_t n = 1;
    if (t[1] != '$') {
        if (!split_ident_start((unsigned char)t[1]))
            return 0;
        while (split_ident_char((unsigned char)t[n]) && t[n] != '$')
            n++;
        if (t[n] != '$')
            return 0;
    }
    size_t taglen = n + 1; /* "$tag$" */
    const char *body = t + taglen;
    const char *end = body;
    for (;;) {
        end = strchr(end, '$');
        if (!end)
            return split_fail(s, s->line, "unterminated dollar-quoted string");
        if (strncmp(end, t, taglen) == 0)
            break;
        end++;
    }
    for (const char *c = t; c < end + taglen; c++)
        s->line += *c == '\n';
    s->i = (size_t)(end + taglen - s->text);
    return 1;
}

/* Per-statement state for BEGIN ATOMIC bodies (semicolons inside do not split). */
struct split_words {
    int count;        /* top-level words seen in the statement */
    bool create;      /* first word is CREATE */
    bool routine;     /* CREATE [OR REPLACE] FUNCTION/PROCEDURE */
    int atomic_depth; /* BEGIN / CASE ... END nesting inside such a routine */
};

static void split_word(struct split_words *w, const char *word, size_t n)
{
#define WORD_IS(lit) (n == sizeof(lit) - 1 && strncasecmp(word, lit, n) == 0)
    w->count++;
    if (w->count == 1)
        w->create = WORD_IS("create");
    else if (w->create && w->count <= 4 && (WORD_IS("function") || WORD_IS("procedure")))
        w->routine = true;
    else if (w->routine && WORD_IS("begin"))
        w->atomic_depth++;
    else if (w->routine && w->atomic_depth > 0 && WORD_IS("case"))
        w->atomic_depth++;
    else if (w->routine && w->atomic_depth > 0 && WORD_IS("end"))
        w->atomic_depth--;
#undef WORD_IS
}

struct split_out {
    struct sqlstmt *v;
    size_t n, cap;
};

static int split_push(struct split_out *o, const char *text, size_t start, size_t end, int line)
{
    while (end > start && isspace((unsigned char)text[end - 1]))
        end--;
    if (o->n == o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 8;
        struct sqlstmt *nv = realloc(o->v, ncap * sizeof *nv);
        if (!nv)
            return -1;
        o->v = nv;
        o->cap = ncap;
    }
    o->v[o->n++] = (struct sqlstmt){.off = start, .len = end - start, .line = line};
    return 0;
}

long sqlsplit_parse(const char *text, struct sqlstmt **out, int *err_line, char *err, size_t errlen)
{
    struct splitter s = {.text = text, .err = err, .errlen = errlen};
    struct split_out o = {0};
    struct split_words w = {0};
    bool in_stmt = false;
    size_t start = 0, tok_end = 0; /* tok_end: after the last token (comments excluded) */
    int start_line = 0;

    *out = NULL;
    while (text[s.i] != '\0') {
        const char *t = text + s.i;
        unsigned char c = (unsigned char)*t;
        if (c == '\n') {
            s.line++;
            s.i++;
            continue;
        }
        if (isspace(c)) {
            s.i++;
            continue;
        }
        if (c == '-' && t[1] == '-') {
            while (text[s.i] != '\0' && text[s.i] != '\n')
                s.i++;
            continue;
        }
        if (c == '/' && t[1] == '*') {
            if (split_block_comment(&s) != 0)
                goto fail;
            continue;
        }
        if (!in_stmt && c == ';') {
            s.i++; /* an empty statement */
            continue;
        }
        if (!in_stmt) {
            in_stmt = true;
            start = s.i;
            start_line = s.line;
            memset(&w, 0, sizeof w);
        }
        if (c == ';' && w.atomic_depth == 0) {
            if (split_push(&o, text, start, tok_end, start_line) != 0)
                goto oom;
            in_stmt = false;
            s.i++;
            continue;
        }
        if (c == '\'' || c == '"') {
            if (split_quoted(&s, (char)c, false) != 0)
                goto fail;
        } else if (c == '$') {
            int rc = split_dollar(&s);
            if (rc < 0)
                goto fail;
            if (rc == 0)
                s.i++;
        } else if (split_ident_start(c)) {
            size_t n = 1;
            while (split_ident_char((unsigned char)t[n]))
                n++;
            s.i += n;
            if (n == 1 && (c == 'e' || c == 'E') && text[s.i] == '\'') {
                if (split_quoted(&s, '\'', true) != 0)
                    goto fail;
            } else {
                split_word(&w, t, n);
            }
        } else if (isdigit(c)) {
            while (isalnum((unsigned char)text[s.i]) || text[s.i] == '.' || text[s.i] == '_')
                s.i++;
        } else {
            s.i++;
        }
        tok_end = s.i;
    }
    if (in_stmt && split_push(&o, text, start, tok_end, start_line) != 0)
        goto oom;
    *out = o.v;
    return (long)o.n;
oom:
    split_fail(&s, 0, "out of memory");
fail:
    free(o.v);
    *err_line = s.err_line;
    return -1;
}

int sqlsplit_position_line(const char *text, const struct sqlstmt *st, long pos)
{
    int line = st->line;
    long chars = 0;
    for (size_t b = st->off; b < st->off + st->len; b++) {
        unsigned char c = (unsigned char)text[b];
        if ((c & 0xC0) != 0x80 && ++chars >= pos)
            break; /* the first byte of the pos-th character */
        line += c == '\n';
    }
    return line;
}

/* Moves *p past blanks and comments within [*p, end). */
static void split_skip_blank(const char **p, const char *end)
{
    while (*p < end) {
        if (isspace((unsigned char)**p)) {
            (*p)++;
        } else if (end - *p >= 2 && (*p)[0] == '-' && (*p)[1] == '-') {
            while (*p < end && **p != '\n')
                (*p)++;
        } else if (end - *p >= 2 && (*p)[0] == '/' && (*p)[1] == '*') {
            const char *close = strstr(*p + 2, "*/");
            *p = close && close + 2 <= end ? close + 2 : end;
        } else {
            return;
        }
    }
}

bool sqlsplit_starts_with(const char *text, const struct sqlstmt *st, const char *words)
{
    const char *p = text + st->off, *end = p + st->len;
    while (*words) {
        while (*words == ' ')
            words++;
        size_t wn = strcspn(words, " ");
        if (wn == 0)
            break;
        split_skip_blank(&p, end);
        size_t n = 0;
        while (p + n < end && split_ident_char((unsigned char)p[n]))
            n++;
        if (n != wn || strncasecmp(p, words, n) != 0)
            return false;
        p += n;
        words += wn;
    }
    return true;
}

bool sqlsplit_is_transaction_control(const char *text, const struct sqlstmt *st)
{
    static const char *const words[] = {"BEGIN", "START TRANSACTION", "COMMIT", "END", "ABORT"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (sqlsplit_starts_with(text, st, words[i]))
            return true;
    return sqlsplit_starts_with(text, st, "ROLLBACK") &&
           !sqlsplit_starts_with(text, st, "ROLLBACK TO");
}
