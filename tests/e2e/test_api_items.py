"""test_api_items.py — the item endpoints of SPEC §5, the item field rules and the per-user
item limit (ITEMS_PER_USER), through nginx."""

import itertools
import threading
import unittest

import harness

ITEM_KEYS = {"id", "title", "description", "owner_id"}
LIMIT = 50
_seq = itertools.count(1)


class ItemsTest(harness.ApiChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = harness.Stack(name="api_items", env={"ITEMS_PER_USER": LIMIT}).start()

    @classmethod
    def tearDownClass(cls):
        cls.st.close()

    # -- helpers ----------------------------------------------------------------------------
    # (self.sql, self.assert_detail and self.assert_422 come from harness.ApiChecks)

    def new_user_id(self):
        """A user made directly in SQL (no password hashing: these tests are about items)."""
        return int(self.sql("INSERT INTO users (email, hashed_password) VALUES "
                            "('items%d@example.com', 'x') RETURNING id" % next(_seq)))

    def post_item(self, user_id, **fields):
        return self.st.request("POST", "/users/%d/items/" % user_id, json=fields)

    def create_item(self, user_id=None, title="an item", description="about it"):
        r = self.post_item(user_id or self.new_user_id(), title=title, description=description)
        self.assertEqual(r.status, 201, r)
        return r.json()

    # -- POST /users/{id}/items/ ------------------------------------------------------------

    def test_create_item_returns_201_with_location(self):
        uid = self.new_user_id()
        r = self.post_item(uid, title="Buy milk", description="2 litres")
        self.assertEqual(r.status, 201, r)
        body = r.json()
        self.assertEqual(set(body), ITEM_KEYS)
        self.assertEqual((body["title"], body["description"], body["owner_id"]),
                         ("Buy milk", "2 litres", uid))
        self.assertEqual(r.headers["location"], "/items/%d" % body["id"])
        self.assertEqual(self.st.request("GET", r.headers["location"]).json(), body)

    def test_create_item_description_optional_or_null(self):
        uid = self.new_user_id()
        for fields in ({"title": "no description"}, {"title": "null", "description": None}):
            with self.subTest(fields=fields):
                r = self.post_item(uid, **fields)
                self.assertEqual(r.status, 201, r)
                self.assertIsNone(r.json()["description"])
                self.assertIn("description", r.json())

    def test_create_item_for_unknown_user_is_404(self):
        self.assert_detail(self.post_item(987654321, title="x"), 404, "User not found")

    def test_create_item_user_id_invalid_is_422(self):
        for bad in ("0", "-1", "x", "99999999999999999999"):
            with self.subTest(id=bad):
                r = self.st.request("POST", "/users/%s/items/" % bad, json={"title": "x"})
                self.assertEqual(r.status, 422, r)
                self.assertEqual([e["loc"] for e in r.json()["detail"]], [["path", "user_id"]])

    def test_create_item_path_and_body_errors_reported_together(self):
        r = self.st.request("POST", "/users/0/items/", json={"title": ""})
        self.assertEqual(r.status, 422, r)
        locs = sorted(tuple(e["loc"]) for e in r.json()["detail"])
        self.assertIn(("path", "user_id"), locs)

    def test_create_item_title_required(self):
        r = self.post_item(self.new_user_id(), description="no title")
        self.assert_422(r, ("missing", ["body", "title"]))

    def test_create_item_owner_id_not_accepted_in_body(self):
        r = self.post_item(self.new_user_id(), title="x", owner_id=1)
        self.assert_422(r, ("extra_forbidden", ["body", "owner_id"]))

    def test_title_length_limits_in_characters(self):
        uid = self.new_user_id()
        cases = [("", 422), ("a", 201), ("a" * 200, 201), ("a" * 201, 422),
                 ("é" * 200, 201), ("é" * 201, 422), ("😀" * 200, 201), ("😀" * 201, 422)]
        for title, status in cases:
            with self.subTest(length=len(title), char=title[:1]):
                r = self.post_item(uid, title=title)
                self.assertEqual(r.status, status, r)
                if status == 201:
                    self.assertEqual(r.json()["title"], title)
                else:
                    (err,) = r.json()["detail"]
                    self.assertEqual(err["loc"], ["body", "title"])
                    self.assertIn(err["type"], ("string_too_short", "string_too_long"))

    def test_description_length_limits_in_characters(self):
        uid = self.new_user_id()
        cases = [("", 201), ("d" * 2000, 201), ("d" * 2001, 422),
                 ("ü" * 2000, 201), ("😀" * 2000, 201), ("😀" * 2001, 422)]
        for description, status in cases:
            with self.subTest(length=len(description), char=description[:1]):
                r = self.post_item(uid, title="t", description=description)
                self.assertEqual(r.status, status, r)
                if status == 201:
                    self.assertEqual(r.json()["description"], description)
                else:
                    self.assert_422(r, ("string_too_long", ["body", "description"]))

    def test_create_item_wrong_types_are_422(self):
        uid = self.new_user_id()
        r = self.post_item(uid, title=5, description=True)
        self.assert_422(r, ("string_type", ["body", "title"]),
                        ("string_type", ["body", "description"]))

    def test_item_limit_reached_is_409(self):
        uid = self.new_user_id()
        self.sql("INSERT INTO items (title, owner_id) SELECT 'seed', %d FROM "
                 "generate_series(1, %d)" % (uid, LIMIT - 1))
        self.assertEqual(self.post_item(uid, title="last one").status, 201)
        self.assert_detail(self.post_item(uid, title="one too many"), 409,
                           "Item limit reached (%d per user)" % LIMIT)
        self.assertEqual(self.sql("SELECT count(*) FROM items WHERE owner_id = %d" % uid),
                         str(LIMIT))

    def test_item_limit_frees_a_slot_after_delete(self):
        uid = self.new_user_id()
        self.sql("INSERT INTO items (title, owner_id) SELECT 'seed', %d FROM "
                 "generate_series(1, %d)" % (uid, LIMIT))
        self.assertEqual(self.post_item(uid, title="x").status, 409)
        victim = self.sql("SELECT min(id) FROM items WHERE owner_id = %d" % uid)
        self.assertEqual(self.st.request("DELETE", "/items/%s" % victim).status, 204)
        self.assertEqual(self.post_item(uid, title="x").status, 201)

    def test_item_limit_holds_under_concurrency(self):
        uid = self.new_user_id()
        n = 2 * LIMIT
        statuses, details = [], set()
        lock = threading.Lock()
        barrier = threading.Barrier(n)

        def create(k):
            barrier.wait()
            r = self.post_item(uid, title="concurrent %d" % k)
            with lock:
                statuses.append(r.status)
                if r.status == 409:
                    details.add(r.json()["detail"])

        threads = [threading.Thread(target=create, args=(k,)) for k in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(statuses.count(201), LIMIT, sorted(statuses))
        self.assertEqual(statuses.count(409), n - LIMIT, sorted(statuses))
        self.assertEqual(details, {"Item limit reached (%d per user)" % LIMIT})
        self.assertEqual(self.sql("SELECT count(*) FROM items WHERE owner_id = %d" % uid),
                         str(LIMIT))

    def test_item_limit_is_per_user(self):
        full, other = self.new_user_id(), self.new_user_id()
        self.sql("INSERT INTO items (title, owner_id) SELECT 'seed', %d FROM "
                 "generate_series(1, %d)" % (full, LIMIT))
        self.assertEqual(self.post_item(full, title="x").status, 409)
        self.assertEqual(self.post_item(other, title="x").status, 201)

    # -- GET /items/ and /items/{id} --------------------------------------------------------

    def test_get_item(self):
        item = self.create_item(title="get me", description=None)
        r = self.st.request("GET", "/items/%d" % item["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), item)

    def test_get_unknown_item_is_404(self):
        self.assert_detail(self.st.request("GET", "/items/987654321"), 404, "Item not found")

    def test_item_id_must_be_positive_int64(self):
        for bad in ("0", "-1", "abc", "99999999999999999999"):
            for method in ("GET", "PATCH", "DELETE"):
                with self.subTest(id=bad, method=method):
                    r = self.st.request(method, "/items/%s" % bad,
                                        json={} if method == "PATCH" else None)
                    self.assertEqual(r.status, 422, r)
                    self.assertEqual([e["loc"] for e in r.json()["detail"]],
                                     [["path", "item_id"]])

    def test_list_items_ordered_by_id(self):
        uid_a, uid_b = self.new_user_id(), self.new_user_id()
        made = [self.create_item(uid_a, "a1"), self.create_item(uid_b, "b1"),
                self.create_item(uid_a, "a2")]
        before = int(self.sql("SELECT count(*) FROM items WHERE id < %d" % made[0]["id"]))
        r = self.st.request("GET", "/items/?skip=%d&limit=3" % before)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), made)
        r = self.st.request("GET", "/items/?limit=100")
        ids = [i["id"] for i in r.json()]
        self.assertEqual(ids, sorted(ids))
        for item in r.json():
            self.assertEqual(set(item), ITEM_KEYS)

    def test_list_items_skip_and_limit(self):
        uid = self.new_user_id()
        for k in range(4):
            self.create_item(uid, "page %d" % k)
        everything = []
        skip = 0
        while True:
            page = self.st.request("GET", "/items/?skip=%d&limit=100" % skip).json()
            everything += page
            if len(page) < 100:
                break
            skip += 100
        ids = [i["id"] for i in everything]
        r = self.st.request("GET", "/items/?skip=1&limit=2")
        self.assertEqual([i["id"] for i in r.json()], ids[1:3])
        self.assertEqual(self.st.request("GET", "/items/?skip=%d" % len(ids)).json(), [])
        self.assertEqual(len(self.st.request("GET", "/items/").json()), min(100, len(ids)))

    def test_list_items_bounds_422(self):
        for query, name, kind in (("skip=-1", "skip", "greater_than_equal"),
                                  ("limit=0", "limit", "greater_than_equal"),
                                  ("limit=101", "limit", "less_than_equal"),
                                  ("limit=ten", "limit", "int_parsing")):
            with self.subTest(query=query):
                self.assert_422(self.st.request("GET", "/items/?" + query),
                                (kind, ["query", name]))

    # -- PATCH /items/{id} ------------------------------------------------------------------

    def test_patch_item_title_only_keeps_description(self):
        item = self.create_item(title="old", description="keep me")
        r = self.st.request("PATCH", "/items/%d" % item["id"], json={"title": "new"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), dict(item, title="new"))

    def test_patch_item_description_only_keeps_title(self):
        item = self.create_item(title="keep", description="old")
        r = self.st.request("PATCH", "/items/%d" % item["id"], json={"description": "new"})
        self.assertEqual(r.json(), dict(item, description="new"))

    def test_patch_item_description_null_allowed_title_null_rejected(self):
        item = self.create_item(title="t", description="to be cleared")
        r = self.st.request("PATCH", "/items/%d" % item["id"], json={"description": None})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), dict(item, description=None))
        r = self.st.request("PATCH", "/items/%d" % item["id"], json={"title": None})
        self.assertEqual(r.status, 422, r)
        (err,) = r.json()["detail"]
        self.assertEqual(err["loc"], ["body", "title"])
        self.assertEqual(self.st.request("GET", "/items/%d" % item["id"]).json()["title"], "t")

    def test_patch_item_empty_body_returns_unchanged(self):
        item = self.create_item()
        r = self.st.request("PATCH", "/items/%d" % item["id"], json={})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), item)

    def test_patch_item_both_fields(self):
        item = self.create_item()
        r = self.st.request("PATCH", "/items/%d" % item["id"],
                            json={"title": "T2", "description": "D2"})
        self.assertEqual(r.json(), dict(item, title="T2", description="D2"))

    def test_patch_item_limits_and_unknown_fields(self):
        item = self.create_item()
        path = "/items/%d" % item["id"]
        self.assert_422(self.st.request("PATCH", path, json={"title": ""}),
                        ("string_too_short", ["body", "title"]))
        self.assert_422(self.st.request("PATCH", path, json={"title": "x" * 201}),
                        ("string_too_long", ["body", "title"]))
        self.assert_422(self.st.request("PATCH", path, json={"description": "x" * 2001}),
                        ("string_too_long", ["body", "description"]))
        self.assert_422(self.st.request("PATCH", path, json={"owner_id": 1}),
                        ("extra_forbidden", ["body", "owner_id"]))
        self.assertEqual(self.st.request("GET", path).json(), item)

    def test_patch_unknown_item_is_404(self):
        for body in ({"title": "x"}, {}):
            self.assert_detail(self.st.request("PATCH", "/items/987654321", json=body), 404,
                               "Item not found")

    # -- DELETE /items/{id} -----------------------------------------------------------------

    def test_delete_item_204_then_404(self):
        item = self.create_item()
        r = self.st.request("DELETE", "/items/%d" % item["id"])
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.body, b"")
        self.assert_detail(self.st.request("GET", "/items/%d" % item["id"]), 404,
                           "Item not found")
        self.assert_detail(self.st.request("DELETE", "/items/%d" % item["id"]), 404,
                           "Item not found")

    def test_delete_item_leaves_owner_and_other_items(self):
        uid = self.new_user_id()
        a, b = self.create_item(uid, "a"), self.create_item(uid, "b")
        self.assertEqual(self.st.request("DELETE", "/items/%d" % a["id"]).status, 204)
        self.assertEqual(self.st.request("GET", "/users/%d" % uid).json()["items"], [b])


if __name__ == "__main__":
    unittest.main()
