-- GET /users/{id} as two plain statements (the user, then their items); the JSON would
-- then be built in C, which this does not count.
\set id random(:first, :last)
SELECT id, email, is_active FROM users WHERE id = :id;
SELECT id, title, description, owner_id FROM items WHERE owner_id = :id ORDER BY id;
