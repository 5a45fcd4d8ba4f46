"""test_api_users.py — the /users endpoints of SPEC §5 and the user field rules, through nginx.

Each test creates its own users (unique emails), so one stack serves the whole class.
"""

import itertools
import threading
import unittest

import harness

USER_KEYS = {"id", "email", "is_active", "items"}
ITEM_KEYS = {"id", "title", "description", "owner_id"}
PASSWORD = "correct horse"
_seq = itertools.count(1)


def unique_email(domain="example.com"):
    return "user%d@%s" % (next(_seq), domain)


def seed_users(stack, n, items_each=0):
    """Inserts n users (and items_each items per user) directly in SQL: fast, no hashing.
    Returns their ids in order."""
    first = next(_seq)
    for _ in range(n):
        next(_seq)
    out = stack.pg.psql(stack.database_url, """
        WITH u AS (
            INSERT INTO users (email, hashed_password)
            SELECT 'seed' || g || '@example.com', 'x' FROM generate_series(%d, %d) g
            RETURNING id)
        , i AS (
            INSERT INTO items (title, description, owner_id)
            SELECT 'item ' || k, NULL, u.id FROM u, generate_series(1, %d) k
            RETURNING id)
        SELECT id FROM u ORDER BY id;
        """ % (first, first + n - 1, items_each))
    return [int(x) for x in out.split()]


class UsersTest(harness.ApiChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = harness.Stack(name="api_users", env={"ITEMS_PER_USER": 50}).start()

    @classmethod
    def tearDownClass(cls):
        cls.st.close()

    # -- helpers ----------------------------------------------------------------------------
    # (self.sql, self.assert_detail and self.assert_422 come from harness.ApiChecks)

    def post_user(self, email=None, password=PASSWORD):
        return self.st.request("POST", "/users/", json={
            "email": unique_email() if email is None else email, "password": password})

    def create_user(self, email=None):
        r = self.post_user(email)
        self.assertEqual(r.status, 201, r)
        return r.json()

    def create_item(self, user_id, title="an item", description=None):
        r = self.st.request("POST", "/users/%d/items/" % user_id,
                            json={"title": title, "description": description})
        self.assertEqual(r.status, 201, r)
        return r.json()

    # -- POST /users/ -----------------------------------------------------------------------

    def test_create_user_returns_201_with_location(self):
        email = unique_email()
        r = self.post_user(email)
        self.assertEqual(r.status, 201, r)
        body = r.json()
        self.assertEqual(set(body), USER_KEYS)
        self.assertEqual(body["email"], email)
        self.assertIs(body["is_active"], True)
        self.assertEqual(body["items"], [])
        self.assertIsInstance(body["id"], int)
        self.assertEqual(r.headers["location"], "/users/%d" % body["id"])
        self.assertTrue(r.headers["content-type"].startswith("application/json"))

    def test_created_user_can_be_fetched_at_location(self):
        r = self.post_user()
        got = self.st.request("GET", r.headers["location"])
        self.assertEqual(got.status, 200, got)
        self.assertEqual(got.json(), r.json())

    def test_create_user_response_has_no_password_or_hash(self):
        r = self.post_user(password="Sup3r-secret-pw")
        self.assertEqual(r.status, 201, r)
        for needle in (b"Sup3r-secret-pw", b"password", b"hash", b"$y$"):
            self.assertNotIn(needle, r.body)

    def test_password_stored_only_as_salted_yescrypt_hash(self):
        a = self.create_user()
        b = self.create_user()
        hashes = self.sql("SELECT hashed_password FROM users WHERE id IN (%d, %d) ORDER BY id"
                          % (a["id"], b["id"])).split("\n")
        self.assertEqual(len(hashes), 2)
        for h in hashes:
            self.assertTrue(h.startswith("$y$"), h)
            self.assertNotIn(PASSWORD, h)
        self.assertNotEqual(hashes[0], hashes[1], "same password, same hash: no salt")

    def test_email_domain_lowercased_local_part_kept(self):
        n = next(_seq)
        body = self.create_user("Mixed.Case%d@Example.COM" % n)
        self.assertEqual(body["email"], "Mixed.Case%d@example.com" % n)
        self.assertEqual(self.sql("SELECT email FROM users WHERE id = %d" % body["id"]),
                         "Mixed.Case%d@example.com" % n)

    def test_duplicate_email_is_409(self):
        email = unique_email()
        self.create_user(email)
        self.assert_detail(self.post_user(email), 409, "Email already registered")

    def test_duplicate_email_case_insensitive_is_409(self):
        n = next(_seq)
        self.create_user("someone%d@example.com" % n)
        self.assert_detail(self.post_user("SomeOne%d@EXAMPLE.com" % n), 409,
                           "Email already registered")

    def test_duplicate_email_under_concurrency_creates_one_user(self):
        email = unique_email()
        results = []
        barrier = threading.Barrier(8)

        def create():
            barrier.wait()
            results.append(self.post_user(email).status)

        threads = [threading.Thread(target=create) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(results), [201] + [409] * 7)
        self.assertEqual(self.sql("SELECT count(*) FROM users WHERE lower(email) = lower('%s')"
                                  % email), "1")

    def test_invalid_email_is_422(self):
        for bad in ("plainaddress", "no-dot@localhost", "@example.com", "user@", "a b@c.d", ""):
            with self.subTest(email=bad):
                r = self.post_user(bad)
                self.assertEqual(r.status, 422, r)
                locs = [e["loc"] for e in r.json()["detail"]]
                self.assertEqual(locs, [["body", "email"]])

    def test_email_length_limit_254(self):
        # local "u<n>" + "@" + labels of at most 63 characters, padded to the exact length.
        def email_of_length(length):
            local = "u%d" % next(_seq)
            domain_len = length - len(local) - 1
            labels, left = [], domain_len - 4  # ".com"
            while left > 0:
                take = min(63, left)
                if left - take == 1:  # never leave a lone "." with an empty label
                    take -= 1
                labels.append("d" * take)
                left -= take + 1
            domain = ".".join(labels) + ".com"
            email = local + "@" + domain
            self.assertEqual(len(email), length)
            return email

        self.assertEqual(self.post_user(email_of_length(254)).status, 201)
        r = self.post_user(email_of_length(255))
        self.assertEqual(r.status, 422, r)
        self.assertEqual([e["loc"] for e in r.json()["detail"]], [["body", "email"]])

    def test_password_length_limits_in_characters(self):
        cases = [
            ("x" * 7, 422), ("x" * 8, 201), ("x" * 128, 201), ("x" * 129, 422),
            # counted in code points, not bytes: 8 x 2 bytes and 128 x 4 bytes are fine
            ("é" * 7, 422), ("é" * 8, 201), ("😀" * 128, 201), ("😀" * 129, 422),
        ]
        for password, status in cases:
            with self.subTest(length=len(password), first=password[0]):
                r = self.post_user(password=password)
                self.assertEqual(r.status, status, r)
                if status == 422:
                    (err,) = r.json()["detail"]
                    self.assertEqual(err["loc"], ["body", "password"])
                    self.assertIn(err["type"], ("string_too_short", "string_too_long"))

    def test_password_never_echoed_in_422(self):
        secret = "s3cr3t-Pw"
        bodies = [
            {"email": "not an email", "password": secret},          # other field invalid
            {"password": secret},                                   # email missing
            {"email": unique_email(), "password": secret[:5]},       # too short
            {"email": unique_email(), "password": secret * 20},      # too long
            {"email": unique_email(), "password": secret, "x": 1},   # extra field
            {"email": 5, "password": secret},                        # wrong type elsewhere
        ]
        for body in bodies:
            with self.subTest(body=sorted(body)):
                r = self.st.request("POST", "/users/", json=body)
                self.assertEqual(r.status, 422, r)
                self.assertNotIn(secret[:5].encode(), r.body)
                for err in r.json()["detail"]:
                    if err["loc"] == ["body", "password"] or err["type"] == "missing":
                        self.assertNotIn("input", err)
        self.assertNotIn(secret[:5], self.st.log_text())

    def test_password_wrong_type_is_422_without_input(self):
        r = self.st.request("POST", "/users/", json={"email": unique_email(), "password": 12345678})
        self.assert_422(r, ("string_type", ["body", "password"]))
        self.assertNotIn("input", r.json()["detail"][0])

    def test_create_user_missing_fields_reports_all(self):
        r = self.st.request("POST", "/users/", json={})
        self.assert_422(r, ("missing", ["body", "email"]), ("missing", ["body", "password"]))
        for err in r.json()["detail"]:
            self.assertEqual(err["msg"], "Field required")

    def test_create_user_unknown_field_is_422(self):
        r = self.st.request("POST", "/users/", json={"email": unique_email(),
                                                      "password": PASSWORD, "is_admin": True})
        self.assert_422(r, ("extra_forbidden", ["body", "is_admin"]))

    def test_create_user_read_only_fields_rejected(self):
        r = self.st.request("POST", "/users/", json={"email": unique_email(),
                                                      "password": PASSWORD, "id": 1})
        self.assert_422(r, ("extra_forbidden", ["body", "id"]))

    def test_create_user_wrong_types_are_422(self):
        r = self.st.request("POST", "/users/", json={"email": ["a@b.c"], "password": PASSWORD})
        self.assert_422(r, ("string_type", ["body", "email"]))

    def test_create_user_without_json_content_type_is_415(self):
        r = self.st.request("POST", "/users/", body=b'{"email":"a@b.co","password":"12345678"}',
                            headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 415, r)
        self.assertIn("detail", r.json())

    # -- GET /users/{id} --------------------------------------------------------------------

    def test_get_user_returns_user_with_items(self):
        user = self.create_user()
        a = self.create_item(user["id"], "first", "one")
        b = self.create_item(user["id"], "second")
        r = self.st.request("GET", "/users/%d" % user["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"id": user["id"], "email": user["email"], "is_active": True,
                                    "items": [a, b]})
        for item in r.json()["items"]:
            self.assertEqual(set(item), ITEM_KEYS)

    def test_get_unknown_user_is_404(self):
        self.assert_detail(self.st.request("GET", "/users/987654321"), 404, "User not found")

    def test_user_id_must_be_positive_int64(self):
        for bad, kind in (("0", "greater_than_equal"), ("-1", "greater_than_equal"),
                          ("abc", "int_parsing"), ("1.5", "int_parsing"),
                          ("99999999999999999999", None), ("9223372036854775808", None)):
            for method in ("GET", "PATCH", "DELETE"):
                with self.subTest(id=bad, method=method):
                    body = {} if method == "PATCH" else None
                    r = self.st.request(method, "/users/%s" % bad, json=body)
                    self.assertEqual(r.status, 422, r)
                    (err,) = r.json()["detail"]
                    self.assertEqual(err["loc"], ["path", "user_id"])
                    if kind:
                        self.assertEqual(err["type"], kind)

    def test_largest_int64_id_is_valid_and_not_found(self):
        self.assert_detail(self.st.request("GET", "/users/9223372036854775807"), 404,
                           "User not found")

    def test_path_with_and_without_trailing_slash(self):
        user = self.create_user()
        for path in ("/users/%d" % user["id"], "/users/%d/" % user["id"]):
            r = self.st.request("GET", path)
            self.assertEqual(r.status, 200, (path, r))
        for path in ("/users", "/users/"):
            r = self.st.request("GET", path + "?limit=1")
            self.assertEqual(r.status, 200, (path, r))
            self.assertNotIn("location", r.headers)

    # -- GET /users/ ------------------------------------------------------------------------

    def all_user_ids(self):
        ids, skip = [], 0
        while True:
            page = self.st.request("GET", "/users/?skip=%d&limit=100" % skip).json()
            ids += [u["id"] for u in page]
            if len(page) < 100:
                return ids
            skip += 100

    def test_list_users_includes_items_ordered_by_id(self):
        ids = seed_users(self.st, 3, items_each=2)
        extra = self.create_item(ids[0], "late item")
        before = int(self.sql("SELECT count(*) FROM users WHERE id < %d" % ids[0]))
        r = self.st.request("GET", "/users/?skip=%d&limit=100" % before)
        self.assertEqual(r.status, 200, r)
        users = r.json()
        got_ids = [u["id"] for u in users]
        self.assertEqual(got_ids, sorted(got_ids))
        by_id = {u["id"]: u for u in users}
        for uid in ids:
            u = by_id[uid]
            self.assertEqual(set(u), USER_KEYS)
            item_ids = [i["id"] for i in u["items"]]
            self.assertEqual(item_ids, sorted(item_ids))
            self.assertTrue(all(i["owner_id"] == uid for i in u["items"]))
            self.assertEqual(len(u["items"]), 3 if uid == ids[0] else 2)
        self.assertEqual(by_id[ids[0]]["items"][-1], extra)

    def test_list_users_skip_and_limit(self):
        seed_users(self.st, 5)
        all_ids = self.all_user_ids()
        self.assertEqual(all_ids, sorted(all_ids))
        r = self.st.request("GET", "/users/?skip=2&limit=3")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([u["id"] for u in r.json()], all_ids[2:5])
        r = self.st.request("GET", "/users/?skip=%d" % len(all_ids))
        self.assertEqual(r.json(), [])

    def test_list_users_default_limit_is_100(self):
        seed_users(self.st, 101)
        r = self.st.request("GET", "/users/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json()), 100)
        first = self.st.request("GET", "/users/?limit=1").json()
        self.assertEqual(r.json()[0]["id"], first[0]["id"])

    def test_skip_limit_bounds_422(self):
        cases = [
            ("skip=-1", [("greater_than_equal", "skip")]),
            ("limit=0", [("greater_than_equal", "limit")]),
            ("limit=101", [("less_than_equal", "limit")]),
            ("limit=abc", [("int_parsing", "limit")]),
            ("skip=1.0", [("int_parsing", "skip")]),
            ("skip=-1&limit=0", [("greater_than_equal", "skip"),
                                 ("greater_than_equal", "limit")]),
            ("limit=99999999999999999999", None),
        ]
        for query, expected in cases:
            with self.subTest(query=query):
                r = self.st.request("GET", "/users/?" + query)
                self.assertEqual(r.status, 422, r)
                if expected is None:
                    self.assertEqual([e["loc"] for e in r.json()["detail"]], [["query", "limit"]])
                else:
                    self.assert_422(r, *[(t, ["query", n]) for t, n in expected])

    def test_skip_limit_edges_accepted(self):
        for query in ("limit=1", "limit=100", "skip=0", "skip=9223372036854775807"):
            with self.subTest(query=query):
                r = self.st.request("GET", "/users/?" + query)
                self.assertEqual(r.status, 200, r)
        self.assertEqual(self.st.request("GET", "/users/?skip=9223372036854775807").json(), [])

    # -- PATCH /users/{id} ------------------------------------------------------------------

    def test_patch_user_is_active(self):
        user = self.create_user()
        r = self.st.request("PATCH", "/users/%d" % user["id"], json={"is_active": False})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), dict(user, is_active=False))
        self.assertIs(self.st.request("GET", "/users/%d" % user["id"]).json()["is_active"], False)
        r = self.st.request("PATCH", "/users/%d" % user["id"], json={"is_active": True})
        self.assertIs(r.json()["is_active"], True)

    def test_patch_user_returns_items(self):
        user = self.create_user()
        item = self.create_item(user["id"])
        r = self.st.request("PATCH", "/users/%d" % user["id"], json={"is_active": False})
        self.assertEqual(r.json()["items"], [item])

    def test_patch_user_empty_body_returns_unchanged(self):
        user = self.create_user()
        r = self.st.request("PATCH", "/users/%d" % user["id"], json={})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), user)

    def test_patch_user_is_active_must_be_boolean(self):
        user = self.create_user()
        for value in (None, "false", 0, 1, "yes"):
            with self.subTest(value=value):
                r = self.st.request("PATCH", "/users/%d" % user["id"], json={"is_active": value})
                self.assertEqual(r.status, 422, r)
                (err,) = r.json()["detail"]
                self.assertEqual(err["loc"], ["body", "is_active"])
                self.assertEqual(err["type"], "bool_type")
        self.assertIs(self.st.request("GET", "/users/%d" % user["id"]).json()["is_active"], True)

    def test_patch_user_other_fields_rejected(self):
        user = self.create_user()
        for field, value in (("email", unique_email()), ("password", "another-pw"), ("id", 7)):
            with self.subTest(field=field):
                r = self.st.request("PATCH", "/users/%d" % user["id"], json={field: value})
                self.assert_422(r, ("extra_forbidden", ["body", field]))
        self.assertEqual(self.st.request("GET", "/users/%d" % user["id"]).json(), user)

    def test_patch_unknown_user_is_404(self):
        self.assert_detail(self.st.request("PATCH", "/users/987654321",
                                           json={"is_active": False}), 404, "User not found")
        self.assert_detail(self.st.request("PATCH", "/users/987654321", json={}), 404,
                           "User not found")

    # -- DELETE /users/{id} -----------------------------------------------------------------

    def test_delete_user_204_then_404(self):
        user = self.create_user()
        r = self.st.request("DELETE", "/users/%d" % user["id"])
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.body, b"")
        self.assert_detail(self.st.request("GET", "/users/%d" % user["id"]), 404,
                           "User not found")
        self.assert_detail(self.st.request("DELETE", "/users/%d" % user["id"]), 404,
                           "User not found")

    def test_delete_user_removes_items(self):
        user = self.create_user()
        items = [self.create_item(user["id"], "t%d" % i) for i in range(3)]
        other = self.create_user()
        kept = self.create_item(other["id"])
        self.assertEqual(self.st.request("DELETE", "/users/%d" % user["id"]).status, 204)
        for item in items:
            self.assert_detail(self.st.request("GET", "/items/%d" % item["id"]), 404,
                               "Item not found")
        self.assertEqual(self.sql("SELECT count(*) FROM items WHERE owner_id = %d" % user["id"]),
                         "0")
        self.assertEqual(self.st.request("GET", "/items/%d" % kept["id"]).json(), kept)

    def test_deleted_email_can_register_again(self):
        email = unique_email()
        user = self.create_user(email)
        self.assertEqual(self.st.request("DELETE", "/users/%d" % user["id"]).status, 204)
        again = self.create_user(email)
        self.assertNotEqual(again["id"], user["id"])


if __name__ == "__main__":
    unittest.main()
