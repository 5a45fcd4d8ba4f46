-- GET /items/?skip=N&limit=10 as the worker runs it: OFFSET on the primary key
-- (copy of "items_list" in src/app/repo_items.c).
\set skip random(0, :nitems - 10)
SELECT coalesce('[' || string_agg(row_to_json(i)::text, ',' ORDER BY i.id) || ']', '[]') FROM (SELECT id, title, description, owner_id FROM items ORDER BY id OFFSET :skip LIMIT 10) i;
