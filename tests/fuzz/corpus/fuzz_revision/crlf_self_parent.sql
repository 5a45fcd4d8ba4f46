-- Revision ID: a1
-- Revises: a1

-- migrate:up
SELECT 1;
-- migrate:down
