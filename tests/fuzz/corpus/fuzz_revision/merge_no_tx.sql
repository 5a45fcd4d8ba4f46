-- Revision ID: 9a8b7c6d5e4f
-- Revises: 3f1c2a9b7d10, 1234abcd
-- Create Date: 2026-12-01T08:30:00.123+01:00
-- Message: merge heads, build an index
-- Transaction: none

-- migrate:up
CREATE INDEX CONCURRENTLY items_title_idx ON items (title);
-- migrate:down
DROP INDEX CONCURRENTLY items_title_idx;
