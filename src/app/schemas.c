/*
 * schemas.c — the field rules of SPEC §5 as static schema descriptors (see schemas.h).
 * The same limits (models.h) are repeated as CHECK constraints in the first revision.
 */
#include "app/schemas.h"

#include "app/models.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- users ---------------------------------------------------------------------- */

static const struct field schemas_user_create_fields[] = {
    {.name = "email",
     .type = FIELD_EMAIL,
     .flags = FIELD_REQUIRED,
     .min = SCHEMA_NO_MIN,
     .max = USER_EMAIL_MAX,
     .description = "Unique, compared case-insensitively; stored with the domain lower-cased",
     .format = "email"},
    {.name = "password",
     .type = FIELD_STRING,
     .flags = FIELD_REQUIRED | FIELD_SECRET,
     .min = USER_PASSWORD_MIN,
     .max = USER_PASSWORD_MAX,
     .description = "Stored only as a salted yescrypt hash; never returned",
     .format = "password"},
};
const struct schema schemas_user_create = {"UserCreate", schemas_user_create_fields,
                                           COUNT(schemas_user_create_fields), NULL, NULL};

static const struct field schemas_user_update_fields[] = {
    {.name = "is_active",
     .type = FIELD_BOOL,
     .min = SCHEMA_NO_MIN,
     .max = SCHEMA_NO_MAX,
     .description = "Whether the account is active"},
};
const struct schema schemas_user_update = {"UserUpdate", schemas_user_update_fields,
                                           COUNT(schemas_user_update_fields), NULL, NULL};

static const struct field schemas_user_fields[] = {
    {.name = "id",
     .type = FIELD_INT,
     .flags = FIELD_REQUIRED | FIELD_READONLY,
     .min = 1,
     .max = SCHEMA_NO_MAX,
     .format = "int64"},
    {.name = "email",
     .type = FIELD_EMAIL,
     .flags = FIELD_REQUIRED,
     .min = SCHEMA_NO_MIN,
     .max = USER_EMAIL_MAX,
     .format = "email"},
    {.name = "is_active",
     .type = FIELD_BOOL,
     .flags = FIELD_REQUIRED,
     .min = SCHEMA_NO_MIN,
     .max = SCHEMA_NO_MAX},
};
/* "items": [Item], ordered by id. */
const struct schema schemas_user = {"User", schemas_user_fields, COUNT(schemas_user_fields),
                                    &schemas_item, "items"};

/* ---- items ---------------------------------------------------------------------- */

static const struct field schemas_item_create_fields[] = {
    {.name = "title",
     .type = FIELD_STRING,
     .flags = FIELD_REQUIRED,
     .min = ITEM_TITLE_MIN,
     .max = ITEM_TITLE_MAX},
    {.name = "description",
     .type = FIELD_STRING,
     .flags = FIELD_NULLABLE,
     .min = 0,
     .max = ITEM_DESCRIPTION_MAX},
};
const struct schema schemas_item_create = {"ItemCreate", schemas_item_create_fields,
                                           COUNT(schemas_item_create_fields), NULL, NULL};

/* Like ItemCreate, but every field optional; title may not be null. */
static const struct field schemas_item_update_fields[] = {
    {.name = "title", .type = FIELD_STRING, .min = ITEM_TITLE_MIN, .max = ITEM_TITLE_MAX},
    {.name = "description",
     .type = FIELD_STRING,
     .flags = FIELD_NULLABLE,
     .min = 0,
     .max = ITEM_DESCRIPTION_MAX,
     .description = "null clears it"},
};
const struct schema schemas_item_update = {"ItemUpdate", schemas_item_update_fields,
                                           COUNT(schemas_item_update_fields), NULL, NULL};

static const struct field schemas_item_fields[] = {
    {.name = "id",
     .type = FIELD_INT,
     .flags = FIELD_REQUIRED | FIELD_READONLY,
     .min = 1,
     .max = SCHEMA_NO_MAX,
     .format = "int64"},
    {.name = "title",
     .type = FIELD_STRING,
     .flags = FIELD_REQUIRED,
     .min = ITEM_TITLE_MIN,
     .max = ITEM_TITLE_MAX},
    {.name = "description",
     .type = FIELD_STRING,
     .flags = FIELD_REQUIRED | FIELD_NULLABLE,
     .min = 0,
     .max = ITEM_DESCRIPTION_MAX},
    {.name = "owner_id",
     .type = FIELD_INT,
     .flags = FIELD_REQUIRED | FIELD_READONLY,
     .min = 1,
     .max = SCHEMA_NO_MAX,
     .format = "int64"},
};
const struct schema schemas_item = {"Item", schemas_item_fields, COUNT(schemas_item_fields), NULL,
                                    NULL};

/* ---- service endpoints ---------------------------------------------------------- */

static const struct field schemas_info_fields[] = {
    {.name = "app_name",
     .type = FIELD_STRING,
     .flags = FIELD_REQUIRED,
     .min = SCHEMA_NO_MIN,
     .max = SCHEMA_NO_MAX},
    {.name = "admin_email",
     .type = FIELD_EMAIL,
     .flags = FIELD_REQUIRED,
     .min = SCHEMA_NO_MIN,
     .max = SCHEMA_NO_MAX,
     .format = "email"},
    {.name = "items_per_user",
     .type = FIELD_INT,
     .flags = FIELD_REQUIRED,
     .min = 0,
     .max = SCHEMA_NO_MAX},
};
const struct schema schemas_info = {"Info", schemas_info_fields, COUNT(schemas_info_fields), NULL,
                                    NULL};

static const struct field schemas_health_fields[] = {
    {.name = "status",
     .type = FIELD_STRING,
     .flags = FIELD_REQUIRED,
     .min = SCHEMA_NO_MIN,
     .max = SCHEMA_NO_MAX,
     .description = "\"ok\""},
};
const struct schema schemas_health = {"Health", schemas_health_fields, COUNT(schemas_health_fields),
                                      NULL, NULL};

static const struct field schemas_ready_fields[] = {
    {.name = "status",
     .type = FIELD_STRING,
     .flags = FIELD_REQUIRED,
     .min = SCHEMA_NO_MIN,
     .max = SCHEMA_NO_MAX,
     .description = "\"ready\""},
    {.name = "database",
     .type = FIELD_STRING,
     .flags = FIELD_REQUIRED,
     .min = SCHEMA_NO_MIN,
     .max = SCHEMA_NO_MAX,
     .description = "\"ok\""},
    {.name = "schema",
     .type = FIELD_STRING,
     .flags = FIELD_REQUIRED,
     .min = SCHEMA_NO_MIN,
     .max = SCHEMA_NO_MAX,
     .description = "The revision the database is at: the head of sql/versions"},
};
const struct schema schemas_ready = {"Ready", schemas_ready_fields, COUNT(schemas_ready_fields),
                                     NULL, NULL};

/* ---- parameters ----------------------------------------------------------------- */

/* Order matters: SCHEMAS_QUERY_SKIP, SCHEMAS_QUERY_LIMIT index req->query_params. */
static const struct field schemas_list_query_fields[] = {
    {.name = "skip",
     .type = FIELD_INT,
     .min = 0,
     .max = SCHEMA_NO_MAX,
     .default_value = 0,
     .description = "How many rows to skip"},
    {.name = "limit",
     .type = FIELD_INT,
     .min = 1,
     .max = 100,
     .default_value = 100,
     .description = "Most rows to return"},
};
const struct schema schemas_list_query = {"ListQuery", schemas_list_query_fields,
                                          COUNT(schemas_list_query_fields), NULL, NULL};

const struct field schemas_user_id[] = {
    {.name = "user_id",
     .type = FIELD_INT,
     .flags = FIELD_REQUIRED,
     .min = 1,
     .max = SCHEMA_NO_MAX,
     .format = "int64"},
};

const struct field schemas_item_id[] = {
    {.name = "item_id",
     .type = FIELD_INT,
     .flags = FIELD_REQUIRED,
     .min = 1,
     .max = SCHEMA_NO_MAX,
     .format = "int64"},
};
