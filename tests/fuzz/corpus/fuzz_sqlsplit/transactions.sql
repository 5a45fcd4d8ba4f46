begin;
start   transaction isolation level serializable;
/* c */ rollback to savepoint a;
-- x
commit
