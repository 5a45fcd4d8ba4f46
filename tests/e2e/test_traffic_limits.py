"""test_traffic_limits.py — SPEC §12's limits against hostile traffic, through the real nginx.

Owns the end-to-end checks of:
  - the rate and connection limits exactly as shipped (nginx/awesome-api-limits.conf and
    the limit_req / limit_conn lines of awesome-api-fastcgi.conf; harness.Stack(
    rate_limits="shipped")): POST /token and POST /users/ 5/s burst 10, every other route
    100/s burst 200, 64 requests in progress per address; over a limit 429
    {"detail":"Too Many Requests"} with Retry-After;
  - nginx's body limit when MAX_BODY_BYTES keeps its default (64 KiB);
  - the FastCGI socket: unix, mode 0660, nginx's group; TCP only with an allowlist;
  - a load test on the shipped configuration: 4 × WORKERS clients for LOAD_SECONDS, never a
    502 or 504, and a health probe answering within a second throughout;
  - /docs and /redoc served from a source tree in a folder only its owner may enter (nginx's
    workers run as nobody when the tests run as root), through the harness and through
    deploy/stack.sh (`make run`).
Every request comes from 127.0.0.1: one client address, so one set of limits. Each test
that counts against the limits has a stack of its own, so no other test has used them.
"""

import grp
import http.client
import os
import re
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

import harness

ROOT = harness.ROOT
REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")
JSON = {"Content-Type": "application/json"}
# The shipped numbers (SPEC §12), as the tests expect them.
PASSWORD_RATE, PASSWORD_BURST = 5, 10
OTHER_RATE, OTHER_BURST = 100, 200
CONNS = 64
LOAD_SECONDS = 20
WORKERS = 4


def is_429(r):
    """r is nginx's over-the-limit answer (SPEC §12)."""
    return (r.status == 429 and r.headers.get("content-type", "").startswith("application/json")
            and r.json() == {"detail": "Too Many Requests"}
            and r.headers.get("retry-after", "").isdigit()
            and int(r.headers["retry-after"]) >= 1
            and REQUEST_ID.match(r.headers.get("x-request-id", "")) is not None)


def shipped_stack(test, **kw):
    """A fresh stack with the limits as shipped, closed after the test."""
    kw.setdefault("workers", 2)
    st = harness.Stack(rate_limits="shipped", **kw).start()
    test.addCleanup(st.close)
    return st


def in_worker_log(st, request_id, timeout=5):
    """Whether the worker logged the request (it reached a worker) within timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if request_id in st.log_text():
            return True
        time.sleep(0.05)
    return False


def need_docs_assets():
    """Skips (fails under CI, where make docs-assets ran) without nginx/docs/'s packages."""
    missing = [f for f in harness.docs_files() if not (harness.NGINX_DIR / "docs" / f).is_file()]
    if missing:
        msg = "nginx/docs/ lacks %s: run make docs-assets" % ", ".join(missing)
        if os.environ.get("CI"):
            raise AssertionError(msg)
        raise unittest.SkipTest(msg)


# --------------------------------------------------------------------------------------------
# Rate limits


class RateLimitTest(unittest.TestCase):
    def test_password_routes_over_5_per_second_burst_10_get_429_health_unaffected(self):
        st = shipped_stack(self, name="limits-password")
        statuses, refused, health = [], [], []
        paths = ("/users/", "/users", "/token", "/token/")
        start = time.monotonic()
        with st.session() as s:
            for i in range(40):
                # An empty object: the worker answers 422 (or 404, 415 for /token) at once,
                # no password is hashed. The limit is nginx's, before any worker.
                r = s.request("POST", paths[i % len(paths)], json={})
                statuses.append(r.status)
                if r.status == 429:
                    refused.append(r)
                health.append(s.request("GET", "/healthz").status)
        elapsed = time.monotonic() - start
        served = [x for x in statuses if x != 429]
        # Burst 10 beyond the first request, plus 5 per second elapsed (nodelay: at once).
        self.assertGreaterEqual(len(served), PASSWORD_BURST + 1, statuses)
        self.assertLessEqual(len(served), PASSWORD_BURST + 1 + PASSWORD_RATE * elapsed + 1,
                             "%s in %.2fs" % (statuses, elapsed))
        self.assertTrue(refused, statuses)
        for r in refused:
            self.assertTrue(is_429(r), r)
        self.assertTrue(all(x < 500 for x in served), statuses)
        # Counted apart from everything else: health checks and reads go on meanwhile,
        # while the password routes are still refused.
        self.assertEqual(set(health), {200}, health)
        for path in ("/info", "/users/?limit=1", "/items/?limit=1"):
            self.assertEqual(st.request("GET", path).status, 200, path)
        self.assertTrue(is_429(st.request("POST", "/users/", json={})))
        # A refused request never reached a worker.
        self.assertFalse(in_worker_log(st, refused[-1].headers["x-request-id"], timeout=0.5))

    def test_other_routes_allow_100_per_second_burst_200_then_429(self):
        st = shipped_stack(self, name="limits-other")
        lock = threading.Lock()
        results = []
        stop = threading.Event()
        deadline = time.monotonic() + (60 if harness.SLOW else 20)

        def client():
            with st.session(timeout=10) as s:
                while not stop.is_set() and time.monotonic() < deadline:
                    r = s.request("GET", "/healthz")
                    with lock:
                        results.append(r)
                        if r.status == 429 or len(results) >= 5000:
                            stop.set()

        start = time.monotonic()
        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        elapsed = time.monotonic() - start
        ok = [r for r in results if r.status == 200]
        refused = [r for r in results if r.status == 429]
        self.assertTrue(refused, "no 429 after %d requests in %.1fs" % (len(results), elapsed))
        self.assertEqual(len(ok) + len(refused), len(results),
                         [r for r in results if r.status not in (200, 429)][:3])
        for r in refused:
            self.assertTrue(is_429(r), r)
        # Far more than the password routes' 11: the burst of 200 and 100/s.
        self.assertGreaterEqual(len(ok), OTHER_BURST + 1)
        self.assertLessEqual(len(ok), OTHER_BURST + 1 + OTHER_RATE * elapsed + 4)

    def test_more_than_64_requests_in_progress_get_429(self):
        # Each connection sends a request's head and holds back its body, so nginx holds
        # the request (in progress, counted by limit_conn) without any worker involved.
        # POST /users/1/items/ is an "other" route: 80 requests stay within its burst.
        st = shipped_stack(self, name="limits-conn")
        head = ("POST /users/1/items/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n").encode()
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        for _ in range(CONNS + 16):
            s = socket.create_connection(("127.0.0.1", st.port), timeout=10)
            s.sendall(head)
            socks.append(s)
        # The refused ones are answered at once; the others wait for their bodies (nginx's
        # client_body_timeout, 10 s, is far away).
        answered = {}
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            waiting = [s for s in socks if s not in answered]
            readable, _, _ = select.select(waiting, [], [], 0.2)
            for s in readable:
                answered[s] = read_response(s)
            if len(answered) >= 16 and not readable:
                break
        self.assertEqual(len(answered), 16, [r.status for r in answered.values()])
        for r in answered.values():
            self.assertTrue(is_429(r), r)
        # The 64 held requests were not refused: given their bodies, workers answer them
        # (404, user 1 does not exist: whatever the worker says, not nginx's 429).
        body = b'{"title": "held"}'.ljust(100)
        held = [s for s in socks if s not in answered]
        self.assertEqual(len(held), CONNS)
        for s in held:
            s.sendall(body)
        statuses = [read_response(s).status for s in held]
        self.assertNotIn(429, statuses)
        self.assertTrue(all(x < 500 for x in statuses), statuses)
        # Once they are done, the address has its 64 again.
        for s in socks:
            s.close()
        self.assertEqual(st.request("GET", "/healthz").status, 200)


def read_response(sock):
    """Reads one HTTP response from a raw socket -> harness.Response."""
    sock.settimeout(10)
    resp = http.client.HTTPResponse(sock)
    resp.begin()
    return harness.Response(resp.status, resp.reason, resp.getheaders(), resp.read())


# --------------------------------------------------------------------------------------------
# Body size and the FastCGI socket


class BodyLimitTest(unittest.TestCase):
    def test_nginx_refuses_bodies_over_64_kib_by_default(self):
        # MAX_BODY_BYTES at its default (65536): the snippet's client_max_body_size 64k
        # refuses one byte more in nginx; exactly 64 KiB reaches a worker.
        with harness.Stack(workers=1, name="limits-body") as st:
            def body(size):
                head = b'{"email": "big@example.com", "password": "'
                return head + b"x" * (size - len(head) - 2) + b'"}'

            over = st.request("POST", "/users/", body=body(65537), headers=JSON)
            self.assertEqual(over.status, 413, over)
            self.assertEqual(over.json(), {"detail": "Request Entity Too Large"})
            at = st.request("POST", "/users/", body=body(65536), headers=JSON)
            self.assertEqual(at.status, 422, at)  # the password is too long: a worker said so
            self.assertTrue(in_worker_log(st, at.headers["x-request-id"]))
            self.assertFalse(in_worker_log(st, over.headers["x-request-id"], timeout=0.2))


class FastCgiSocketTest(unittest.TestCase):
    def test_default_is_a_unix_socket_only_nginx_may_open(self):
        with harness.Stack(workers=1, name="limits-unix") as st:
            self.assertTrue(st.fcgi_listen.startswith("unix:"), st.fcgi_listen)
            info = os.stat(st.fcgi_listen[len("unix:"):])
            self.assertEqual(info.st_mode & 0o777, 0o660)
            if harness.IS_ROOT:  # nginx's workers are nobody: the socket has their group
                self.assertEqual(info.st_gid, grp.getgrnam(harness.nginx_group()).gr_gid)
            self.assertEqual(st.request("GET", "/healthz").status, 200)

    def test_tcp_serves_the_allowed_peer_and_drops_others(self):
        with harness.Stack(workers=1, listen="tcp", name="limits-tcp") as st:
            self.assertEqual(st.env["FCGI_WEB_SERVER_ADDRS"], "127.0.0.1")
            self.assertEqual(st.request("GET", "/healthz").status, 200)
        # nginx connects from 127.0.0.1, which is not on this list: no worker serves it.
        with harness.Stack(workers=1, listen="tcp", start_api=False, name="limits-tcp-deny",
                           env={"FCGI_WEB_SERVER_ADDRS": "127.0.0.2"}) as st:
            st.start_api(wait=False)
            harness.wait_for(lambda: "event=ready" in st.log_text(), what="workers up")
            r = st.request("GET", "/healthz")
            self.assertEqual(r.status, 502, r)
            self.assertEqual(r.json(), {"detail": "Bad Gateway"})


# --------------------------------------------------------------------------------------------
# Load on the shipped configuration


class LoadTest(unittest.TestCase):
    def test_shipped_configuration_under_load_never_502_or_504_and_health_answers(self):
        # 4 × WORKERS clients (more than the workers can serve at once, so requests queue)
        # mixing reads with user creation (a slow password hash each) for LOAD_SECONDS, all
        # from one address with the shipped limits. Allowed answers: 2xx, 409, 429 (the
        # rate limits) and 503 with Retry-After (PASSWORD_HASH_CONCURRENCY). The clients
        # behave: after a 429 they wait what Retry-After says, as real ones should.
        st = shipped_stack(self, workers=WORKERS, name="limits-load")
        ids = []
        for n in range(3):
            r = st.request("POST", "/users/", json={"email": "seed%d@example.com" % n,
                                                    "password": "correct horse battery"})
            self.assertEqual(r.status, 201, r)
            ids.append(r.json()["id"])

        stop = threading.Event()
        lock = threading.Lock()
        counts, failures = {}, []
        probes = []  # (seconds, status or exception)

        def acceptable(r):
            return (200 <= r.status < 300 or r.status in (409, 429)
                    or (r.status == 503 and "retry-after" in r.headers))

        def client(n):
            reads = ["/users/%d" % ids[n % len(ids)], "/items/?limit=10", "/info"]
            i = 0
            with st.session(timeout=30) as s:
                while not stop.is_set():
                    i += 1
                    if i % 4 == 0:
                        method, path, body = "POST", "/users/", {
                            "email": "load%d-%d@example.com" % (n, i),
                            "password": "correct horse battery"}
                    else:
                        method, path, body = "GET", reads[i % len(reads)], None
                    try:
                        r = s.request(method, path, json=body)
                    except Exception as e:  # noqa: BLE001 - a failed request
                        with lock:
                            failures.append("%s %s: %r" % (method, path, e))
                        s.close()
                        continue
                    with lock:
                        counts[r.status] = counts.get(r.status, 0) + 1
                        if not acceptable(r):
                            failures.append("%s %s: %d %r" % (method, path, r.status,
                                                              r.body[:200]))
                    if r.status == 429:
                        stop.wait(min(2, int(r.headers.get("retry-after", "1"))))

        def health():
            # A load balancer's probe: its own connection each time, every 100 ms.
            while not stop.is_set():
                t0 = time.monotonic()
                try:
                    outcome = st.request("GET", "/healthz", timeout=10).status
                except Exception as e:  # noqa: BLE001 - recorded
                    outcome = repr(e)
                probes.append((time.monotonic() - t0, outcome))
                stop.wait(0.1)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(4 * WORKERS)]
        threads.append(threading.Thread(target=health))
        for t in threads:
            t.start()
        time.sleep(LOAD_SECONDS)
        stop.set()
        for t in threads:
            t.join(60)

        worst = max(p[0] for p in probes)
        outcomes = {}
        for _, o in probes:
            outcomes[o] = outcomes.get(o, 0) + 1
        summary = ("%d clients, %ds: answers %s; health probes %s, worst %.3fs"
                   % (4 * WORKERS, LOAD_SECONDS, dict(sorted(counts.items())),
                      outcomes, worst))
        print("\n    " + summary, end=" ... ", flush=True)
        out = harness.ARTIFACTS / "limits-load-summary"  # limits-load/: the stack's logs
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.txt").write_text(summary + "\n")

        self.assertEqual(failures, [], "%d bad answers (%s), first: %s"
                         % (len(failures), summary, failures[:5]))
        self.assertNotIn(502, counts)
        self.assertNotIn(504, counts)
        self.assertGreater(sum(counts.get(s, 0) for s in range(200, 300)), 100, summary)
        # The probe shares the clients' address, so the rate limit may refuse it too (at
        # once); it is never left waiting.
        self.assertLess(worst, 1.0, summary)
        self.assertLessEqual(set(outcomes), {200, 429}, summary)
        self.assertIn(200, outcomes, summary)
        self.assertGreater(len(probes), LOAD_SECONDS * 5, summary)


# --------------------------------------------------------------------------------------------
# /docs from a private source tree


def private_copy():
    """A copy of what make run needs of the repository (binaries excluded) in a folder
    only its owner may enter, as a clone under /root would be. Returns its path."""
    top = tempfile.mkdtemp(prefix="awesome-api-private-")  # mode 0700
    tree = Path(top) / "awesome-api"
    for rel in ("Makefile", "deploy", "etc", "sql"):
        src = ROOT / rel
        if src.is_dir():
            shutil.copytree(src, tree / rel)
        else:
            tree.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, tree / rel)
    (tree / "nginx").mkdir()
    for src in harness.NGINX_DIR.iterdir():
        if src.is_file():
            shutil.copy2(src, tree / "nginx" / src.name)
    for rel in harness.docs_files():
        dest = tree / "nginx" / "docs" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(harness.NGINX_DIR / "docs" / rel, dest)
    return top, tree


class DocsFromPrivateTreeTest(unittest.TestCase):
    """nginx's workers (nobody, when the tests run as root) cannot enter a 0700 folder:
    /docs works all the same because every renderer serves copies from its own folder."""

    def setUp(self):
        need_docs_assets()
        self.top, self.tree = private_copy()
        self.addCleanup(shutil.rmtree, self.top, ignore_errors=True)
        self.assertEqual(os.stat(self.top).st_mode & 0o777, 0o700)

    def check_docs(self, port):
        for path in ("/docs", "/redoc", "/docs/static/swagger-ui-bundle.js",
                     "/docs/static/swagger-initializer.js",
                     "/docs/static/redoc.standalone.js"):
            r = harness.http_request("127.0.0.1", port, "GET", path)
            self.assertEqual(r.status, 200, "%s: %r" % (path, r))
            self.assertGreater(len(r.body), 0, path)

    def test_harness_stack_serves_docs_from_a_private_tree(self):
        real = harness.NGINX_DIR
        harness.NGINX_DIR = self.tree / "nginx"
        try:
            st = harness.Stack(workers=1, name="limits-docs-private").start()
        finally:
            harness.NGINX_DIR = real
        self.addCleanup(st.close)
        self.check_docs(st.port)

    def test_make_run_stack_serves_docs_from_a_private_tree(self):
        # deploy/stack.sh start, as `make run` does, from the private copy with the
        # binaries already built here (BUILD_DIR, absolute).
        run_dir = self.tree / ".run"
        http_port = harness.free_port()
        env = harness.base_env()
        env.update(PGPORT=str(harness.free_port()), BUILD_DIR=str(harness.BUILD_DIR))
        stack = [str(self.tree / "deploy" / "stack.sh")]

        def stop():
            r = subprocess.run(["sh"] + stack + ["stop", str(run_dir)], env=env,
                               capture_output=True, text=True, timeout=120)
            # The cluster and nginx's files may live outside the copy (see stack.sh).
            runtime = Path(os.path.realpath(run_dir / "nginx")).parent
            if runtime != run_dir and runtime.name.startswith("awesome-api-"):
                shutil.rmtree(runtime, ignore_errors=True)
            return r

        self.addCleanup(stop)
        r = subprocess.run(["sh"] + stack + ["start", str(run_dir), str(http_port)], env=env,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.check_docs(http_port)
        self.assertEqual(harness.http_request("127.0.0.1", http_port, "GET", "/healthz").status,
                         200)


if __name__ == "__main__":
    unittest.main()
