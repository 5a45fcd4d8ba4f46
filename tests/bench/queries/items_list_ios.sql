-- GET /items/?skip=N&limit=10 with the skipped rows walked on the primary key index
-- alone (an index-only scan: no table row is read for them), then the page read from
-- the first id on. Same result as OFFSET: ids are unique and ordered.
\set skip random(0, :nitems - 10)
SELECT coalesce('[' || string_agg(row_to_json(i)::text, ',' ORDER BY i.id) || ']', '[]') FROM (SELECT id, title, description, owner_id FROM items WHERE id >= (SELECT id FROM items ORDER BY id OFFSET :skip LIMIT 1) ORDER BY id LIMIT 10) i;
