-- revision id: fn_1
-- revises: 9a8b7c6d5e4f
-- some free text: not a field

--   MIGRATE:UP  
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN NEW.updated_at := now(); RETURN NEW; END;
$body$;
CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
BEGIN ATOMIC SELECT a + b; END;
