"""test_api_hostile.py — careless and hostile input (SPEC §4, §5): every request gets a 4xx
with a JSON detail, never a 500 or a crash, and the workers stay the same processes."""

import itertools
import json
import re
import unittest

import harness

_seq = itertools.count(1)


class HostileInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = harness.Stack(name="api_hostile").start()
        cls.pids = cls.st.worker_pids()
        r = cls.st.request("POST", "/users/", json={"email": "hostile@example.com",
                                                    "password": "hostile-pw"})
        assert r.status == 201, r
        cls.user_id = r.json()["id"]
        r = cls.st.request("POST", "/users/%d/items/" % cls.user_id, json={"title": "target"})
        assert r.status == 201, r
        cls.item_id = r.json()["id"]

    @classmethod
    def tearDownClass(cls):
        cls.st.close()

    def tearDown(self):
        # No request may have killed or replaced a worker.
        self.assertEqual(self.st.worker_pids(), self.pids, "a worker died")
        self.assertIsNone(re.search(r"\bstatus=5\d\d\b", self.st.log_text()),
                          "a request was answered with a 5xx")

    # -- helpers ----------------------------------------------------------------------------

    def send(self, method, path, body, content_type="application/json"):
        headers = {"Content-Type": content_type} if content_type else {}
        return self.st.request(method, path, body=body, headers=headers)

    def assert_4xx(self, r, status=None):
        """A client error with a JSON detail; the exact status when given."""
        if status is None:
            self.assertTrue(400 <= r.status < 500, r)
        else:
            self.assertEqual(r.status, status, r)
        self.assertIn("detail", r.json())
        for needle in (b"SQL", b"libpq", b"PGRES", b"ERROR:", b".c:", b"syntax error at"):
            self.assertNotIn(needle, r.body)
        return r.json()["detail"]

    def assert_json_invalid(self, r):
        detail = self.assert_4xx(r, 422)
        self.assertEqual(detail[0]["type"], "json_invalid", detail)
        self.assertEqual(detail[0]["msg"], "JSON decode error")
        self.assertEqual(detail[0]["loc"][0], "body")

    def bodies_for_every_body_route(self, body, content_type="application/json"):
        for method, path in (("POST", "/users/"), ("PATCH", "/users/%d" % self.user_id),
                             ("POST", "/users/%d/items/" % self.user_id),
                             ("PATCH", "/items/%d" % self.item_id)):
            yield (method, path), self.send(method, path, body, content_type)

    # -- malformed bodies -------------------------------------------------------------------

    def test_malformed_json_is_422_json_invalid(self):
        for body in (b'{"email": ', b"{'email': 'a@b.co'}", b'{"title": "x",}', b"nul",
                     b'{"title": "unterminated}', b"{} trailing", b"\xef\xbb\xbf{}" + b"{"):
            for where, r in self.bodies_for_every_body_route(body):
                with self.subTest(body=body, route=where):
                    self.assert_json_invalid(r)

    def test_non_object_body_is_422_model_type(self):
        for body in (b"[]", b'["a@b.co", "password"]', b'"a string"', b"42", b"true", b"null"):
            for where, r in self.bodies_for_every_body_route(body):
                with self.subTest(body=body, route=where):
                    detail = self.assert_4xx(r, 422)
                    self.assertEqual([d["type"] for d in detail], ["model_type"], detail)
                    self.assertEqual(detail[0]["loc"], ["body"])

    def test_empty_body_is_4xx(self):
        for where, r in self.bodies_for_every_body_route(b""):
            with self.subTest(route=where):
                self.assert_4xx(r, 422)

    def test_non_json_content_type_is_415(self):
        # None at all too (SPEC §12): a cross-site "simple request" must not create data.
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                      None):
            for where, r in self.bodies_for_every_body_route(b'{"title": "x"}', ctype):
                with self.subTest(route=where, content_type=ctype):
                    self.assert_4xx(r, 415)

    def test_unknown_fields_rejected_everywhere(self):
        for where, r in self.bodies_for_every_body_route(b'{"__proto__": {}, "zzz": 1}'):
            with self.subTest(route=where):
                detail = self.assert_4xx(r, 422)
                extra = sorted(tuple(d["loc"]) for d in detail if d["type"] == "extra_forbidden")
                self.assertEqual(extra, [("body", "__proto__"), ("body", "zzz")], detail)

    def test_wrong_types_are_422(self):
        cases = [
            ("POST", "/users/", {"email": {"a": 1}, "password": ["x"] * 8},
             {("body", "email"), ("body", "password")}),
            ("PATCH", "/users/%d" % self.user_id, {"is_active": "true"}, {("body", "is_active")}),
            ("PATCH", "/users/%d" % self.user_id, {"is_active": 1}, {("body", "is_active")}),
            ("POST", "/users/%d/items/" % self.user_id, {"title": 1.5, "description": 7},
             {("body", "title"), ("body", "description")}),
            ("PATCH", "/items/%d" % self.item_id, {"title": ["t"], "description": {"d": 1}},
             {("body", "title"), ("body", "description")}),
        ]
        for method, path, body, locs in cases:
            with self.subTest(path=path, body=body):
                detail = self.assert_4xx(self.st.request(method, path, json=body), 422)
                self.assertEqual({tuple(d["loc"]) for d in detail}, locs, detail)

    def test_numbers_beyond_int64(self):
        huge = "99999999999999999999"
        for method, path in (("GET", "/users/" + huge), ("GET", "/items/" + huge),
                             ("DELETE", "/users/" + huge), ("GET", "/users/-" + huge),
                             ("GET", "/users/?skip=" + huge), ("GET", "/items/?limit=" + huge),
                             ("GET", "/items/?skip=-" + huge)):
            with self.subTest(path=path):
                self.assert_4xx(self.st.request(method, path), 422)
        for body in (b'{"title": 99999999999999999999}', b'{"title": 1e999}',
                     b'{"is_active": 99999999999999999999}'):
            with self.subTest(body=body):
                path = "/items/%d" % self.item_id if b"title" in body else \
                    "/users/%d" % self.user_id
                self.assert_4xx(self.send("PATCH", path, body), 422)

    def test_ids_zero_and_negative_are_422(self):
        for bad in ("0", "-1", "-0", "1e3", "0x10", "1.0", "%201"):
            for path in ("/users/%s", "/items/%s", "/users/%s/items/"):
                with self.subTest(path=path % bad):
                    method = "POST" if path.endswith("items/") else "GET"
                    r = self.st.request(method, path % bad,
                                        json={"title": "x"} if method == "POST" else None)
                    self.assert_4xx(r)
                    self.assertNotEqual(r.status, 500)

    # -- strings ----------------------------------------------------------------------------

    def test_invalid_utf8_is_422(self):
        bodies = [
            b'{"email": "\xff\xfe@example.com", "password": "12345678"}',
            b'{"email": "a@example.com", "password": "\xc3\x28abcdefgh"}',   # bad continuation
            b'{"email": "a@example.com", "password": "\xed\xa0\x80abcdefgh"}',  # surrogate
            b'{"email": "a@example.com", "password": "\xc0\xafabcdefgh"}',   # overlong
        ]
        for body in bodies:
            with self.subTest(body=body):
                r = self.send("POST", "/users/", body)
                self.assert_4xx(r, 422)
                self.assertNotIn(b"abcdefgh", r.body)
        r = self.send("POST", "/users/%d/items/" % self.user_id, b'{"title": "\xf8\x88\x80\x80"}')
        self.assert_4xx(r, 422)

    def test_escaped_lone_surrogate_is_422(self):
        r = self.send("POST", "/users/%d/items/" % self.user_id, b'{"title": "\\ud800"}')
        self.assert_4xx(r, 422)

    def test_nul_in_string_is_422(self):
        for body in (b'{"title": "a\\u0000b"}', b'{"title": "t", "description": "\\u0000"}'):
            with self.subTest(body=body):
                self.assert_4xx(self.send("POST", "/users/%d/items/" % self.user_id, body), 422)
        r = self.send("POST", "/users/", b'{"email": "a\\u0000@example.com", "password": '
                                         b'"12345678"}')
        self.assert_4xx(r, 422)
        r = self.send("POST", "/users/", b'{"email": "nul@example.com", "password": '
                                         b'"1234\\u00005678"}')
        self.assert_4xx(r, 422)
        self.assertNotIn(b"5678", r.body)
        r = self.st.request("GET", "/items/%00")
        self.assert_4xx(r)

    def test_raw_nul_byte_in_body_is_422(self):
        r = self.send("POST", "/users/%d/items/" % self.user_id, b'{"title": "a\x00b"}')
        self.assert_4xx(r, 422)

    def test_deep_nesting_is_4xx(self):
        deep = 10000
        for body in (b"[" * deep + b"]" * deep, b"{\"a\":" * deep + b"1" + b"}" * deep,
                     b'{"title": ' + b"[" * deep + b"]" * deep + b"}"):
            for where, r in self.bodies_for_every_body_route(body):
                with self.subTest(route=where, start=body[:12]):
                    self.assert_4xx(r, 422)

    def test_two_mib_body_is_413(self):
        body = b'{"title": "' + b"x" * (2 * 1024 * 1024) + b'"}'
        r = self.send("POST", "/users/%d/items/" % self.user_id, body)
        self.assertEqual(r.status, 413, r)
        self.assertIn("detail", r.json())

    def test_many_fields_is_one_422(self):
        # More than 64 members: one error for the object, not one per member (SPEC §12).
        fields = {"f%d" % i: i for i in range(1000)}
        fields["title"] = "x"
        detail = self.assert_4xx(self.st.request("POST", "/users/%d/items/" % self.user_id,
                                                 json=fields), 422)
        self.assertEqual(detail, [{"type": "value_error", "loc": ["body"],
                                   "msg": "Object has too many members (at most 64)"}])

    def test_sql_metacharacters_stored_and_returned_verbatim(self):
        nasty = [
            "'; DROP TABLE items; --",
            "\" OR 1=1 --",
            "Robert'); DELETE FROM users WHERE ('1'='1",
            "$1 $2 %s %d %% _ \\ \\\\ \\' E'\\x00'",
            "`backticks` /* comment */ -- dash",
            "<script>alert(1)</script> & &amp; \u2028\u2029 \t\n\r",
        ]
        for text in nasty:
            with self.subTest(text=text):
                # Control characters stay out of titles (SPEC §12), descriptions keep them.
                title = text.replace("\t", " ").replace("\n", " ").replace("\r", " ")[:200]
                r = self.st.request("POST", "/users/%d/items/" % self.user_id,
                                    json={"title": title, "description": text})
                self.assertEqual(r.status, 201, r)
                item = r.json()
                self.assertEqual((item["title"], item["description"]), (title, text))
                got = self.st.request("GET", "/items/%d" % item["id"]).json()
                self.assertEqual(got, item)
                r = self.st.request("PATCH", "/items/%d" % item["id"],
                                    json={"description": text + "!"})
                self.assertEqual(r.json()["description"], text + "!")
                self.assertEqual(self.st.request("DELETE", "/items/%d" % item["id"]).status, 204)
        n = next(_seq)
        email = "o'brien+%d%%_\"x\"@example.com" % n
        r = self.st.request("POST", "/users/", json={"email": email, "password": "'; --x'--"})
        if r.status == 201:  # the address validator may refuse quotes; either way no 5xx
            self.assertEqual(r.json()["email"], email)
        else:
            self.assert_4xx(r, 422)
        self.assertEqual(self.st.request("GET", "/items/%d" % self.item_id).status, 200)

    def test_multibyte_strings_at_and_past_each_limit(self):
        uid = self.user_id
        cases = [
            ("title", "é", 200, 201), ("title", "é", 201, 422),
            ("title", "😀", 200, 201), ("title", "😀", 201, 422),
            ("title", "中", 200, 201), ("title", "中", 201, 422),
            ("description", "é", 2000, 201), ("description", "😀", 2001, 422),
        ]
        for field, char, count, status in cases:
            with self.subTest(field=field, char=char, count=count):
                body = {"title": "t", field: char * count}
                r = self.st.request("POST", "/users/%d/items/" % uid, json=body)
                self.assertEqual(r.status, status, r)
                if status == 201:
                    self.assertEqual(r.json()[field], char * count)
                    self.st.request("DELETE", "/items/%d" % r.json()["id"])
        # combining characters count as code points: 100 x ("e" + U+0301) = 200 code points
        r = self.st.request("POST", "/users/%d/items/" % uid, json={"title": "e\u0301" * 100})
        self.assertEqual(r.status, 201, r)
        r = self.st.request("POST", "/users/%d/items/" % uid,
                            json={"title": "e\u0301" * 100 + "x"})
        self.assertEqual(r.status, 422, r)

    def test_json_escapes_round_trip(self):
        # A title has no control characters (SPEC §12); a description may hold tab, LF, CR.
        title = "quote \" backslash \\ slash / unicode \u00e9 \U0001F600"
        description = title + " tab \t newline \n return \r"
        body = json.dumps({"title": title, "description": description},
                          ensure_ascii=True).encode()
        r = self.send("POST", "/users/%d/items/" % self.user_id, body)
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json()["title"], r.json()["description"]), (title, description))

    def test_odd_query_strings_are_ignored_or_422(self):
        for query in ("?", "?&&", "?skip", "?skip=", "?limit=%FF", "?limit=1&limit=2",
                      "?unknown=1", "?skip=%00", "?" + "a=1&" * 1000):
            with self.subTest(query=query[:40]):
                r = self.st.request("GET", "/items/" + query)
                self.assertIn(r.status, (200, 422), r)
                if r.status == 422:
                    self.assert_4xx(r, 422)

    def test_unknown_paths_and_methods(self):
        self.assertEqual(self.assert_4xx(self.st.request("GET", "/users/1/items/1"), 404),
                         "Not Found")
        self.assertEqual(self.assert_4xx(self.st.request("GET", "/etc/passwd"), 404),
                         "Not Found")
        r = self.st.request("PUT", "/users/%d" % self.user_id, json={"is_active": True})
        self.assert_4xx(r, 405)
        self.assertIn("PATCH", r.headers["allow"])


if __name__ == "__main__":
    unittest.main()
