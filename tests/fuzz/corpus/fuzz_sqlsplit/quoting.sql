SELECT 'it''s; here', E'back\\slash \' ;', "semi;colon" FROM t; -- a; comment
/* outer /* nested ; */ still comment */ SELECT $$ ; $$, $tag$ $$ ; $tag$, $1, a$b;
INSERT INTO t VALUES (1.5e3, 0x1F, 1_000);;;
