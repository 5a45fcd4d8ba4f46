"""test_api_queries.py — how many statements and round trips each request costs the database.

Method: the workers reach PostgreSQL through a small TCP proxy started by the test, which
reads the client side of the PostgreSQL wire protocol and counts, per message type, what the
workers send: 'E' (Execute: one prepared statement run), 'Q' (a simple query, e.g. BEGIN)
and 'S' / 'Q' (Sync / Query: each ends one round trip). The counts are exact, independent
of PostgreSQL's statistics collector, and fail the moment a list endpoint runs one query
per row (an N+1 would send 101 Executes for a page of 100 users).
"""

import socket
import struct
import threading
import unittest

import harness

# Untyped messages before the startup packet: SSLRequest, GSSENCRequest, CancelRequest.
_PRE_STARTUP_CODES = {80877103, 80877104, 80877102}
_PROTOCOL_3 = 196608


class WireCounter:
    """TCP proxy 127.0.0.1:port -> PostgreSQL that counts frontend messages by type."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.counts = {}
        self.lock = threading.Lock()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.closed = False
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def snapshot(self):
        with self.lock:
            return dict(self.counts)

    def delta(self, before):
        now = self.snapshot()
        return {k: now.get(k, 0) - before.get(k, 0) for k in set(now) | set(before)
                if now.get(k, 0) != before.get(k, 0)}

    def close(self):
        self.closed = True
        for s in [self.listener] + self.sockets:
            try:
                s.close()
            except OSError:
                pass

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, self._counter()),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    @staticmethod
    def _pump(src, dst, observe=None):
        """Forwards src to dst until either side closes, then shuts both down. observe(data),
        when given, sees each chunk just before it is forwarded (so a message is counted
        before the server can answer it, and before the HTTP answer that follows reaches
        the test); False from it stops the pump after that chunk."""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                keep = observe is None or observe(data)
                dst.sendall(data)
                if not keep:
                    return
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _counter(self):
        """The observer of one client connection: counts its frontend messages by type as
        they pass; False once the stream turns out not to be protocol 3."""
        buf = b""
        started = False

        def observe(data):
            nonlocal buf, started
            buf += data
            while True:
                if not started:
                    if len(buf) < 8:
                        return True
                    length, code = struct.unpack("!ii", buf[:8])
                    if len(buf) < length:
                        return True
                    buf = buf[length:]
                    if code == _PROTOCOL_3:
                        started = True
                    elif code not in _PRE_STARTUP_CODES:
                        return False
                    continue
                if len(buf) < 5:
                    return True
                kind = chr(buf[0])
                length = struct.unpack("!i", buf[1:5])[0]
                if len(buf) < 1 + length:
                    return True
                buf = buf[1 + length:]
                with self.lock:
                    self.counts[kind] = self.counts.get(kind, 0) + 1

        return observe


def statements(delta):
    return delta.get("E", 0) + delta.get("Q", 0)


def round_trips(delta):
    return delta.get("S", 0) + delta.get("Q", 0)


class QueryCountTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        pg = harness.postgres()
        url = pg.create_database()
        cls.db_name = url.rsplit("/", 1)[1]
        cls.direct_url = url
        cls.proxy = WireCounter(pg.port)
        proxied = pg.url(cls.db_name).replace(":%d/" % pg.port, ":%d/" % cls.proxy.port)
        # One worker, so every request goes through the one connection we watch.
        cls.st = harness.Stack(name="api_queries", workers=1,
                               env={"DATABASE_URL": proxied, "ITEMS_PER_USER": 50})
        try:
            cls.st.start()
            pg.psql(url, """
                INSERT INTO users (email, hashed_password)
                SELECT 'q' || g || '@example.com', 'x' FROM generate_series(1, 100) g;
                INSERT INTO items (title, owner_id)
                SELECT 'item ' || k, u.id FROM users u, generate_series(1, 3) k;
                """)
            cls.user_id = int(pg.psql(url, "SELECT min(id) FROM users").strip())
            cls.item_id = int(pg.psql(url, "SELECT min(id) FROM items").strip())
        except BaseException:
            cls.st.close(check=False)
            cls.proxy.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.st.close()
        cls.proxy.close()
        harness.postgres().drop_database(cls.db_name)

    def measure(self, method, path, json=None, status=200):
        # Warm up first, so that connecting and preparing are not counted.
        self.st.request("GET", "/readyz")
        before = self.proxy.snapshot()
        r = self.st.request(method, path, json=json)
        self.assertEqual(r.status, status, r)
        delta = self.proxy.delta(before)
        print("  %s %s -> %d statements, %d round trips %s" % (
            method, path, statements(delta), round_trips(delta), sorted(delta.items())))
        return delta, r

    def test_list_users_runs_a_fixed_number_of_queries(self):
        one, r1 = self.measure("GET", "/users/?limit=1")
        hundred, r100 = self.measure("GET", "/users/?limit=100")
        self.assertEqual(len(r100.json()), 100)
        self.assertTrue(all(len(u["items"]) >= 3 for u in r100.json()))
        self.assertEqual(statements(hundred), statements(one), "statements grow with the page")
        self.assertEqual(round_trips(hundred), round_trips(one))
        self.assertEqual(statements(hundred), 1)

    def test_list_items_runs_a_fixed_number_of_queries(self):
        one, _ = self.measure("GET", "/items/?limit=1")
        hundred, r = self.measure("GET", "/items/?limit=100")
        self.assertEqual(len(r.json()), 100)
        self.assertEqual(statements(hundred), statements(one))
        self.assertEqual(statements(hundred), 1)

    def test_simple_requests_take_one_round_trip(self):
        for method, path, body in (("GET", "/users/%d" % self.user_id, None),
                                   ("GET", "/items/%d" % self.item_id, None),
                                   ("PATCH", "/items/%d" % self.item_id, {"title": "renamed"}),
                                   ("PATCH", "/users/%d" % self.user_id, {"is_active": True}),
                                   ("GET", "/readyz", None)):
            with self.subTest(path=path, method=method):
                delta, _ = self.measure(method, path, json=body)
                self.assertEqual(round_trips(delta), 1, delta)
                self.assertEqual(statements(delta), 1, delta)

    def test_not_found_takes_one_round_trip(self):
        delta, _ = self.measure("GET", "/users/999999", status=404)
        self.assertEqual(round_trips(delta), 1, delta)

    def test_meta_endpoints_do_not_touch_the_database(self):
        for path in ("/healthz", "/info"):
            with self.subTest(path=path):
                delta, _ = self.measure("GET", path)
                self.assertEqual(delta, {})

    def test_validation_errors_do_not_touch_the_database(self):
        delta, _ = self.measure("GET", "/users/?limit=0", status=422)
        self.assertEqual(delta, {})

    def test_create_item_is_one_transaction_in_one_round_trip(self):
        # BEGIN, lock the owner, insert under the limit, COMMIT: four statements, one
        # pipeline, one Sync (issue 15, lever 3).
        for owner, status in ((self.user_id + 1, 201), (10 ** 12, 404)):
            delta, _ = self.measure("POST", "/users/%d/items/" % owner,
                                    json={"title": "counted"}, status=status)
            self.assertEqual(statements(delta), 4, delta)
            self.assertEqual(round_trips(delta), 1, delta)

    def test_create_user_and_delete_are_one_round_trip(self):
        delta, r = self.measure("POST", "/users/", json={"email": "rt@example.com",
                                                         "password": "x" * 8}, status=201)
        self.assertEqual(round_trips(delta), 1, delta)
        delta, _ = self.measure("DELETE", r.headers["location"], status=204)
        self.assertEqual(round_trips(delta), 1, delta)


if __name__ == "__main__":
    unittest.main()
