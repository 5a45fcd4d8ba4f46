/*
 * repo_meta.c — the SQL of the service endpoints: which revision the database is at.
 */
#include "app/repo_meta.h"

#include <stdio.h>
#include <string.h>

#include "app/repo_pg.h"
#include "common/migrations.h"
#include "worker/db.h"

static const struct db_statement repo_meta_statements[] = {
    {"meta_schema_revision",
     "SELECT coalesce(string_agg(version_num, ',' ORDER BY version_num), '')"
     " FROM " MIGRATIONS_VERSION_TABLE,
     0},
};

void repo_meta_register(void)
{
    repo_add_statements(repo_meta_statements,
                        sizeof repo_meta_statements / sizeof repo_meta_statements[0]);
}

enum repo_status repo_meta_schema_revision(char *buf, size_t buflen, struct repo_result *out)
{
    PGresult *res = db_exec("meta_schema_revision", 0, NULL);

    buf[0] = '\0';
    if (res != NULL && !db_ok(res)) {
        const char *state = db_sqlstate(res);
        /* 42P01: no version table, so never migrated. 26000: the statement could not be
         * prepared when the connection opened, for the same reason. */
        if (strcmp(state, "42P01") == 0 || strcmp(state, "26000") == 0) {
            snprintf(out->error, sizeof out->error,
                     "no " MIGRATIONS_VERSION_TABLE " table: the database is not migrated");
            PQclear(res);
            return REPO_NOT_FOUND;
        }
    }
    if (!db_ok(res)) {
        return repo_failure(res, "meta_schema_revision", out);
    }
    enum repo_status status = REPO_OK;
    if (PQntuples(res) != 1 || PQnfields(res) != 1) {
        snprintf(out->error, sizeof out->error, "meta_schema_revision: unexpected result shape");
        status = REPO_ERROR;
    } else {
        snprintf(buf, buflen, "%s", PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    return status;
}
