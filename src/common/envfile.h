/*
 * envfile.h — the env-file parser (SPEC §2): turns `KEY=value` text into (line, key,
 * value) triples and reports malformed lines. It knows nothing of which keys exist or
 * what they mean; settings.c does. Kept separate so it can be tested on in-memory text.
 *
 * Syntax, one entry per line:
 *   # a comment line                  blank lines are skipped too
 *   KEY=value                         whitespace around KEY and '=' is ignored
 *   export KEY=value                  an optional "export " prefix (shell-compatible)
 *   KEY=some value  # comment         unquoted: trimmed; " #..." (a '#' after whitespace)
 *                                     starts a comment, so "pass#word" stays whole
 *   KEY='literal $ \ "'               single quotes: taken literally, no escapes
 *   KEY="a\nb \"q\" \\"               double quotes: \n \" \\ are escapes; any other
 *                                     backslash is kept as is (e.g. "C:\dir")
 * KEY is [A-Za-z_][A-Za-z0-9_]*. A value never spans lines. CRLF line ends and a UTF-8
 * byte-order mark are accepted. Errors: missing '=', empty key, invalid key
 * characters, unterminated quote, text after a closing quote, NUL byte.
 * A malformed line is reported and skipped; parsing goes on, so every problem of a
 * file is seen at once. A key given twice is passed twice (the caller keeps the last).
 */
#ifndef COMMON_ENVFILE_H
#define COMMON_ENVFILE_H

#include <stddef.h>

/* Callbacks; key, value and message are only valid during the call. Lines count from 1. */
struct envfile_handler {
    void (*pair)(void *ctx, int line, const char *key, const char *value);
    void (*error)(void *ctx, int line, const char *message);
    void *ctx;
};

/*
 * Parses len bytes of text (need not be NUL-terminated), calling h->pair for each
 * entry and h->error for each malformed line, in line order. Returns the number of
 * malformed lines, or -1 (errno ENOMEM) if memory ran out.
 */
int envfile_parse(const char *text, size_t len, const struct envfile_handler *h);

/*
 * Reads the file at path and parses it as envfile_parse does. Returns -1 with errno
 * set when the file cannot be opened or read (nothing is reported through h then).
 */
int envfile_parse_file(const char *path, const struct envfile_handler *h);

#endif
