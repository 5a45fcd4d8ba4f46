"""test_api_memory.py — a worker's memory does not grow across many mixed requests.

One worker (WORKERS=1) serves a warm-up round, then MEMORY_REQUESTS (default 20 000) mixed
requests: reads, writes, 404s, 409s, 422s. Its resident set size (VmRSS in
/proc/<pid>/status) after the run may exceed the one after the warm-up by less than 512 KiB
(allocator noise); a leak of even a few dozen bytes per request would show. Before/after
figures are printed. `make bench` runs the same check over 100 000 requests.
"""

import os
import unittest

import harness

REQUESTS = int(os.environ.get("MEMORY_REQUESTS", "20000"))
WARMUP = 2000
ALLOWED_GROWTH_KB = 512


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


@unittest.skipIf(harness.SLOW, "AddressSanitizer's quarantine makes RSS meaningless; "
                 "LeakSanitizer checks the workers at exit instead")
class WorkerMemoryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = harness.Stack(name="api_memory", workers=1,
                               env={"ITEMS_PER_USER": 50, "MAX_REQUESTS": 0}).start()

    @classmethod
    def tearDownClass(cls):
        cls.st.close()

    def mixed_requests(self, session, n, user_id, item_id):
        """n requests cycling through every endpoint and outcome; returns status counts."""
        plan = [
            ("GET", "/info", None),
            ("GET", "/healthz", None),
            ("GET", "/readyz", None),
            ("GET", "/users/%d" % user_id, None),
            ("GET", "/users/?limit=10", None),
            ("GET", "/items/?limit=10", None),
            ("GET", "/items/%d" % item_id, None),
            ("POST", "/users/%d/items/" % user_id, {"title": "more", "description": "x" * 100}),
            ("PATCH", "/items/%d" % item_id, {"title": "renamed", "description": None}),
            ("PATCH", "/users/%d" % user_id, {"is_active": True}),
            ("GET", "/users/987654321", None),                                 # 404
            ("GET", "/items/?limit=1000", None),                               # 422
            ("POST", "/users/", {"email": "nope", "password": "short"}),       # 422
            ("POST", "/users/%d/items/" % user_id, {"title": "", "x": 1}),     # 422
            ("DELETE", "/items/987654321", None),                              # 404
            ("GET", "/nowhere", None),                                         # 404
        ]
        counts = {}
        for i in range(n):
            method, path, body = plan[i % len(plan)]
            r = session.request(method, path, json=body)
            counts[r.status] = counts.get(r.status, 0) + 1
        return counts

    def test_worker_rss_does_not_grow(self):
        r = self.st.request("POST", "/users/", json={"email": "mem@example.com",
                                                     "password": "x" * 8})
        self.assertEqual(r.status, 201, r)
        user_id = r.json()["id"]
        r = self.st.request("POST", "/users/%d/items/" % user_id, json={"title": "first"})
        item_id = r.json()["id"]
        (pid,) = self.st.worker_pids()

        with self.st.session() as s:
            self.mixed_requests(s, WARMUP, user_id, item_id)
            before = rss_kb(pid)
            counts = self.mixed_requests(s, REQUESTS, user_id, item_id)
            after = rss_kb(pid)

        print("  worker %d VmRSS: %d kB after %d warm-up requests, %d kB after %d more "
              "(%+d kB); statuses %s" % (pid, before, WARMUP, after, REQUESTS, after - before,
                                        sorted(counts.items())))
        self.assertEqual(self.st.worker_pids(), [pid], "the worker was replaced")
        self.assertNotIn(500, counts)
        self.assertIn(409, counts)  # the item limit was reached and kept being hit
        self.assertLess(after - before, ALLOWED_GROWTH_KB)


if __name__ == "__main__":
    unittest.main()
