-- Revison ID: abc
-- Revises:

-- migrate:up
SELECT 1;
