/*
 * schemas.h — the schema descriptors of the example application, the counterpart of
 * FastAPI's pydantic models: UserCreate, UserUpdate, User, ItemCreate, ItemUpdate,
 * Item, the list query parameters and the path ids. One declaration validates requests
 * (before a handler runs) and feeds the OpenAPI document (SPEC §12).
 */
#ifndef APP_SCHEMAS_H
#define APP_SCHEMAS_H

#include "worker/schema.h"

/* Request bodies. */
extern const struct schema schemas_user_create; /* {"email", "password"} */
extern const struct schema schemas_user_update; /* {"is_active"?} */
extern const struct schema schemas_item_create; /* {"title", "description"?} */
extern const struct schema schemas_item_update; /* {"title"?, "description"?} */

/* Responses. */
extern const struct schema schemas_user; /* User, with "items": [Item] */
extern const struct schema schemas_item; /* Item */
extern const struct schema schemas_info;
extern const struct schema schemas_health;
extern const struct schema schemas_ready;

/* Query parameters of the list endpoints, in this order: skip, limit. */
extern const struct schema schemas_list_query;
enum { SCHEMAS_QUERY_SKIP, SCHEMAS_QUERY_LIMIT };

/* Path parameters (int >= 1). */
extern const struct field schemas_user_id[];
extern const struct field schemas_item_id[];

#endif
