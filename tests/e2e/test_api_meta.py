"""test_api_meta.py — GET /info, /healthz and /readyz (SPEC §5): what they answer, and when
/readyz says the service is not ready (database unreachable, not migrated, behind the head of
MIGRATIONS_DIR, head unknown)."""

import os
import re
import shutil
import tempfile
import time
import unittest

import harness

VERSIONS = harness.ROOT / "sql" / "versions"
UNAVAILABLE = {"detail": "Service Unavailable"}


def head_revision(folder=VERSIONS):
    """The one revision of `folder` that no other revision revises."""
    ids, parents = set(), set()
    for path in folder.glob("*.sql"):
        text = path.read_text()
        ids.add(re.search(r"^-- Revision ID:\s*(\S+)", text, re.M).group(1))
        m = re.search(r"^-- Revises:[ \t]*(.*)$", text, re.M)
        parents.update(p.strip() for p in m.group(1).split(",") if p.strip())
    heads = ids - parents
    assert len(heads) == 1, heads
    return heads.pop()


def wait_for(fn, timeout=10.0):
    """Polls fn() until it returns a truthy value; returns the last value."""
    deadline = time.monotonic() + timeout
    value = fn()
    while not value and time.monotonic() < deadline:
        time.sleep(0.1)
        value = fn()
    return value


def stack_reading(folder, name, target, dbtool_env=None):
    """A started stack whose workers read revisions from `folder` (MIGRATIONS_DIR), its
    database first upgraded to `target` by dbtool (with dbtool_env on top of the stack's
    settings). When that fails, the stack and the folder are removed."""
    st = harness.Stack(name=name, migrate=False, start_api=False, env={"MIGRATIONS_DIR": folder})
    try:
        st.start()
        r = st.dbtool("upgrade", target, env=dbtool_env)
        assert r.returncode == 0, r.stdout + r.stderr
        st.start_api()
    except BaseException:
        st.close(check=False)
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return st


class InfoHealthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = harness.Stack(name="api_meta", env={
            "APP_NAME": "Test API ü", "ADMIN_EMAIL": "ops@example.org", "ITEMS_PER_USER": 7,
        }).start()

    @classmethod
    def tearDownClass(cls):
        cls.st.close()

    def test_info_returns_settings(self):
        r = self.st.request("GET", "/info")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"app_name": "Test API ü", "admin_email": "ops@example.org",
                                    "items_per_user": 7})
        self.assertTrue(r.headers["content-type"].startswith("application/json"))
        self.assertTrue(r.headers["x-request-id"])

    def test_info_limit_is_the_enforced_limit(self):
        uid = int(self.st.pg.psql(self.st.database_url, "INSERT INTO users (email, "
                                  "hashed_password) VALUES ('info@example.com', 'x') "
                                  "RETURNING id").strip())
        limit = self.st.request("GET", "/info").json()["items_per_user"]
        for k in range(limit):
            self.assertEqual(self.st.request("POST", "/users/%d/items/" % uid,
                                             json={"title": "t%d" % k}).status, 201)
        r = self.st.request("POST", "/users/%d/items/" % uid, json={"title": "over"})
        self.assertEqual(r.json(), {"detail": "Item limit reached (7 per user)"})

    def test_healthz_ok(self):
        r = self.st.request("GET", "/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"status": "ok"})

    def test_readyz_ready_at_head(self):
        r = self.st.request("GET", "/readyz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"status": "ready", "database": "ok",
                                    "schema": head_revision()})

    def test_meta_endpoints_with_trailing_slash(self):
        for path in ("/info/", "/healthz/", "/readyz/"):
            self.assertEqual(self.st.request("GET", path).status, 200, path)


class NoDatabaseTest(unittest.TestCase):
    """The database cannot be reached at all (nothing listens on its port)."""

    @classmethod
    def setUpClass(cls):
        url = "postgresql://app:app@127.0.0.1:%d/nowhere?connect_timeout=2" % harness.free_port()
        cls.st = harness.Stack(name="api_meta_nodb", env={"DATABASE_URL": url},
                               migrate=False).start()

    @classmethod
    def tearDownClass(cls):
        cls.st.close()

    def test_healthz_ok_without_database(self):
        r = self.st.request("GET", "/healthz")
        self.assertEqual((r.status, r.json()), (200, {"status": "ok"}))

    def test_info_ok_without_database(self):
        self.assertEqual(self.st.request("GET", "/info").status, 200)

    def test_readyz_503_when_database_unreachable(self):
        r = self.st.request("GET", "/readyz")
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.json(), UNAVAILABLE)
        self.assertIn("retry-after", r.headers)

    def test_database_routes_503_when_database_unreachable(self):
        pids = self.st.worker_pids()
        for method, path, body in (("GET", "/users/", None), ("GET", "/items/1", None),
                                   ("POST", "/users/", {"email": "a@b.co", "password": "x" * 8})):
            with self.subTest(path=path):
                r = self.st.request(method, path, json=body)
                self.assertEqual(r.status, 503, r)
                self.assertEqual(r.json(), UNAVAILABLE)
        self.assertEqual(self.st.worker_pids(), pids)


class NotMigratedTest(unittest.TestCase):
    """The database answers but `dbtool upgrade` never ran: no version table."""

    @classmethod
    def setUpClass(cls):
        cls.st = harness.Stack(name="api_meta_unmigrated", migrate=False).start()

    @classmethod
    def tearDownClass(cls):
        cls.st.close()

    def test_readyz_503_when_not_migrated_then_200_after_upgrade(self):
        r = self.st.request("GET", "/readyz")
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.json(), UNAVAILABLE)
        self.assertIn("does not exist", self.st.log_text())  # why, in the log only
        self.assertNotIn(b"exist", r.body)

        up = self.st.dbtool("upgrade", "head")
        self.assertEqual(up.returncode, 0, up.stderr)
        r = wait_for(lambda: (lambda x: x if x.status == 200 else None)(
            self.st.request("GET", "/readyz")))
        self.assertIsNotNone(r, "readyz never became ready after upgrade")
        self.assertEqual(r.json()["schema"], head_revision())


class SchemaBehindTest(unittest.TestCase):
    """MIGRATIONS_DIR holds a revision the database does not have yet (a deploy whose
    migration has not run): not ready until `dbtool upgrade head`."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="api-meta-versions-")
        for path in VERSIONS.glob("*.sql"):
            shutil.copy(path, cls.dir)
        cls.base_head = head_revision()
        cls.new_rev = "0badc0ffee01"
        with open(os.path.join(cls.dir, cls.new_rev + "_readyz_probe.sql"), "w") as f:
            f.write("-- Revision ID: %s\n-- Revises: %s\n-- Create Date: 2026-11-27 12:00:00\n"
                    "-- Message: readyz probe\n\n-- migrate:up\n"
                    "CREATE TABLE readyz_probe (id integer);\n\n"
                    "-- migrate:down\nDROP TABLE readyz_probe;\n" % (cls.new_rev, cls.base_head))
        # Migrate to the current head with the repository's folder, then start the workers
        # with the folder that has one more revision.
        cls.st = stack_reading(cls.dir, "api_meta_behind", cls.base_head)

    @classmethod
    def tearDownClass(cls):
        cls.st.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_readyz_503_when_schema_behind_head_then_200_after_upgrade(self):
        r = self.st.request("GET", "/readyz")
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.json(), UNAVAILABLE)
        self.assertIn("head is %s" % self.new_rev, self.st.log_text())

        up = self.st.dbtool("upgrade", "head")
        self.assertEqual(up.returncode, 0, up.stdout + up.stderr)
        r = self.st.request("GET", "/readyz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"status": "ready", "database": "ok",
                                    "schema": self.new_rev})

        down = self.st.dbtool("downgrade", "base")
        self.assertEqual(down.returncode, 0, down.stdout + down.stderr)
        self.assertEqual(self.st.request("GET", "/readyz").status, 503)
        self.assertEqual(self.st.request("GET", "/healthz").status, 200)

        up = self.st.dbtool("upgrade", "head")
        self.assertEqual(up.returncode, 0, up.stdout + up.stderr)
        self.assertEqual(self.st.request("GET", "/readyz").status, 200)
        # the application's statements work again on the re-created tables
        r = self.st.request("POST", "/users/", json={"email": "back@example.com",
                                                     "password": "x" * 8})
        self.assertEqual(r.status, 201, r)


class HeadUnknownTest(unittest.TestCase):
    """MIGRATIONS_DIR has no revisions: the worker cannot know the head, so it is never
    ready (and says why in its log), but it serves everything else."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="api-meta-empty-")
        cls.st = stack_reading(cls.dir, "api_meta_nohead", "head",
                               dbtool_env={"MIGRATIONS_DIR": str(VERSIONS)})

    @classmethod
    def tearDownClass(cls):
        cls.st.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_readyz_503_when_head_unknown(self):
        r = self.st.request("GET", "/readyz")
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.json(), UNAVAILABLE)
        self.assertIn("migrations_head_failed", self.st.log_text())
        self.assertEqual(self.st.request("GET", "/users/").status, 200)


if __name__ == "__main__":
    unittest.main()
