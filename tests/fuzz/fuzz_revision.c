/*
 * fuzz_revision.c — libFuzzer target: a revision file (one of sql/versions/) through
 * revision_parse(), then, as dbtool does before running them, its up and down sections
 * through sqlsplit_parse(); and the same bytes from an in-memory file (memfd) through
 * revision_load(), which must agree.
 *
 * Input: the whole input is the file's bytes (not NUL-terminated).
 *
 * Checked besides memory safety and leaks: a parsed revision has a valid id, valid
 * parents none of which is itself, an up section, and keeps the file's text exactly;
 * a refused file leaves nothing to free (LeakSanitizer sees it otherwise) and an error
 * naming the file.
 */
#include <stdlib.h>
#include <string.h>

#include "common/revision.h"
#include "dbtool/sqlsplit.h"
#include "support.h"

#define FUZZ_PATH "fuzz.sql"

static void fuzz_split(const char *section)
{
    struct sqlstmt *stmts = NULL;
    int err_line = -1;
    char err[256] = "";
    long n = sqlsplit_parse(section, &stmts, &err_line, err, sizeof err);
    FUZZ_CHECK(n >= -1);
    FUZZ_CHECK(n > 0 || stmts == NULL);
    if (n < 0)
        FUZZ_CHECK(err[0] != '\0' && err_line >= 0);
    free(stmts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct revision r;
    char err[512] = "";
    int rc = revision_parse(&r, FUZZ_PATH, (const char *)data, size, err, sizeof err);

    if (rc == 0) {
        FUZZ_CHECK(r.id != NULL && revision_id_valid(r.id));
        FUZZ_CHECK(r.nparents == 0 || r.parents != NULL);
        for (size_t i = 0; i < r.nparents; i++) {
            FUZZ_CHECK(revision_id_valid(r.parents[i]));
            FUZZ_CHECK(strcmp(r.parents[i], r.id) != 0);
        }
        FUZZ_CHECK(r.textlen == size && memcmp(r.text, data, size) == 0);
        FUZZ_CHECK(r.up != NULL && r.up_line >= 1 && r.create_date != NULL && r.message != NULL);
        FUZZ_CHECK(r.down == NULL || r.down_line > r.up_line);
        fuzz_split(r.up);
        if (r.down != NULL)
            fuzz_split(r.down);
    } else {
        FUZZ_CHECK(rc == -1 && strncmp(err, FUZZ_PATH, strlen(FUZZ_PATH)) == 0);
        FUZZ_CHECK(r.id == NULL && r.text == NULL && r.path == NULL && r.up == NULL);
    }

    const char *path = support_memfile(data, size);
    if (path != NULL) {
        struct revision loaded;
        int lrc = revision_load(&loaded, path, err, sizeof err);
        FUZZ_CHECK(lrc == rc);
        if (lrc == 0) {
            FUZZ_CHECK(strcmp(loaded.id, r.id) == 0 && loaded.nparents == r.nparents);
            FUZZ_CHECK(strcmp(loaded.up, r.up) == 0);
            revision_free(&loaded);
        }
    }
    if (rc == 0)
        revision_free(&r);
    return 0;
}
