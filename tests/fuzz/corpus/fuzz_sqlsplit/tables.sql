-- Users. The email is unique case-insensitively (the unique index on lower(email));
-- the application stores it with the domain lower-cased and the local part as given.
-- The CHECK constraints repeat the API's field rules so that no other writer can store
-- what the API would refuse.
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    hashed_password text NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_length CHECK (char_length(email) <= 254),
    CONSTRAINT users_email_format CHECK (email LIKE '_%@_%._%'),
    CONSTRAINT users_hashed_password_set CHECK (hashed_password <> '')
);
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- Items belong to one user and go with it (ON DELETE CASCADE: deleting a user is one
-- statement, hence one transaction).
CREATE TABLE items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title text NOT NULL,
    description text,
    owner_id bigint NOT NULL,
    CONSTRAINT items_title_length CHECK (char_length(title) BETWEEN 1 AND 200),
    CONSTRAINT items_description_length
        CHECK (description IS NULL OR char_length(description) <= 2000),
    CONSTRAINT items_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX items_owner_id_idx ON items (owner_id);

