/*
 * repo_users.h — the users repository (the crud.py of users): every SQL statement
 * about users lives in repo_users.c. Results are the public User JSON, items included.
 */
#ifndef APP_REPO_USERS_H
#define APP_REPO_USERS_H

#include "app/models.h"
#include "app/repo.h"

/* Adds its statements to those prepared on each connection (see repo_register). */
void repo_users_register(void);

/* Inserts a user. REPO_CONFLICT when the email is taken, compared case-insensitively
 * (the unique index decides, so two concurrent requests cannot both succeed). */
enum repo_status repo_users_create(const struct user_new *user, struct repo_result *out);

/* One user with its items. REPO_NOT_FOUND when there is none. */
enum repo_status repo_users_get(long long id, struct repo_result *out);

/* A page of users ordered by id, each with its items, as a JSON array: one statement
 * whatever the page size. */
enum repo_status repo_users_list(long long skip, long long limit, struct repo_result *out);

/* Applies the given fields; an empty patch returns the user unchanged. */
enum repo_status repo_users_update(long long id, const struct user_patch *patch,
                                   struct repo_result *out);

/* Deletes a user and, through ON DELETE CASCADE in the same statement (hence the same
 * transaction), their items. */
enum repo_status repo_users_delete(long long id, struct repo_result *out);

#endif
