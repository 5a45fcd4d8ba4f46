"""test_dbtool.py — dbtool against a real PostgreSQL (issue 3, SPEC §7).

Every test writes its own revision folder in a temporary directory and migrates a fresh
database of the run's cluster, so tests are independent. dbtool runs from the repository
root (so etc/dev.env supplies the other settings) with DATABASE_URL in its environment.
"""

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

import harness

DATE = "2026-11-27 10:00:00"


def write_rev(folder, rid, revises="", message=None, up="", down="", tx=None, name=None):
    """Writes a revision file and returns its path."""
    message = message or "revision %s" % rid
    lines = ["-- Revision ID: %s" % rid, "-- Revises: %s" % revises,
             "-- Create Date: %s" % DATE, "-- Message: %s" % message]
    if tx:
        lines.append("-- Transaction: %s" % tx)
    lines += ["", "-- migrate:up"] + up.strip("\n").splitlines() + ["", "-- migrate:down"]
    lines += down.strip("\n").splitlines() + [""]
    path = Path(folder) / (name or "%s_%s.sql" % (rid, re.sub(r"\W+", "_", message)))
    path.write_text("\n".join(lines))
    return path


def line_of(path, needle):
    """1-based number of the first line of path containing needle."""
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError("%r not in %s" % (needle, path))


class DbtoolCase(unittest.TestCase):
    """A fresh database and an empty revision folder per test."""

    @classmethod
    def setUpClass(cls):
        cls.pg = harness.postgres()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dbtool-e2e-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.dir = os.path.join(self.tmp, "versions")
        os.mkdir(self.dir)
        self.url = self.pg.create_database()

    def dbtool(self, *args, expect=0, url=None, folder=None, env=None):
        full_env = {"DATABASE_URL": url or self.url}
        full_env.update(env or {})
        r = harness.dbtool(["--dir", folder or self.dir] + list(args), env=full_env)
        if expect is not None:
            self.assertEqual(r.returncode, expect,
                             "dbtool %s\nstdout:\n%s\nstderr:\n%s" % (" ".join(args), r.stdout,
                                                                     r.stderr))
        return r

    def sql(self, query, url=None):
        return self.pg.psql(url or self.url, query).strip()

    def versions(self, url=None):
        if self.sql("SELECT to_regclass('dbtool_version') IS NULL", url) == "t":
            return []
        return sorted(self.sql("SELECT version_num FROM dbtool_version", url).split())

    def exists(self, relation, url=None):
        return self.sql("SELECT to_regclass('%s') IS NOT NULL" % relation, url) == "t"

    def chain(self, ids):
        """A linear chain of revisions, each creating table t_<id>."""
        parent = ""
        paths = []
        for rid in ids:
            paths.append(write_rev(self.dir, rid, parent, "add t_%s" % rid,
                                   "CREATE TABLE t_%s (id int);" % rid, "DROP TABLE t_%s;" % rid))
            parent = rid
        return paths


class TargetsAndListings(DbtoolCase):

    def test_upgrade_and_downgrade_by_every_target_form(self):
        self.chain(["a1", "b2", "c3", "d4"])
        steps = [
            (("upgrade", "+1"), ["a1"]),
            (("upgrade", "b"), ["b2"]),            # unique prefix
            (("upgrade", "b2+2"), ["d4"]),         # REV+N
            (("downgrade", "-1"), ["c3"]),
            (("downgrade", "a1"), ["a1"]),
            (("downgrade", "base"), []),
            (("upgrade", "+2"), ["b2"]),
            (("upgrade",), ["d4"]),                # head is the default
            (("downgrade", "-2"), ["b2"]),
            (("upgrade", "heads"), ["d4"]),
            (("downgrade", "head-3"), ["a1"]),      # REV-N
            (("upgrade", "head"), ["d4"]),
        ]
        for args, want in steps:
            self.dbtool(*args)
            self.assertEqual(self.versions(), want, args)
            for rid in ["a1", "b2", "c3", "d4"]:
                applied = rid <= (want[0] if want else "")
                self.assertEqual(self.exists("t_" + rid), applied, (args, rid))
        r = self.dbtool("upgrade", "head")
        self.assertIn("Nothing to do", r.stdout)
        # every run printed Alembic-style lines with durations
        r = self.dbtool("downgrade", "-1")
        self.assertRegex(r.stdout, r"^Running downgrade d4 -> c3, add t_d4 \(\d+ ms\)$")
        r = self.dbtool("upgrade", "+1")
        self.assertRegex(r.stdout, r"^Running upgrade c3 -> d4, add t_d4 \(\d+ ms\)$")
        self.dbtool("downgrade", "base")
        r = self.dbtool("upgrade", "a1")
        self.assertRegex(r.stdout, r"^Running upgrade  -> a1, add t_a1 \(\d+ ms\)$")
        # targets that cannot be reached fail before anything runs
        r = self.dbtool("upgrade", "+9", expect=1)
        self.assertIn("cannot go 9 steps up from a1", r.stderr)
        r = self.dbtool("downgrade", "c3", expect=1)
        self.assertIn("c3 is not applied", r.stderr)
        self.assertEqual(self.versions(), ["a1"])

    def test_current_history_heads_show_print_graph_and_database(self):
        paths = self.chain(["a1", "b2", "c3"])
        r = self.dbtool("current")
        self.assertEqual(r.stdout, "")
        self.dbtool("current", "--check-heads", expect=1)
        self.dbtool("upgrade", "b2")
        self.assertEqual(self.dbtool("current").stdout, "b2\n")
        r = self.dbtool("history")
        self.assertEqual(r.stdout.splitlines(), [
            "b2 -> c3 (head), add t_c3",
            "a1 -> b2 (current), add t_b2",
            "<base> -> a1, add t_a1",
        ])
        r = self.dbtool("history", "-r", "a1:b2")
        self.assertEqual(r.stdout.splitlines(), ["a1 -> b2 (current), add t_b2",
                                                 "<base> -> a1, add t_a1"])
        r = self.dbtool("history", "-r", "current:")
        self.assertEqual(len(r.stdout.splitlines()), 2)
        r = self.dbtool("history", "--verbose")
        self.assertIn("Rev: c3 (head)\nParent: b2\nPath: %s\n" % paths[2], r.stdout)
        self.assertIn("Transaction: per-revision", r.stdout)
        self.assertIn("    Create Date: %s" % DATE, r.stdout)
        self.assertEqual(self.dbtool("heads").stdout, "c3 (head)\n")
        r = self.dbtool("show", "b")
        self.assertTrue(r.stdout.startswith("Rev: b2\nParent: a1\nPath: %s\n" % paths[1]),
                        r.stdout)
        self.assertIn("    add t_b2", r.stdout)
        self.dbtool("upgrade")
        r = self.dbtool("current", "--check-heads")
        self.assertEqual(r.stdout, "c3 (head)\n")
        r = self.dbtool("current", "--verbose")
        self.assertIn("Rev: c3 (head)", r.stdout)
        self.assertNotIn(":app@", r.stdout)   # the URL is shown masked
        r = self.dbtool("check")
        self.assertIn("OK", r.stdout)

    def test_stamp_records_without_running_sql(self):
        self.chain(["a1", "b2"])
        r = self.dbtool("stamp", "head")
        self.assertIn("Running stamp  -> b2", r.stdout)
        self.assertEqual(self.versions(), ["b2"])
        self.assertFalse(self.exists("t_a1"))
        rows = self.sql("SELECT revision || ':' || direction FROM dbtool_history ORDER BY id")
        self.assertEqual(rows.split(), ["a1:stamp", "b2:stamp"])
        self.dbtool("stamp", "a1")
        self.assertEqual(self.versions(), ["a1"])
        self.dbtool("stamp", "base")
        self.assertEqual(self.versions(), [])

    def test_revision_command_writes_parseable_files(self):
        r = self.dbtool("revision", "-m", "Create widgets!")
        m = re.match(r"^Generating (\S+) \.\.\.  done$", r.stdout.strip())
        self.assertTrue(m, r.stdout)
        first = Path(m.group(1))
        self.assertRegex(first.name, r"^[0-9a-f]{12}_create_widgets\.sql$")
        text = first.read_text()
        first_id = first.name[:12]
        self.assertIn("-- Revision ID: %s\n-- Revises: \n" % first_id, text)
        self.assertRegex(text, r"-- Create Date: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n")
        self.assertIn("-- Message: Create widgets!\n", text)
        r = self.dbtool("revision", "-m", "second")
        second = Path(r.stdout.split()[1])
        self.assertIn("-- Revises: %s\n" % first_id, second.read_text())
        # fill in SQL; the generated files migrate as they are
        second.write_text(second.read_text().replace(
            "-- migrate:down", "CREATE TABLE widgets (id int);\n\n-- migrate:down\n"
            "DROP TABLE widgets;"))
        self.dbtool("upgrade")
        self.assertTrue(self.exists("widgets"))
        self.dbtool("downgrade", "base")
        self.assertFalse(self.exists("widgets"))
        # a branch needs --head; two heads then refuse a plain revision
        self.dbtool("revision", "-m", "branch", "--head", first_id[:6])
        r = self.dbtool("revision", "-m", "third", expect=1)
        self.assertIn("several head revisions", r.stderr)
        # --autogenerate needs one parent too (the rest of it: test_autogenerate.py)
        r = self.dbtool("revision", "-m", "x", "--autogenerate", expect=1)
        self.assertIn("several head revisions", r.stderr)

    def test_merge_workflow(self):
        write_rev(self.dir, "r0", "", "root", "CREATE TABLE root (id int);", "DROP TABLE root;")
        write_rev(self.dir, "x1", "r0", "left", "CREATE TABLE left_t (id int);",
                  "DROP TABLE left_t;")
        write_rev(self.dir, "y1", "r0", "right", "CREATE TABLE right_t (id int);",
                  "DROP TABLE right_t;")
        self.assertEqual(self.dbtool("heads").stdout, "x1 (head)\ny1 (head)\n")
        r = self.dbtool("branches")
        self.assertEqual(r.stdout.splitlines(), ["<base> -> r0 (branchpoint), root",
                                                 "   -> x1 (head), left",
                                                 "   -> y1 (head), right"])
        r = self.dbtool("upgrade", "head", expect=1)
        self.assertIn("several head revisions (x1, y1)", r.stderr)
        self.assertIn("dbtool upgrade heads", r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1)
        self.assertFalse(self.exists("dbtool_version"))   # refused before connecting
        r = self.dbtool("upgrade", "heads")
        self.assertEqual(self.versions(), ["x1", "y1"])
        self.assertEqual(self.dbtool("current").stdout, "x1 (head)\ny1 (head)\n")
        self.dbtool("downgrade", "-1", expect=1)           # which head? ambiguous
        r = self.dbtool("merge", "-m", "pointless", "r0", "x1", expect=1)
        self.assertIn("r0 is an ancestor of x1", r.stderr)
        r = self.dbtool("merge", "-m", "join branches", "heads")
        merge_path = Path(r.stdout.split()[1])
        merge_id = merge_path.name[:12]
        self.assertIn("-- Revises: x1, y1\n", merge_path.read_text())
        self.assertEqual(self.dbtool("heads").stdout, "%s (head) (mergepoint)\n" % merge_id)
        r = self.dbtool("upgrade", "head")
        self.assertIn("Running upgrade x1, y1 -> %s, join branches" % merge_id, r.stdout)
        self.assertEqual(self.versions(), [merge_id])
        r = self.dbtool("history")
        self.assertEqual(r.stdout.splitlines()[0],
                         "x1, y1 -> %s (head) (mergepoint) (current), join branches" % merge_id)
        self.dbtool("downgrade", "-1")
        self.assertEqual(self.versions(), ["x1", "y1"])
        self.dbtool("downgrade", "r0")
        self.assertEqual(self.versions(), ["r0"])
        self.assertFalse(self.exists("left_t") or self.exists("right_t"))

    def test_help_and_version(self):
        r = self.dbtool("--help")
        for command in ("revision", "upgrade", "downgrade", "current", "history", "heads",
                        "branches", "show", "merge", "stamp", "check"):
            self.assertIn("\n  %s " % command, r.stdout)
        r = self.dbtool("upgrade", "--help")
        self.assertIn("usage: dbtool upgrade [TARGET]", r.stdout)
        self.assertIn("--single-transaction", r.stdout)
        r = self.dbtool("--version")
        self.assertTrue(r.stdout.startswith("dbtool "))


class OfflineSql(DbtoolCase):

    def dump(self, url):
        out = subprocess.run([str(self.pg.bindir / "pg_dump"), "-s", "-d", url],
                             capture_output=True, text=True, check=True).stdout
        # comments and pg_dump's per-run \\restrict keys differ between any two dumps
        return re.sub(r"^(--|\\restrict|\\unrestrict).*$", "", out, flags=re.M)

    def pipe_to_psql(self, script, url):
        r = subprocess.run([str(self.pg.bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                            "-d", url, "-f", "-"], input=script, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_offline_sql_matches_online_upgrade(self):
        write_rev(self.dir, "a1", "", "tables and a function", """
CREATE TABLE things (id int PRIMARY KEY, note text DEFAULT 'a;b');
-- a comment with a ; in it, and $dbtool$ too
CREATE FUNCTION bump(x int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    RETURN x + 1;  -- semicolons inside the body
END;
$$;
""", "DROP FUNCTION bump(int);\nDROP TABLE things;")
        write_rev(self.dir, "b2", "a1", "index concurrently", """
CREATE INDEX CONCURRENTLY things_note ON things (note);
""", "DROP INDEX CONCURRENTLY things_note;", tx="none")
        write_rev(self.dir, "c3", "b2", "a column", "ALTER TABLE things ADD COLUMN e text "
                  "DEFAULT E'it''s\\\\;';", "ALTER TABLE things DROP COLUMN e;")
        online = self.url
        offline = self.pg.create_database()
        self.dbtool("upgrade", "head", url=online)
        r = self.dbtool("upgrade", "--sql", url="postgresql://nobody@127.0.0.1:1/none")
        self.assertIn("BEGIN;", r.stdout)
        self.assertIn("INSERT INTO dbtool_version (version_num) VALUES ('c3');", r.stdout)
        self.pipe_to_psql(r.stdout, offline)
        self.assertEqual(self.dump(offline), self.dump(online))
        self.assertEqual(self.versions(offline), ["c3"])
        # the offline database is a normal dbtool database afterwards
        self.assertEqual(self.dbtool("current", url=offline).stdout, "c3 (head)\n")
        # downgrade likewise
        self.dbtool("downgrade", "a1", url=online)
        r = self.dbtool("downgrade", "--sql", "head:a1", url="postgresql://nobody@127.0.0.1:1/x")
        self.pipe_to_psql(r.stdout, offline)
        self.assertEqual(self.dump(offline), self.dump(online))
        self.assertEqual(self.versions(offline), ["a1"])
        # a script refuses to run on a database that is somewhere else
        r = self.dbtool("upgrade", "--sql", "base:head")
        bad = subprocess.run([str(self.pg.bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                              "-d", offline, "-f", "-"], input=r.stdout, capture_output=True,
                             text=True)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("starts from revision(s) []", bad.stderr)
        self.dbtool("downgrade", "--sql", "-1", expect=2)


class Failures(DbtoolCase):

    def test_failed_revision_leaves_no_trace_and_names_file_and_line(self):
        self.chain(["a1"])
        bad = write_rev(self.dir, "b2", "a1", "three statements", """
CREATE TABLE first_statement (id int);
INSERT INTO first_statement
    SELECT id FROM nope;
CREATE TABLE third_statement (id int);
""", "DROP TABLE third_statement;\nDROP TABLE first_statement;")
        r = self.dbtool("upgrade", expect=1)
        line = line_of(bad, "FROM nope")
        self.assertIn('dbtool: error: %s:%d: relation "nope" does not exist (SQLSTATE 42P01)'
                      % (bad, line), r.stderr)
        self.assertIn("Running upgrade  -> a1", r.stdout)
        self.assertEqual(self.versions(), ["a1"])
        self.assertTrue(self.exists("t_a1"))
        self.assertFalse(self.exists("first_statement"))
        self.assertFalse(self.exists("third_statement"))
        failed = self.sql("SELECT revision || ':' || success FROM dbtool_history "
                          "WHERE direction = 'up' ORDER BY id")
        self.assertEqual(failed.split(), ["a1:true", "b2:false"])
        # an error found at run time (no position) names the statement's first line
        bad.write_text(bad.read_text().replace("SELECT id FROM nope", "SELECT 1/0"))
        r = self.dbtool("upgrade", expect=1)
        self.assertIn("%s:%d: division by zero (SQLSTATE 22012)"
                      % (bad, line_of(bad, "INSERT INTO first_statement")), r.stderr)

    def test_single_transaction_is_all_or_nothing(self):
        self.chain(["a1", "b2"])
        failing = write_rev(self.dir, "c3", "b2", "bad", "SELECT * FROM nope;")
        r = self.dbtool("upgrade", "--single-transaction", expect=1)
        self.assertIn("nothing was applied", r.stderr)
        self.assertEqual(self.versions(), [])
        self.assertFalse(self.exists("t_a1"))
        r = self.dbtool("upgrade", "b2", "--single-transaction")
        self.assertIn("Committed 2 revisions as one transaction", r.stdout)
        self.assertEqual(self.versions(), ["b2"])
        # what cannot run in one transaction is refused before anything runs
        failing.unlink()
        concurrent = write_rev(self.dir, "c3", "b2", "concurrent",
                               "CREATE INDEX CONCURRENTLY i ON t_a1 (id);", tx="none")
        r = self.dbtool("upgrade", "--single-transaction", expect=1)
        self.assertIn("cannot run inside --single-transaction", r.stderr)
        concurrent.unlink()
        bad = write_rev(self.dir, "c3", "b2", "commits", "SELECT 1;\nCOMMIT;\nSELECT 2;")
        r = self.dbtool("upgrade", expect=1)
        self.assertIn("%s:%d: transaction control is not allowed" % (bad, line_of(bad, "COMMIT")),
                      r.stderr)
        self.assertEqual(self.versions(), ["b2"])

    def test_edited_applied_file_refused_by_name(self):
        paths = self.chain(["a1", "b2"])
        self.dbtool("upgrade", "a1")
        with open(paths[0], "a") as f:
            f.write("-- edited after it was applied\n")
        r = self.dbtool("upgrade", expect=1)
        self.assertIn("dbtool: error: %s was changed after it was applied" % paths[0], r.stderr)
        self.assertIn("--ignore-checksums", r.stderr)
        self.assertEqual(self.versions(), ["a1"])
        r = self.dbtool("check", expect=1)
        self.assertIn("%s was changed after it was applied" % paths[0], r.stderr)
        self.assertIn("not at the head", r.stderr)
        self.dbtool("downgrade", "base", expect=1)
        r = self.dbtool("upgrade", "--ignore-checksums")
        self.assertIn("dbtool: warning: %s was changed" % paths[0], r.stderr)
        self.assertEqual(self.versions(), ["b2"])

    def test_downgrade_uses_stored_sql_when_file_deleted(self):
        paths = self.chain(["a1", "b2"])
        self.dbtool("upgrade")
        paths[1].unlink()
        self.assertEqual(self.dbtool("current").stdout, "b2 (file missing)\n")
        r = self.dbtool("upgrade", expect=1)       # the database is ahead of the folder
        self.assertIn("the database is at b2, which has no file in %s" % self.dir, r.stderr)
        self.assertIn('run "dbtool downgrade a1"', r.stderr)
        r = self.dbtool("downgrade", "-1")
        self.assertIn("No file for b2", r.stdout)
        self.assertIn("stored in dbtool_history", r.stdout)
        self.assertRegex(r.stdout, r"Running downgrade b2 -> a1, add t_b2 \(\d+ ms\)")
        self.assertFalse(self.exists("t_b2"))
        self.assertEqual(self.dbtool("current").stdout, "a1 (head)\n")

    def test_concurrently_index_with_transaction_none_resumes(self):
        write_rev(self.dir, "a1", "", "table", """
CREATE TABLE t (a int, b int);
INSERT INTO t SELECT g, g % 10 FROM generate_series(1, 100) g;
""", "DROP TABLE t;")
        idx = write_rev(self.dir, "b2", "a1", "indexes", """
CREATE INDEX CONCURRENTLY t_a ON t (a);
CREATE UNIQUE INDEX CONCURRENTLY t_b
    ON t (b);
CREATE INDEX CONCURRENTLY t_ab ON t (a, b);
""", "DROP INDEX CONCURRENTLY t_ab;\nDROP INDEX CONCURRENTLY t_b;\n"
     "DROP INDEX CONCURRENTLY t_a;", tx="none")
        r = self.dbtool("upgrade", expect=1)
        self.assertIn("%s:%d: could not create unique index \"t_b\" (SQLSTATE 23505)"
                      % (idx, line_of(idx, "UNIQUE INDEX")), r.stderr)
        self.assertIn("statements 1-1 of 3 are done", r.stderr)
        self.assertIn("resume at statement 2", r.stderr)
        self.assertIn("INVALID index", r.stderr)
        self.assertEqual(self.versions(), ["a1"])
        self.assertTrue(self.exists("t_a"))
        # fix the cause, drop the invalid index, run again: it resumes at statement 2
        self.sql("UPDATE t SET b = a; DROP INDEX t_b;")
        r = self.dbtool("upgrade")
        self.assertIn("Resuming upgrade of b2 at statement 2 of 3 (1 done by an earlier run)",
                      r.stdout)
        self.assertEqual(self.versions(), ["b2"])
        self.assertEqual(self.sql("SELECT count(*) FROM pg_index i JOIN pg_class c ON "
                                  "c.oid = i.indexrelid WHERE c.relname IN ('t_a', 't_b', "
                                  "'t_ab') AND i.indisvalid"), "3")
        self.dbtool("downgrade", "-1")
        self.assertFalse(self.exists("t_a"))
        self.dbtool("upgrade")                 # earlier progress does not skip anything now
        self.assertTrue(self.exists("t_a") and self.exists("t_ab"))

    def test_bad_inputs_exit_codes(self):
        def case(setup, args, status, needle, url=None):
            folder = tempfile.mkdtemp(dir=self.tmp)
            setup(folder)
            r = self.dbtool(*args, expect=status, folder=folder, url=url)
            lines = r.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertTrue(lines[0].startswith("dbtool: error: "), r.stderr)
            self.assertIn(needle, lines[0])
            return lines[0]

        def chain(folder):
            write_rev(folder, "ab1", "", "one", "CREATE TABLE one (id int);")
            write_rev(folder, "ab2", "ab1", "two", "CREATE TABLE two (id int);")

        def no_up(folder):
            chain(folder)
            Path(folder, "zz_broken.sql").write_text("-- Revision ID: zz\n-- Revises: ab2\n"
                                                     "CREATE TABLE x (id int);\n")

        def duplicate(folder):
            chain(folder)
            write_rev(folder, "ab2", "ab1", "again", name="x_again.sql")

        def orphan(folder):
            chain(folder)
            write_rev(folder, "c3", "nothere", "orphan")

        def cycle(folder):
            write_rev(folder, "p1", "p2", "one")
            write_rev(folder, "p2", "p1", "two")

        missing = os.path.join(self.tmp, "no_such_folder")
        case(lambda f: None, ["--dir", missing, "upgrade"], 1, "cannot read revision folder")
        line = case(no_up, ["upgrade"], 1, "zz_broken.sql: no \"-- migrate:up\" line")
        case(duplicate, ["upgrade"], 1, "duplicate Revision ID ab2")
        case(orphan, ["upgrade"], 1, ":2: Revises: nothere is not a revision in")
        case(cycle, ["upgrade"], 1, "cycle in the revision graph")
        case(chain, ["upgrade", "ab"], 1, "'ab' matches 2 revisions: ab1, ab2")
        case(chain, ["downgrade", "ab"], 1, "'ab' matches 2 revisions")
        self.assertFalse(self.exists("dbtool_version"))
        self.assertFalse(self.exists("one"))
        del line

        port = harness.free_port()
        dead = "postgresql://app:s3cretpw@127.0.0.1:%d/x" % port
        line = case(chain, ["upgrade"], 1, "cannot connect to postgresql://app:****@127.0.0.1",
                    url=dead)
        self.assertNotIn("s3cretpw", line)
        wrong = self.url.replace("app:app@", "app:wr0ngpw@")
        line = case(chain, ["upgrade"], 1, "password authentication failed", url=wrong)
        self.assertNotIn("wr0ngpw", line)
        self.assertFalse(self.exists("dbtool_version"))

        # usage errors exit 2, bad settings 78, both before the database is touched
        case(chain, ["upgrade", "+x"], 2, "bad target")
        case(chain, ["frobnicate"], 2, "unknown command")
        case(chain, ["upgrade", "--bogus"], 2, "unknown option")
        case(chain, ["downgrade"], 2, "downgrade needs TARGET")
        case(chain, ["current", "--sql"], 2, "does not apply to current")
        r = self.dbtool("upgrade", "--lock-timeout", "soon", expect=78)
        self.assertIn("LOCK_TIMEOUT_MS", r.stderr)
        r = self.dbtool("upgrade", "--env-file", os.path.join(self.tmp, "nope.env"), expect=78)
        self.assertFalse(self.exists("dbtool_version"))


class Concurrency(DbtoolCase):

    def popen_dbtool(self, *args):
        env = harness.base_env()
        env["DATABASE_URL"] = self.url
        return subprocess.Popen([str(harness.BUILD_DIR / "dbtool"), "--dir", self.dir] +
                                list(args), env=env, cwd=str(harness.ROOT),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def test_concurrent_upgrades_apply_once(self):
        self.chain(["a1"])
        write_rev(self.dir, "b2", "a1", "slow", "SELECT pg_sleep(1.5);\nCREATE TABLE slow (id int);",
                  "DROP TABLE slow;")
        procs = [self.popen_dbtool("upgrade", "head") for _ in range(2)]
        outs = [p.communicate(timeout=60) for p in procs]
        for p, (out, err) in zip(procs, outs):
            self.assertEqual(p.returncode, 0, out + err)
            self.assertEqual(harness.sanitizer_report(out + err), None)
        ran = [out for out, _ in outs if "Running upgrade" in out]
        waited = [out for out, _ in outs if "Nothing to do" in out]
        self.assertEqual(len(ran), 1, outs)
        self.assertEqual(len(waited), 1, outs)
        self.assertIn("waiting for another dbtool (pid ", waited[0])
        counts = self.sql("SELECT revision || ':' || count(*) FROM dbtool_history "
                          "WHERE direction = 'up' AND success GROUP BY revision ORDER BY 1")
        self.assertEqual(counts.split(), ["a1:1", "b2:1"])

    def test_lock_wait_gives_up_cleanly(self):
        self.chain(["a1"])
        holder = subprocess.Popen([str(self.pg.bindir / "psql"), "-X", "-q", "-d", self.url],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            holder.stdin.write("SELECT pg_advisory_lock(7233471973470006631);\n")
            holder.stdin.flush()
            self.wait_for("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                          "AND granted")
            start = time.monotonic()
            r = self.dbtool("upgrade", "--lock-wait", "1", expect=1)
            self.assertLess(time.monotonic() - start, 10)
            self.assertIn("waiting for another dbtool", r.stdout)
            self.assertIn("still holds the migration lock after 1 s", r.stderr)
            self.assertEqual(self.versions(), [])
        finally:
            holder.stdin.close()
            holder.wait(timeout=30)

    def wait_for(self, count_query):
        deadline = time.monotonic() + 20
        while self.sql(count_query) == "0":
            self.assertLess(time.monotonic(), deadline, "timed out: " + count_query)
            time.sleep(0.05)

    def test_lock_timeout_fails_cleanly_while_other_transaction_keeps_running(self):
        self.chain(["a1"])
        self.dbtool("upgrade")
        self.sql("INSERT INTO t_a1 VALUES (1)")
        alter = write_rev(self.dir, "b2", "a1", "add column", "ALTER TABLE t_a1 ADD COLUMN x int;",
                          "ALTER TABLE t_a1 DROP COLUMN x;")
        holder = subprocess.Popen([str(self.pg.bindir / "psql"), "-X", "-q", "-A", "-t",
                                   "-v", "ON_ERROR_STOP=1", "-d", self.url],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        try:
            holder.stdin.write("BEGIN;\nSELECT count(*) FROM t_a1;\n")
            holder.stdin.flush()
            self.wait_for("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                          "WHERE c.relname = 't_a1' AND l.granted")
            # other sessions keep reading the table while dbtool tries and backs off
            reads = []

            def reader():
                for _ in range(5):
                    reads.append(self.sql("SET statement_timeout = '3s'; "
                                          "SELECT count(*) FROM t_a1"))
                    time.sleep(0.2)
            t = threading.Thread(target=reader)
            start = time.monotonic()
            t.start()
            r = self.dbtool("upgrade", "--lock-timeout", "200", expect=1)
            took = time.monotonic() - start
            t.join()
            self.assertLess(took, 15)
            self.assertEqual(reads, ["1"] * 5)
            self.assertIn("%s:%d: canceling statement due to lock timeout (SQLSTATE 55P03)"
                          % (alter, line_of(alter, "ALTER TABLE")), r.stderr)
            self.assertIn("waited for: AccessExclusiveLock on t_a1 (held by pid", r.stderr)
            self.assertIn("gave up after 4 attempts", r.stderr)
            self.assertEqual(r.stdout.count("retrying in"), 3)
            self.assertEqual(self.versions(), ["a1"])
            # the holding transaction is still alive and working
            holder.stdin.write("SELECT count(*) + 1 FROM t_a1;\nCOMMIT;\n")
            out, err = holder.communicate(timeout=30)
            self.assertEqual(holder.returncode, 0, err)
            self.assertEqual(out.split(), ["1", "2"])
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()
        self.dbtool("upgrade")
        self.assertEqual(self.versions(), ["b2"])


if __name__ == "__main__":
    unittest.main()
