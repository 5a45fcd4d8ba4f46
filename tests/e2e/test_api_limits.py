"""test_api_limits.py — the worker's own limits under hostile traffic (SPEC §12), through
the real nginx and workers: bounded 422 answers and worker memory, the 64 KiB body limit,
FastCGI peers that connect and say nothing or dribble, the TCP peer allowlist, and the
cap on concurrent password hashing. Loops are bounded; everything stays on 127.0.0.0/8."""

import os
import re
import socket
import struct
import threading
import time
import unittest

import harness


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def fcgi_connect(listen):
    """A raw connection to the workers' FastCGI address (unix:/path or host:port)."""
    if listen.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(listen[5:])
    else:
        host, port = listen.rsplit(":", 1)
        s = socket.create_connection((host, int(port)))
    return s


def closed_by_peer(sock, timeout):
    """True when the peer closes (EOF or reset) within timeout seconds."""
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


class BoundedAnswersTest(unittest.TestCase):
    """Worst-case bodies: bounded answers and a worker that gives its memory back."""

    @classmethod
    def setUpClass(cls):
        # One worker, so every request lands on the process whose memory is measured.
        cls.st = harness.Stack(name="limits_bounded", workers=1).start()
        r = cls.st.request("POST", "/users/", json={"email": "limits@example.com",
                                                    "password": "limits-pw"})
        assert r.status == 201, r
        cls.path = "/users/%d/items/" % r.json()["id"]

    @classmethod
    def tearDownClass(cls):
        cls.st.close()

    def worst_bodies(self):
        """Bodies just under 64 KiB built to maximise the answer and the parse tree."""
        limit = 65536
        yield b"{" + b",".join(b'"k%05d":[]' % i for i in range(5000))[:limit - 200] + b"}"
        many = {}
        for i in range(60):  # 60 members, each a long key and a long value of escapes
            many["%02d" % i + "\x01" * 85] = "\x02" * 85
        body = harness.jsonlib.dumps(many).encode()
        self.assertLess(len(body), limit)
        yield body
        yield b'{"title": "' + b"\\u0001" * 10900 + b'"}'
        yield b"[" + b"[1]," * 16000 + b"1]"

    def test_the_largest_422_stays_within_16_kib(self):
        largest = 0
        for body in self.worst_bodies():
            r = self.st.request("POST", self.path, body=body,
                                headers={"Content-Type": "application/json"})
            self.assertEqual(r.status, 422, r)
            self.assertLessEqual(len(r.json()["detail"]), 20)
            largest = max(largest, len(r.body))
        self.assertLessEqual(largest, 16384)

    @unittest.skipIf(harness.SLOW, "AddressSanitizer's allocator keeps freed memory in "
                     "quarantine: RSS is measured on the release build")
    def test_worker_rss_returns_after_a_burst_of_worst_case_bodies(self):
        pid = self.st.worker_pids()[0]
        bodies = list(self.worst_bodies())
        for _ in range(3):  # warm up: libraries, caches, the first large buffers
            for body in bodies:
                self.st.request("POST", self.path, body=body,
                                headers={"Content-Type": "application/json"})
        before = rss_kib(pid)
        for _ in range(25):
            for body in bodies:
                r = self.st.request("POST", self.path, body=body,
                                    headers={"Content-Type": "application/json"})
                self.assertEqual(r.status, 422, r)
        after = rss_kib(pid)
        self.assertEqual(self.st.worker_pids(), [pid])
        self.assertLessEqual(after - before, 1024, "RSS %d -> %d KiB" % (before, after))

    def test_a_body_over_64_kib_is_413_from_nginx_and_worker(self):
        body = b'{"title": "' + b"x" * 70000 + b'"}'
        r = self.st.request("POST", self.path, body=body,
                            headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 413, r)
        self.assertEqual(r.json(), {"detail": "Request Entity Too Large"})


class IdlePeersTest(unittest.TestCase):
    """Connections to the FastCGI socket that say nothing, or too slowly, hold no worker."""

    def test_idle_connections_do_not_starve_requests(self):
        with harness.Stack(name="limits_idle", workers=2,
                           env={"FCGI_READ_TIMEOUT_MS": "3000"}) as st:
            idle = [fcgi_connect(st.fcgi_listen) for _ in range(16)]
            try:
                t0 = time.monotonic()
                for _ in range(20):
                    r = st.request("GET", "/healthz", timeout=5)
                    self.assertEqual(r.status, 200, r)
                    r = st.request("GET", "/info", timeout=5)
                    self.assertEqual(r.status, 200, r)
                # Served at once, not after the idle peers timed out.
                self.assertLess(time.monotonic() - t0, 2.5)
                # ... and the idle peers are dropped after FCGI_READ_TIMEOUT_MS.
                still_open = [i for i, s in enumerate(idle) if not closed_by_peer(s, 6)]
                self.assertEqual(still_open, [], st.log_text()[-3000:])
            finally:
                for s in idle:
                    s.close()

    def test_a_dribbling_peer_is_dropped_after_the_read_timeout(self):
        with harness.Stack(name="limits_dribble", workers=1,
                           env={"FCGI_READ_TIMEOUT_MS": "1500"}) as st:
            s = fcgi_connect(st.fcgi_listen)
            try:
                # FCGI_BEGIN_REQUEST for request 1, responder, then params a byte at a time.
                s.sendall(struct.pack(">BBHHBB", 1, 1, 1, 8, 0, 0) + b"\x00\x01" + b"\x00" * 6)
                params_header = struct.pack(">BBHHBB", 1, 4, 1, 200, 0, 0)
                t0 = time.monotonic()
                dropped = False
                for b in params_header + b"\x0b\x03REQUEST_URI" * 20:
                    try:
                        s.sendall(bytes([b]))
                    except (BrokenPipeError, ConnectionResetError):
                        dropped = True
                        break
                    if closed_by_peer(s, 0.3):
                        dropped = True
                        break
                    if time.monotonic() - t0 > 15:
                        break
                self.assertTrue(dropped, "the dribbling peer was never dropped")
                took = time.monotonic() - t0
                self.assertGreater(took, 1.0)
                self.assertLess(took, 8.0)
                # The one worker is free again.
                self.assertEqual(st.request("GET", "/healthz", timeout=5).status, 200)
            finally:
                s.close()


class TcpAllowlistTest(unittest.TestCase):
    def test_tcp_peers_outside_the_allowlist_are_refused(self):
        with harness.Stack(name="limits_allow", workers=1, listen="tcp",
                           env={"FCGI_WEB_SERVER_ADDRS": "127.0.0.1"}) as st:
            host, port = st.fcgi_listen.rsplit(":", 1)
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind(("127.0.0.2", 0))  # another loopback address: not on the list
                s.connect((host, int(port)))
                self.assertTrue(closed_by_peer(s, 5))
            finally:
                s.close()
            harness.wait_for(lambda: "event=fcgi_peer_refused peer=127.0.0.2" in st.log_text(),
                             timeout=5, what="refusal logged")
            # nginx, from 127.0.0.1, is served.
            self.assertEqual(st.request("GET", "/healthz").status, 200)


class PasswordHashingCapTest(unittest.TestCase):
    def test_signups_beyond_the_hashing_cap_get_503_and_reads_keep_flowing(self):
        with harness.Stack(name="limits_hash", workers=4,
                           env={"PASSWORD_HASH_CONCURRENCY": "1"}) as st:
            results, worst_health = [], [0.0]
            stop = time.monotonic() + 4

            def signup(n):
                i = 0
                while time.monotonic() < stop:
                    i += 1
                    r = st.request("POST", "/users/", json={
                        "email": "cap%d-%d@example.com" % (n, i), "password": "pw-%08d" % i})
                    results.append((r.status, r.headers.get("retry-after")))

            def health():
                while time.monotonic() < stop:
                    t0 = time.monotonic()
                    self.assertEqual(st.request("GET", "/healthz").status, 200)
                    worst_health[0] = max(worst_health[0], time.monotonic() - t0)
                    time.sleep(0.05)

            threads = [threading.Thread(target=signup, args=(n,)) for n in range(6)]
            threads.append(threading.Thread(target=health))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            statuses = {s for s, _ in results}
            self.assertLessEqual(statuses, {201, 503}, results)
            self.assertIn(201, statuses)
            self.assertIn(503, statuses)
            self.assertTrue(all(ra for s, ra in results if s == 503), results)
            r = [x for x in results if x[0] == 503]
            self.assertTrue(r)
            self.assertLess(worst_health[0], 1.0)


if __name__ == "__main__":
    unittest.main()
