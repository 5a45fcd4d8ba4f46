/*
 * fuzz_sqlsplit.c — libFuzzer target: SQL text through sqlsplit_parse() (how dbtool cuts
 * a revision section into statements), then every statement through
 * sqlsplit_position_line(), sqlsplit_starts_with() and
 * sqlsplit_is_transaction_control() as dbtool uses them.
 *
 * Input: the whole input is the SQL, as a C string (the splitter reads up to a NUL; the
 * copy is exactly that long, so a read past its NUL is an AddressSanitizer report).
 *
 * Checked besides memory safety and leaks: statements are non-empty, in order, do not
 * overlap, lie inside the text, start on the line they say and do not start with a
 * blank; a position maps to a line of its statement; a refusal gives a reason and a
 * line of the text.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "dbtool/sqlsplit.h"
#include "support.h"

/* Walks a cursor forward: *line becomes the 0-based line of text[pos] (pos >= *at), so
 * the statements, which come in order, are located in one pass over the text. */
static int fuzz_line_at(const char *text, size_t pos, size_t *at, int *line)
{
    for (; *at < pos; (*at)++)
        *line += text[*at] == '\n';
    return *line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const phrases[] = {
        "CREATE INDEX CONCURRENTLY", "CREATE", "BEGIN", "ROLLBACK TO", "", "  drop   table "};
    char *text = support_cstring(data, size);
    size_t len = strlen(text);
    size_t at = 0;
    int line = 0;
    struct sqlstmt *st = NULL;
    int err_line = -1;
    char err[256] = "";

    long n = sqlsplit_parse(text, &st, &err_line, err, sizeof err);
    if (n < 0) {
        FUZZ_CHECK(n == -1 && st == NULL && err[0] != '\0');
        FUZZ_CHECK(err_line >= 0 && err_line <= fuzz_line_at(text, len, &at, &line));
    }
    FUZZ_CHECK(n > 0 || st == NULL);

    size_t prev_end = 0;
    for (long i = 0; i < n; i++) {
        FUZZ_CHECK(st[i].len > 0 && st[i].off >= prev_end && st[i].off + st[i].len <= len);
        FUZZ_CHECK(!isspace((unsigned char)text[st[i].off]));
        FUZZ_CHECK(st[i].line == fuzz_line_at(text, st[i].off, &at, &line));
        prev_end = st[i].off + st[i].len;

        int last = fuzz_line_at(text, prev_end, &at, &line);
        const long positions[] = {LONG_MIN,        -1,      0, 1, (long)st[i].len / 2,
                                  (long)st[i].len, LONG_MAX};
        for (size_t k = 0; k < sizeof positions / sizeof positions[0]; k++) {
            int pos_line = sqlsplit_position_line(text, &st[i], positions[k]);
            FUZZ_CHECK(pos_line >= st[i].line && pos_line <= last);
        }
        for (size_t k = 0; k < sizeof phrases / sizeof phrases[0]; k++)
            (void)sqlsplit_starts_with(text, &st[i], phrases[k]);
        (void)sqlsplit_is_transaction_control(text, &st[i]);
    }
    free(st);
    free(text);
    return 0;
}
