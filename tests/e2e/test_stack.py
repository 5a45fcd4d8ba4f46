"""test_stack.py — the whole stack through nginx: settings, §4 statuses and nginx's own errors.

Owns the end-to-end checks of what nginx and the worker runtime do for every route (SPEC §2
precedence as seen by /info, §4 status codes and JSON bodies, X-Request-Id), and of
outages: workers down (502), a worker not answering (504), the database down (503).
Route-specific behaviour (users, items) is tested in the application's own files.

Request ids: the service uses nginx's $request_id (32 hex digits, a new one per request),
passed to the worker as the REQUEST_ID FastCGI param; a client's X-Request-Id is not used.
"""

import http.client
import json
import re
import signal
import socket
import subprocess
import threading
import time
import unittest

import harness

REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


def env_file_value(name):
    """A setting's value in etc/dev.env (simple KEY=value lines)."""
    for line in harness.ENV_FILE.read_text().splitlines():
        line = line.strip()
        if line.startswith("export "):
            line = line[len("export "):]
        key, sep, value = line.partition("=")
        if sep and key.strip().upper() == name:
            return value.strip().strip("\"'")
    raise KeyError(name)


def fastcgi_connections(sock_path):
    """Connections open on the worker's unix socket now (ss; the listening one left out)."""
    out = subprocess.run(["ss", "-x", "-a", "-H"], capture_output=True, text=True,
                         check=True).stdout
    return [line for line in out.splitlines()
            if sock_path in line.split() and "LISTEN" not in line.split()]


class ApiAssertions(unittest.TestCase):
    def assert_json_error(self, r, status, detail=None):
        """r is `status` with a JSON {"detail": ...} body and an X-Request-Id."""
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"), r)
        self.assertRegex(r.headers.get("x-request-id", ""), REQUEST_ID)
        body = r.json()
        self.assertIn("detail", body, r)
        if detail is not None:
            self.assertEqual(body["detail"], detail)
        return body


class StackBasicsTest(ApiAssertions):
    """One stack shared by tests that do not disturb it."""

    APP_NAME = "E2E Awesome"
    MAX_BODY = 1024

    @classmethod
    def setUpClass(cls):
        cls.st = harness.Stack(env={"APP_NAME": cls.APP_NAME, "ITEMS_PER_USER": "7",
                                    "MAX_BODY_BYTES": str(cls.MAX_BODY)},
                               workers=2, name="stack-basics").start()

    @classmethod
    def tearDownClass(cls):
        cls.st.close()

    def test_info_shows_settings_from_env_file_overridden_by_environment(self):
        r = self.st.request("GET", "/info")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"app_name": self.APP_NAME,
                                    "admin_email": env_file_value("ADMIN_EMAIL"),
                                    "items_per_user": 7})

    def test_healthz_answers_ok(self):
        r = self.st.request("GET", "/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"status": "ok"})

    def test_json_responses_are_utf8_json(self):
        r = self.st.request("GET", "/info")
        self.assertEqual(r.headers["content-type"].replace(" ", "").lower(),
                         "application/json;charset=utf-8")

    def test_every_response_has_a_fresh_request_id(self):
        ids = set()
        for path in ("/info", "/healthz", "/no-such-path"):
            r = self.st.request("GET", path)
            self.assertRegex(r.headers.get("x-request-id", ""), REQUEST_ID, path)
            ids.add(r.headers["x-request-id"])
        self.assertEqual(len(ids), 3)

    def test_request_id_is_nginx_s_not_the_client_s(self):
        r = self.st.request("GET", "/info", headers={"X-Request-Id": "client-chosen-id"})
        self.assertEqual(r.status, 200, r)
        self.assertRegex(r.headers["x-request-id"], REQUEST_ID)
        self.assertEqual(r.headers["x-request-id"].count(","), 0)

    def test_request_id_is_in_the_worker_log(self):
        r = self.st.request("GET", "/info")
        rid = r.headers["x-request-id"]
        deadline = time.monotonic() + 5
        while rid not in self.st.log_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn(rid, self.st.log_text())

    def test_trailing_slash_is_optional_without_redirect(self):
        a = self.st.request("GET", "/info")
        b = self.st.request("GET", "/info/")
        self.assertEqual(b.status, 200, b)
        self.assertEqual(a.json(), b.json())

    def test_unknown_path_is_404_not_found(self):
        self.assert_json_error(self.st.request("GET", "/no/such/path"), 404, "Not Found")

    def test_nginx_internal_error_pages_are_not_reachable(self):
        r = self.st.request("GET", "/.awesome-api-error/502")
        self.assert_json_error(r, 404, "Not Found")

    def test_wrong_method_is_405_with_allow(self):
        r = self.st.request("DELETE", "/info")
        self.assert_json_error(r, 405, "Method Not Allowed")
        allowed = [m.strip() for m in r.headers.get("allow", "").split(",")]
        self.assertIn("GET", allowed)
        self.assertNotIn("DELETE", allowed)

    def test_nginx_body_limit_follows_max_body_bytes(self):
        # SPEC §12: nginx's client_max_body_size is MAX_BODY_BYTES (the harness renders it
        # from the stack's setting, as deploy/stack.sh does), so a body one byte over it
        # never reaches a worker, and one of exactly MAX_BODY_BYTES does. (The worker's own
        # check, for direct FastCGI clients: test_worker_runtime.py.)
        def body(size):
            head = b'{"email": "big@example.com", "password": "'
            return head + b"x" * (size - len(head) - 2) + b'"}'

        json_type = {"Content-Type": "application/json"}
        over = self.st.request("POST", "/users/", body=body(self.MAX_BODY + 1), headers=json_type)
        self.assert_json_error(over, 413, "Request Entity Too Large")
        at = self.st.request("POST", "/users/", body=body(self.MAX_BODY), headers=json_type)
        # The worker's answer: the password is far too long.
        self.assert_json_error(at, 422)
        rid = at.headers["x-request-id"]
        deadline = time.monotonic() + 5
        while rid not in self.st.log_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn(rid, self.st.log_text())
        self.assertNotIn(over.headers["x-request-id"], self.st.log_text())

    def test_body_over_nginx_limit_is_413_from_nginx(self):
        r = self.st.request("POST", "/users/", body=b"x" * (1024 * 1024 + 1),
                            headers={"Content-Type": "application/json"})
        self.assert_json_error(r, 413, "Request Entity Too Large")

    def test_non_json_content_type_is_415(self):
        r = self.st.request("POST", "/users/",
                            body=b'{"email": "a@example.com", "password": "secret-password"}',
                            headers={"Content-Type": "text/plain"})
        self.assert_json_error(r, 415)

    def test_malformed_json_is_422_json_invalid(self):
        r = self.st.request("POST", "/users/", body=b'{"email": ',
                            headers={"Content-Type": "application/json"})
        body = self.assert_json_error(r, 422)
        self.assertIsInstance(body["detail"], list)
        first = body["detail"][0]
        self.assertEqual(first["type"], "json_invalid")
        self.assertEqual(first["msg"], "JSON decode error")
        self.assertEqual(first["loc"][0], "body")

    def test_chunked_request_body_reaches_the_worker_whole(self):
        # nginx buffers the chunked body and passes it with its length: the worker
        # validates all of it (both problems reported), as for a Content-Length body.
        body = b'{"email": "chunked@example.com", "password": "short", "extra": 1}'
        conn = http.client.HTTPConnection("127.0.0.1", self.st.port, timeout=10)
        try:
            conn.putrequest("POST", "/users/")
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            half = len(body) // 2
            for part in (body[:half], body[half:]):
                conn.send(b"%x\r\n%s\r\n" % (len(part), part))
            conn.send(b"0\r\n\r\n")
            r = conn.getresponse()
            status, detail = r.status, json.loads(r.read())["detail"]
        finally:
            conn.close()
        self.assertEqual(status, 422)
        self.assertEqual(sorted(d["type"] for d in detail),
                         ["extra_forbidden", "string_too_short"])

    def test_malformed_request_is_400_json_from_nginx(self):
        with socket.create_connection(("127.0.0.1", self.st.port), timeout=10) as s:
            s.sendall(b"NOT A REQUEST\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 400"), data)
        self.assertIn(b"application/json", head)
        self.assertRegex(head.decode(), r"(?i)x-request-id: [0-9a-f]{32}")
        self.assertEqual(body, b'{"detail":"Bad Request"}')

    def test_too_long_uri_is_414_json_from_nginx(self):
        r = self.st.request("GET", "/" + "a" * 20000)
        self.assert_json_error(r, 414, "Request-URI Too Long")

    def test_keep_alive_session_serves_many_requests(self):
        with self.st.session() as s:
            for _ in range(50):
                r = s.request("GET", "/info")
                self.assertEqual(r.status, 200, r)

    def test_no_fastcgi_connection_stays_open_after_the_answer(self):
        # No upstream keep-alive (SPEC §3, §12): even while the client keeps its HTTP
        # connection, nginx holds no FastCGI connection to a worker between requests, so
        # no idle connection can pin a worker. (One that stayed would show until the
        # worker's FCGI_READ_TIMEOUT_MS, 5 s.)
        path = self.st.fcgi_listen[len("unix:"):]
        with self.st.session() as s:
            for _ in range(5):
                self.assertEqual(s.request("GET", "/info").status, 200)
            harness.wait_for(lambda: fastcgi_connections(path) == [], timeout=2,
                             what="every FastCGI connection closed")

    def test_concurrent_clients_are_not_starved_by_kept_alive_connections(self):
        # 2 workers and no upstream keep-alive (SPEC §3, §12): 8 clients at once, each on
        # its own kept-alive HTTP connection, queue for the workers and are all served well
        # within the timeout.
        failures = []

        def client():
            try:
                with self.st.session(timeout=10) as s:
                    for _ in range(10):
                        r = s.request("GET", "/info")
                        if r.status != 200:
                            failures.append(r)
            except Exception as e:  # noqa: BLE001 - reported below
                failures.append(e)

        threads = [threading.Thread(target=client) for _ in range(8)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(failures, [])
        self.assertLess(time.monotonic() - start, 20)


class StackOutageTest(ApiAssertions):
    """Workers down, a worker that does not answer, the database down (disturbs the stack,
    so each test restores it)."""

    @classmethod
    def setUpClass(cls):
        # A short read timeout turns a stuck worker into a 504 quickly.
        cls.st = harness.Stack(workers=2, name="stack-outage",
                               nginx_overrides={"fastcgi_read_timeout": "2s"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.st.close()

    def test_workers_down_is_502_json_from_nginx(self):
        status = self.st.stop_api()
        try:
            self.assertEqual(status, 0, "master exit status after SIGTERM")
            r = self.st.request("GET", "/info")
            self.assert_json_error(r, 502, "Bad Gateway")
        finally:
            self.st.start_api()
        self.assertEqual(self.st.request("GET", "/info").status, 200)

    def test_worker_not_answering_is_504_json_from_nginx(self):
        self.st.signal_workers(signal.SIGSTOP)
        try:
            r = self.st.request("GET", "/info", timeout=20)
            self.assert_json_error(r, 504, "Gateway Timeout")
        finally:
            self.st.signal_workers(signal.SIGCONT)
        self.st.wait_ready()

    def test_database_down_is_503_with_retry_after_then_recovers(self):
        pg = harness.postgres()
        pg.stop()
        try:
            r = self.st.request("GET", "/users/")
            self.assert_json_error(r, 503, "Service Unavailable")
            self.assertIn("retry-after", r.headers)
            # The process is alive even though the database is not.
            self.assertEqual(self.st.request("GET", "/healthz").status, 200)
            self.assertEqual(self.st.request("GET", "/readyz").status, 503)
        finally:
            pg.start()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            r = self.st.request("GET", "/users/")
            if r.status == 200:
                break
            time.sleep(0.2)
        self.assertEqual(r.status, 200, r)


if __name__ == "__main__":
    unittest.main()
