-- Revision ID: b2
-- Revises:
SELECT 1;
-- migrate:up
-- migrate:sideways
