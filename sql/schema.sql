-- sql/schema.sql — the declared schema of Awesome API (SPEC §8): what the code expects the
-- database to look like, the counterpart of SQLAlchemy's models. It is never run against
-- the real database; dbtool applies it to a scratch database and compares:
--
--   edit this file  ->  dbtool revision --autogenerate -m "what changed"  ->  review the
--   revision  ->  dbtool upgrade head  ->  dbtool check (0 = the database is as declared)
--
-- `dbtool test` (CI) requires sql/versions at head to produce exactly this schema. Name
-- every constraint and index: the names here are the ones the revisions create, and a
-- revision that drops one needs its name.

-- Users (§5). The email is unique case-insensitively, through the unique index on
-- lower(email); the application stores it with the domain lower-cased and the local
-- part as given. The CHECK constraints repeat the API's field rules so that no other
-- writer can store what the API would refuse.
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY,
    email text NOT NULL,
    hashed_password text NOT NULL,        -- crypt(3) hash (yescrypt/bcrypt), never the password
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_email_length CHECK (char_length(email) <= 254),
    CONSTRAINT users_email_format CHECK (email LIKE '_%@_%._%'),
    CONSTRAINT users_hashed_password_set CHECK (hashed_password <> '')
);

CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- Items (§5) belong to one user and go with it: ON DELETE CASCADE makes deleting a user
-- one statement, hence one transaction. ITEMS_PER_USER is enforced by the application
-- (under a row lock on the owner), not here, since it is a setting.
CREATE TABLE items (
    id bigint GENERATED ALWAYS AS IDENTITY,
    title text NOT NULL,
    description text,                     -- NULL means "no description"
    owner_id bigint NOT NULL,
    CONSTRAINT items_pkey PRIMARY KEY (id),
    CONSTRAINT items_title_length CHECK (char_length(title) BETWEEN 1 AND 200),
    CONSTRAINT items_description_length
        CHECK (description IS NULL OR char_length(description) <= 2000),
    CONSTRAINT items_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE CASCADE
);

-- Listing a user's items and the per-user count both look items up by owner.
CREATE INDEX items_owner_id_idx ON items (owner_id);
