-- The shape of pgbench -S on our schema: one row by primary key, no JSON.
\set id random(:first, :last)
SELECT email FROM users WHERE id = :id;
