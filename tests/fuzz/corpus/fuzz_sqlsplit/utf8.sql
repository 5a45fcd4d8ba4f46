COMMENT ON TABLE t IS 'café ☃';
SELECT été FROM "täb";
