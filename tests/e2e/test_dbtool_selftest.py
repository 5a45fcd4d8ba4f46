"""test_dbtool_selftest.py — `dbtool test`, the revision self-test for CI (issue 5, SPEC §8).

The first test runs it on the project's own sql/versions and sql/schema.sql: this is how
`make test` (and so .ci/run) checks that every revision upgrades, downgrades without a
trace and upgrades again, and that the head is what sql/schema.sql declares. The others
break a copy of the revisions on purpose and expect the failure to name the culprit.
"""

import os
import shutil
import tempfile
import unittest
from pathlib import Path

import harness

VERSIONS = harness.ROOT / "sql" / "versions"
SCHEMA = (harness.ROOT / "sql" / "schema.sql").read_text()
FIRST = "3f1c2a9b7d10"


def revision(rid, parent, message, up, down=None):
    text = "-- Revision ID: %s\n-- Revises: %s\n-- Message: %s\n\n-- migrate:up\n%s\n" % (
        rid, parent, message, up)
    if down is not None:
        text += "\n-- migrate:down\n%s\n" % down
    return text


class SelfTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.pg = harness.postgres()
        cls.url = cls.pg.create_database()       # only the server is used

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dbtool-selftest-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.dir = os.path.join(self.tmp, "versions")
        shutil.copytree(VERSIONS, self.dir)
        self.schema = os.path.join(self.tmp, "schema.sql")
        Path(self.schema).write_text(SCHEMA)
        self.scratch = self.pg.create_database()

    def run_test(self, *args, expect, url=None):
        r = harness.dbtool(["--dir", self.dir, "test", "--scratch-url", self.scratch] +
                           list(args), env={"DATABASE_URL": url or self.url})
        self.assertEqual(r.returncode, expect, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        return r

    def add(self, name, text):
        Path(self.dir, name).write_text(text)

    def assert_scratch_left_empty(self):
        left = self.pg.psql(self.scratch, "SELECT count(*) FROM pg_class c JOIN pg_namespace n "
                            "ON n.oid = c.relnamespace WHERE n.nspname = 'public'")
        self.assertEqual(left.strip(), "0")

    def scratch_databases(self):
        return self.pg.psql(self.pg.admin_url(), "SELECT datname FROM pg_database "
                            "WHERE datname LIKE 'dbtool_scratch_%'").split()

    def test_project_revisions_pass_the_stairway_and_match_schema_sql(self):
        # exactly what CI runs: the repository's folder and schema, a scratch database
        # created (and dropped) by dbtool itself
        r = harness.dbtool(["test"], env={"DATABASE_URL": self.url})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = r.stdout.splitlines()
        self.assertRegex(lines[0], r"^ok   sql/versions: %d revisions?, every file parses, "
                         r"one head \(\w+\)$" % len(list(VERSIONS.glob("*.sql"))))
        self.assertIn("ok   %s create users and items (upgrade/downgrade/upgrade)" % FIRST, lines)
        self.assertIn("ok   head matches sql/schema.sql", lines)
        self.assertIn("ok   downgrade base leaves an empty schema", lines)
        self.assertTrue(lines[-1].startswith("dbtool test: OK ("), r.stdout)
        self.assertEqual(self.scratch_databases(), [])

    def test_downgrade_that_forgets_an_index_fails_naming_the_revision(self):
        self.add("5a5a5a5a5a5a_title_index.sql", revision(
            "5a5a5a5a5a5a", FIRST, "index titles",
            "CREATE INDEX items_title_idx ON items (title);",
            "-- forgot: DROP INDEX items_title_idx;"))
        Path(self.schema).write_text(SCHEMA + "\nCREATE INDEX items_title_idx ON items (title);\n")
        r = self.run_test("--schema", self.schema, expect=1)
        self.assertIn("ok   %s create users and items" % FIRST, r.stdout)
        self.assertIn("FAIL 5a5a5a5a5a5a index titles: the downgrade leaves a trace", r.stdout)
        self.assertIn("       added index 'items_title_idx' on 'items'", r.stdout)
        self.assertIn("dbtool: error: test failed:", r.stderr)
        self.assert_scratch_left_empty()

    def test_schema_file_and_revisions_disagree(self):
        Path(self.schema).write_text(SCHEMA.replace(
            "    is_active boolean NOT NULL DEFAULT true,",
            "    is_active boolean NOT NULL DEFAULT true,\n    nickname text,"))
        r = self.run_test("--schema", self.schema, expect=1)
        self.assertIn("ok   %s create users and items" % FIRST, r.stdout)
        self.assertIn("FAIL head of %s vs %s: they differ" % (self.dir, self.schema), r.stdout)
        self.assertIn("       added column 'users.nickname'", r.stdout)
        self.assert_scratch_left_empty()

    def test_failing_upgrade_stops_and_names_file_and_line(self):
        self.add("6b6b6b6b6b6b_bad.sql", revision(
            "6b6b6b6b6b6b", FIRST, "bad sql", "ALTER TABLE items\n    ADD COLUMN x nosuchtype;",
            "ALTER TABLE items DROP COLUMN x;"))
        r = self.run_test("--schema", self.schema, expect=1)
        self.assertIn("FAIL 6b6b6b6b6b6b bad sql (upgrade): %s/6b6b6b6b6b6b_bad.sql:7: type "
                      "\"nosuchtype\" does not exist" % self.dir, r.stdout)
        self.assertNotIn("head matches", r.stdout)
        self.assert_scratch_left_empty()

    def test_graph_problems_fail_before_any_database_work(self):
        dead = "postgresql://app:app@127.0.0.1:%d/none" % harness.free_port()
        self.add("7c7c7c7c7c7c_no_down.sql", revision("7c7c7c7c7c7c", FIRST, "no down",
                                                      "SELECT 1;"))
        self.add("8d8d8d8d8d8d_branch.sql", revision("8d8d8d8d8d8d", FIRST, "branch",
                                                     "SELECT 1;", "SELECT 1;"))
        r = harness.dbtool(["--dir", self.dir, "test"], env={"DATABASE_URL": dead})
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("FAIL 7c7c7c7c7c7c: 7c7c7c7c7c7c cannot be downgraded", r.stdout)
        self.assertIn("several head revisions (7c7c7c7c7c7c, 8d8d8d8d8d8d)", r.stdout)
        self.assertNotIn("cannot connect", r.stdout + r.stderr)
        # a file that does not parse is named with its line
        self.add("9e_broken.sql", "-- Revision ID: 9e\n-- Revises: %s\nSELECT 1;\n" % FIRST)
        r = harness.dbtool(["--dir", self.dir, "test"], env={"DATABASE_URL": dead})
        self.assertEqual(r.returncode, 1)
        self.assertIn("9e_broken.sql", r.stdout)
        self.assertIn("no \"-- migrate:up\" line", r.stdout)


if __name__ == "__main__":
    unittest.main()
