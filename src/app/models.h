/*
 * models.h — the resources of the example application (SPEC §5) as C sees them: the
 * field limits shared by the schemas (schemas.c) and the database (the CHECK
 * constraints of the first revision), and the inputs a handler passes to a repository.
 *
 * Output never goes through a C struct: a repository hands back a resource already
 * serialised as its public JSON (struct repo_result), built from an explicit column list
 * that does not include users.hashed_password.
 *
 *   User: {"id": 1, "email": "a@example.com", "is_active": true, "items": [Item, ...]}
 *   Item: {"id": 7, "title": "...", "description": "..." | null, "owner_id": 1}
 */
#ifndef APP_MODELS_H
#define APP_MODELS_H

#include <stdbool.h>

/* Field limits, in Unicode code points (the database counts with char_length()). */
#define USER_EMAIL_MAX       254
#define USER_PASSWORD_MIN    8
#define USER_PASSWORD_MAX    128
#define ITEM_TITLE_MIN       1
#define ITEM_TITLE_MAX       200
#define ITEM_DESCRIPTION_MAX 2000

/* A user to create: the email as it will be stored and the crypt(3) hash. */
struct user_new {
    const char *email;
    const char *hashed_password;
};

/* PATCH /users/{id}: only the fields given change. */
struct user_patch {
    bool set_is_active;
    bool is_active;
};

/* An item to create; description NULL = SQL NULL. */
struct item_new {
    const char *title;
    const char *description;
};

/* PATCH /items/{id}: title NULL = keep; description replaced (NULL clears it) only when
 * set_description. */
struct item_patch {
    const char *title;
    bool set_description;
    const char *description;
};

#endif
