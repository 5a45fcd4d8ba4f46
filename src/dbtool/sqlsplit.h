/*
 * sqlsplit.h — splits a revision section into SQL statements, the way psql would.
 *
 * dbtool runs a section statement by statement (in one transaction, or one autocommit
 * statement at a time for `Transaction: none`), so that a server error always belongs
 * to one statement and its position can be turned into a file line, and so that
 * progress can be recorded per statement.
 *
 * Understood: 'strings' with '' escapes, E'strings' with backslash escapes, "quoted
 * identifiers", $$dollar$$ and $tag$dollar$tag$ quoting, -- line comments, nested
 * block comments, and the semicolons inside `CREATE FUNCTION/PROCEDURE ... BEGIN ATOMIC
 * ... END` bodies. psql meta-commands (\i, \set) are not SQL and are not supported.
 */
#ifndef DBTOOL_SQLSPLIT_H
#define DBTOOL_SQLSPLIT_H

#include <stdbool.h>
#include <stddef.h>

/* One statement: text[off, off + len) without the ';' and without leading blanks and
 * comments; line is the 0-based line of text where it starts. */
struct sqlstmt {
    size_t off;
    size_t len;
    int line;
};

/*
 * Splits text into statements (empty ones, e.g. only comments, are dropped).
 * Returns the number of statements and a malloc'd array in *out (NULL when none), or
 * -1 with *err_line (0-based) and a reason in err for an unterminated quote or comment
 * (the line where it starts) or out of memory (*err_line 0).
 */
long sqlsplit_parse(const char *text, struct sqlstmt **out, int *err_line, char *err,
                    size_t errlen);

/* The 0-based line of text holding character `pos` (1-based, counted in characters as
 * the server's error position is) of statement st. Out-of-range positions give the
 * statement's last line. */
int sqlsplit_position_line(const char *text, const struct sqlstmt *st, long pos);

/* True when the statement's leading words are `words` (space-separated, any case),
 * e.g. "CREATE INDEX CONCURRENTLY"; comments and extra blanks between words are skipped. */
bool sqlsplit_starts_with(const char *text, const struct sqlstmt *st, const char *words);

/* True for BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK (not ROLLBACK TO), ABORT:
 * dbtool manages transactions itself, so a revision may not. */
bool sqlsplit_is_transaction_control(const char *text, const struct sqlstmt *st);

#endif
