-- GET /users/{id} as the worker runs it: one statement, PostgreSQL builds the User JSON
-- with its items (copy of "users_get" in src/app/repo_users.c + REPO_ITEMS_JSON_OF).
\set id random(:first, :last)
SELECT u.id, row_to_json(r)::text AS json FROM users u, LATERAL (SELECT u.id, u.email, u.is_active, (SELECT coalesce(('[' || string_agg(row_to_json(i)::text, ',' ORDER BY i.id) || ']')::json, '[]') FROM (SELECT id, title, description, owner_id FROM items WHERE owner_id = u.id) i) AS items) r WHERE u.id = :id;
