/*
 * schemas.c — the field rules of SPEC §5 as static schema descriptors (see schemas.h).
 * The same limits (models.h) are repeated as CHECK constraints in the first revision.
 */
#include "app/schemas.h"

#include "app/models.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The rule of each field that several schemas carry, declared once; the schemas differ
 * only in flags (required, nullable) and description. The bounds live in models.h.
 */
#define USER_EMAIL_FIELD(flags, desc) SCHEMA_EMAIL("email", flags, USER_EMAIL_MAX, desc)
#define ITEM_TITLE_FIELD(flags)       SCHEMA_STRING("title", flags, ITEM_TITLE_MIN, ITEM_TITLE_MAX, NULL)
#define ITEM_DESCRIPTION_FIELD(flags, desc)                                                        \
    SCHEMA_STRING("description", (flags) | FIELD_MULTILINE, 0, ITEM_DESCRIPTION_MAX, desc)

/* ---- users ---------------------------------------------------------------------- */

static const struct field schemas_user_create_fields[] = {
    USER_EMAIL_FIELD(FIELD_REQUIRED,
                     "Unique, compared case-insensitively; stored with the domain lower-cased"),
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
    SCHEMA_BOOL("is_active", 0, "Whether the account is active"),
};
const struct schema schemas_user_update = {"UserUpdate", schemas_user_update_fields,
                                           COUNT(schemas_user_update_fields), NULL, NULL};

static const struct field schemas_user_fields[] = {
    SCHEMA_ID("id", FIELD_REQUIRED | FIELD_READONLY),
    USER_EMAIL_FIELD(FIELD_REQUIRED, NULL),
    SCHEMA_BOOL("is_active", FIELD_REQUIRED, NULL),
};
/* "items": [Item], ordered by id. */
const struct schema schemas_user = {"User", schemas_user_fields, COUNT(schemas_user_fields),
                                    &schemas_item, "items"};

/* ---- items ---------------------------------------------------------------------- */

static const struct field schemas_item_create_fields[] = {
    ITEM_TITLE_FIELD(FIELD_REQUIRED),
    ITEM_DESCRIPTION_FIELD(FIELD_NULLABLE, NULL),
};
const struct schema schemas_item_create = {"ItemCreate", schemas_item_create_fields,
                                           COUNT(schemas_item_create_fields), NULL, NULL};

/* Like ItemCreate, but every field optional; title may not be null. */
static const struct field schemas_item_update_fields[] = {
    ITEM_TITLE_FIELD(0),
    ITEM_DESCRIPTION_FIELD(FIELD_NULLABLE, "null clears it"),
};
const struct schema schemas_item_update = {"ItemUpdate", schemas_item_update_fields,
                                           COUNT(schemas_item_update_fields), NULL, NULL};

static const struct field schemas_item_fields[] = {
    SCHEMA_ID("id", FIELD_REQUIRED | FIELD_READONLY),
    ITEM_TITLE_FIELD(FIELD_REQUIRED),
    ITEM_DESCRIPTION_FIELD(FIELD_REQUIRED | FIELD_NULLABLE, NULL),
    SCHEMA_ID("owner_id", FIELD_REQUIRED | FIELD_READONLY),
};
const struct schema schemas_item = {"Item", schemas_item_fields, COUNT(schemas_item_fields), NULL,
                                    NULL};

/* ---- service endpoints ---------------------------------------------------------- */

static const struct field schemas_info_fields[] = {
    SCHEMA_STRING("app_name", FIELD_REQUIRED, SCHEMA_NO_MIN, SCHEMA_NO_MAX, NULL),
    SCHEMA_EMAIL("admin_email", FIELD_REQUIRED, SCHEMA_NO_MAX, NULL),
    SCHEMA_INT("items_per_user", FIELD_REQUIRED, 0, SCHEMA_NO_MAX, NULL),
};
const struct schema schemas_info = {"Info", schemas_info_fields, COUNT(schemas_info_fields), NULL,
                                    NULL};

static const struct field schemas_health_fields[] = {
    SCHEMA_STRING("status", FIELD_REQUIRED, SCHEMA_NO_MIN, SCHEMA_NO_MAX, "\"ok\""),
};
const struct schema schemas_health = {"Health", schemas_health_fields, COUNT(schemas_health_fields),
                                      NULL, NULL};

static const struct field schemas_ready_fields[] = {
    SCHEMA_STRING("status", FIELD_REQUIRED, SCHEMA_NO_MIN, SCHEMA_NO_MAX, "\"ready\""),
    SCHEMA_STRING("database", FIELD_REQUIRED, SCHEMA_NO_MIN, SCHEMA_NO_MAX, "\"ok\""),
    SCHEMA_STRING("schema", FIELD_REQUIRED, SCHEMA_NO_MIN, SCHEMA_NO_MAX,
                  "The revision the database is at: the head of sql/versions"),
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

const struct field schemas_user_id[] = {SCHEMA_ID("user_id", FIELD_REQUIRED)};
const struct field schemas_item_id[] = {SCHEMA_ID("item_id", FIELD_REQUIRED)};
