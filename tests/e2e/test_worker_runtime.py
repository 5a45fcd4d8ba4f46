"""test_worker_runtime.py — the api-worker runtime: master, workers, signals, database link.

Owns the end-to-end checks of SPEC §3: supervision (a killed worker is replaced, a crash
loop is throttled), graceful stop, rolling reload on SIGHUP, recycling after MAX_REQUESTS,
the database outage behaviour of a worker, settings errors before any socket is opened,
sd_notify, the unix socket, and the FastCGI transport itself (spoken directly, without
nginx, to reach what nginx never sends).

Fault hooks used here (read by the worker at start, documented in worker_loop.h):
  API_WORKER_FAULT=crash-at-start      every worker aborts during start-up
  API_WORKER_FAULT=slow-request:MS     every request sleeps MS ms before dispatch
"""

import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest

import harness
from harness import wait_for

WAIT = harness.START_TIMEOUT
# A database nobody listens on: workers start and report ready without one.
NO_DATABASE = "postgresql://app:secret@127.0.0.1:1/none"


def alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def stop_delays(log):
    """Seconds from each event=worker_stop to that worker's event=worker_exited."""
    def ts(line):
        t = re.search(r"ts=\S+T(\d+):(\d+):([\d.]+)Z", line).groups()
        return int(t[0]) * 3600 + int(t[1]) * 60 + float(t[2])

    stops, delays = {}, []
    for line in log.splitlines():
        m = re.search(r"event=worker_(stop|exited) pid=(\d+)", line)
        if m and m.group(1) == "stop":
            stops[m.group(2)] = ts(line)
        elif m and m.group(2) in stops:
            delays.append(ts(line) - stops.pop(m.group(2)))
    return delays


def count_events(log, event):
    return len(re.findall(r"\bevent=%s\b" % re.escape(event), log))


class DirectWorker:
    """api-worker started on its own (no nginx), for start-up, signal and sd_notify tests."""

    def __init__(self, env=None, workers=2, env_file=None, listen=None):
        self.tmp = tempfile.mkdtemp(prefix="awesome-api-runtime-")
        self.port = harness.free_port()
        self.listen = listen or "127.0.0.1:%d" % self.port
        self.log_path = os.path.join(self.tmp, "api-worker.log")
        self.env = harness.base_env()
        self.env.update({"ENV_FILE": str(env_file or harness.ENV_FILE),
                         "DATABASE_URL": NO_DATABASE, "LISTEN": self.listen,
                         "WORKERS": str(workers), "LOG_LEVEL": "info"})
        for k, v in (env or {}).items():
            if v is None:
                self.env.pop(k, None)
            else:
                self.env[k] = str(v)
        self.proc = None

    def start(self, wrapper=(), pass_fds=(), exe=None):
        """Starts the master (through `wrapper` argv, e.g. a shell, when given); exe
        defaults to harness.api_worker_exe (the test build only when a fault is set)."""
        argv = list(wrapper) + [str(exe or harness.api_worker_exe(self.env))]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, env=self.env, cwd=str(harness.ROOT),
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         start_new_session=True, pass_fds=pass_fds)
        return self

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_events(self, event, count, timeout=WAIT):
        """Waits until the log holds `count` lines with event=`event`."""
        deadline = time.monotonic() + timeout
        while count_events(self.log_text(), event) < count:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("no %d x event=%s (exit status %s), log:\n%s" % (
                    count, event, self.proc.poll(), self.log_text()[-3000:]))
            time.sleep(0.05)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        return harness.terminate(self.proc, sig, timeout)

    def close(self):
        self.stop(signal.SIGKILL, 5)
        report = harness.sanitizer_report(self.log_text())
        shutil.rmtree(self.tmp, ignore_errors=True)
        if report:
            raise harness.SanitizerError(report)


def hammer(st, seconds, threads=4, calls=(("GET", "/healthz", 200), ("GET", "/info", 200))):
    """Makes requests from several keep-alive client threads for `seconds`, cycling
    through calls (method, path, expected status). Returns the threads (to join), the
    list of calls that got something else, and a one-element list counting requests."""
    failures, counter = [], [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(k):
        i = 0
        with st.session() as s:
            while time.monotonic() < stop_at:
                method, path, expected = calls[(i + k) % len(calls)]
                i += 1
                try:
                    body = {"x": 1} if method == "POST" else None
                    status = s.request(method, path, json=body).status
                except Exception as e:  # noqa: BLE001 - record, the test asserts
                    status = repr(e)
                with lock:
                    counter[0] += 1
                    if status != expected:
                        failures.append((method, path, status))

    ts = [threading.Thread(target=client, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    return ts, failures, counter


# --------------------------------------------------------------------------------------------
# A minimal FastCGI client: talks to the worker directly, as nginx would.

FCGI_BEGIN, FCGI_END, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT = 1, 3, 4, 5, 6


def _record(rtype, content, req_id=1):
    return struct.pack(">BBHHBB", 1, rtype, req_id, len(content), 0, 0) + content


def _pair(name, value):
    out = b""
    for part in (name, value):
        n = len(part)
        out += bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return out + name + value


def fcgi_send(sock, params, body=b"", keep_conn=True, req_id=1):
    """Sends one request; returns (status, headers dict, body bytes) of the response."""
    data = _record(FCGI_BEGIN, struct.pack(">HB5x", 1, 1 if keep_conn else 0), req_id)
    encoded = b"".join(_pair(k.encode(), v.encode()) for k, v in params.items())
    data += _record(FCGI_PARAMS, encoded, req_id) + _record(FCGI_PARAMS, b"", req_id)
    for i in range(0, len(body), 32768):
        data += _record(FCGI_STDIN, body[i:i + 32768], req_id)
    data += _record(FCGI_STDIN, b"", req_id)
    sock.sendall(data)
    out = b""
    buf = b""
    while True:
        while len(buf) < 8:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("worker closed the connection")
            buf += chunk
        _, rtype, _, clen, plen, _ = struct.unpack(">BBHHBB", buf[:8])
        while len(buf) < 8 + clen + plen:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("worker closed the connection")
            buf += chunk
        content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
        if rtype == FCGI_STDOUT:
            out += content
        elif rtype == FCGI_END:
            break
    head, _, resp_body = out.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode().split("\r\n"):
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(headers.get("status", "200").split()[0]), headers, resp_body


def params_for(method, path, **extra):
    p = {"REQUEST_METHOD": method, "DOCUMENT_URI": path, "SCRIPT_NAME": path,
         "REQUEST_URI": path, "QUERY_STRING": "", "CONTENT_TYPE": "", "CONTENT_LENGTH": ""}
    p.update(extra)
    return p


# --------------------------------------------------------------------------------------------


class SupervisionTest(unittest.TestCase):
    def test_worker_killed_with_sigkill_is_replaced_and_requests_succeed(self):
        with harness.Stack(workers=2, name="runtime-kill") as st:
            before = st.worker_pids()
            self.assertEqual(len(before), 2)
            os.kill(before[0], signal.SIGKILL)
            after = wait_for(lambda: (lambda p: p if len(p) == 2 and before[0] not in p
                                      else None)(st.worker_pids()), what="a replacement")
            self.assertIn(before[1], after)
            self.assertIsNotNone(st.master_pid, "master died")
            for _ in range(20):
                r = st.request("GET", "/healthz")
                self.assertEqual(r.status, 200, r)
            log = st.log_text()
            self.assertRegex(log, r"event=worker_exited pid=%d .*signal=KILL" % before[0])
            self.assertEqual(count_events(log, "worker_started"), 3, log)

    def test_crash_at_start_is_throttled_not_a_fork_bomb(self):
        w = DirectWorker(env={"API_WORKER_FAULT": "crash-at-start"}, workers=2).start()
        try:
            time.sleep(3.0)
            self.assertIsNone(w.proc.poll(), "master must survive its workers' crashes")
            log = w.log_text()
            started = count_events(log, "worker_started")
            exited = count_events(log, "worker_exited")
            # Back-off 0.5 s doubling per slot: about 3 forks per slot in 3 s.
            self.assertGreaterEqual(started, 4, log)
            self.assertLessEqual(started, 10, log)
            self.assertGreaterEqual(exited, started - 2, log)
            self.assertIn("reason=failed_start", log)
            self.assertIn("signal=ABRT", log)
            # A master waiting in back-off still stops at once, cleanly.
            t0 = time.monotonic()
            self.assertEqual(w.stop(signal.SIGTERM), 0, w.log_text())
            self.assertLess(time.monotonic() - t0, 5)
        finally:
            w.close()

    def test_release_binary_has_no_fault_hooks(self):
        # The same fault that makes the test build abort does nothing to the release build.
        w = DirectWorker(env={"API_WORKER_FAULT": "crash-at-start"}, workers=2)
        w.start(exe=harness.BUILD_DIR / "api-worker")
        try:
            w.wait_events("worker_ready", 2)
            self.assertNotIn("fault", w.log_text())
            self.assertEqual(w.stop(signal.SIGTERM), 0, w.log_text())
        finally:
            w.close()

    def test_sigterm_lets_in_flight_requests_finish_and_master_exits_0(self):
        # Every request sleeps 1 s in the worker; 4 workers, 4 concurrent requests: each
        # worker holds one when SIGTERM arrives.
        with harness.Stack(workers=4, env={"API_WORKER_FAULT": "slow-request:1000"},
                           name="runtime-sigterm") as st:
            results = []
            lock = threading.Lock()

            def one():
                try:
                    r = st.request("GET", "/info", timeout=30)
                    status = r.status
                except Exception as e:  # noqa: BLE001
                    status = repr(e)
                with lock:
                    results.append(status)

            threads = [threading.Thread(target=one) for _ in range(4)]
            for t in threads:
                t.start()
            time.sleep(0.4)
            t0 = time.monotonic()
            status = st.stop_api(signal.SIGTERM, timeout=20)
            took = time.monotonic() - t0
            for t in threads:
                t.join(30)
            self.assertEqual(results, [200] * 4, st.log_text()[-3000:])
            self.assertEqual(status, 0, st.log_text()[-3000:])
            self.assertGreater(took, 0.3, "the master should have waited for the requests")
            self.assertLess(took, 9, "no worker should have needed SIGKILL")
            log = st.log_text()
            self.assertIn("event=stopping signal=TERM", log)
            self.assertIn("event=master_stopped", log)
            self.assertNotIn("event=worker_kill", log)


class ReloadAndRecycleTest(unittest.TestCase):
    def test_sighup_under_load_replaces_every_worker_without_a_failed_request(self):
        with harness.Stack(workers=3, name="runtime-sighup") as st:
            before = set(st.worker_pids())
            # POST included: nginx cannot retry it on another connection, so it fails
            # if a stopping worker closes a kept-alive connection under it.
            threads, failures, count = hammer(st, 3.0, threads=4, calls=(
                ("GET", "/healthz", 200), ("GET", "/info", 200), ("GET", "/users/", 200),
                ("POST", "/no-such-route", 404)))
            time.sleep(0.8)
            os.kill(st.master_pid, signal.SIGHUP)
            for t in threads:
                t.join(30)
            wait_for(lambda: "event=ready workers=3 gen=1" in st.log_text(),
                     what="reload to complete")
            after = wait_for(lambda: (lambda p: p if len(p) == 3 else None)(
                set(st.worker_pids())), what="3 workers after the reload")
            self.assertEqual(failures, [], "failed requests during the reload")
            self.assertGreater(count[0], 50)
            self.assertEqual(before & after, set(), "every worker should be new")
            log = st.log_text()
            self.assertIn("event=reload_started", log)
            self.assertEqual(count_events(log, "worker_stop"), 3, log)
            self.assertNotIn("reason=failed_start", log)
            self.assertNotIn("reason=died", log)

    def test_sighup_with_bad_settings_keeps_workers_and_logs_every_problem(self):
        tmp = tempfile.mkdtemp(prefix="awesome-api-envfile-")
        env_file = os.path.join(tmp, "reload.env")
        with open(env_file, "w") as f:
            f.write("ADMIN_EMAIL=admin@example.com\nAPP_NAME=Before Reload\n")
        try:
            with harness.Stack(workers=2, env={"ENV_FILE": env_file},
                               name="runtime-badreload") as st:
                self.assertEqual(st.request("GET", "/info").json()["app_name"], "Before Reload")
                before = st.worker_pids()
                with open(env_file, "w") as f:
                    f.write("ITEMS_PER_USER=fifty\nAPP_NAME=Broken\n")
                os.kill(st.master_pid, signal.SIGHUP)
                wait_for(lambda: "kept=previous_settings" in st.log_text(),
                         what="the failed reload")
                log = st.log_text()
                self.assertRegex(log, r"event=reload_failed problem=.*ADMIN_EMAIL")
                self.assertRegex(log, r"event=reload_failed problem=.*ITEMS_PER_USER")
                self.assertEqual(st.worker_pids(), before)
                self.assertEqual(st.request("GET", "/info").json()["app_name"], "Before Reload")

                # A good file again: the new settings reach new workers.
                with open(env_file, "w") as f:
                    f.write("ADMIN_EMAIL=admin@example.com\nAPP_NAME=After Reload\n")
                os.kill(st.master_pid, signal.SIGHUP)
                wait_for(lambda: "event=ready workers=2 gen=1" in st.log_text(),
                         what="the reload")
                wait_for(lambda: not set(before) & set(st.worker_pids()),
                         what="old workers gone")
                self.assertEqual(st.request("GET", "/info").json()["app_name"], "After Reload")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_max_requests_recycles_workers_without_a_failed_request(self):
        with harness.Stack(workers=2, env={"MAX_REQUESTS": "5"}, name="runtime-recycle") as st:
            before = set(st.worker_pids())
            statuses = []
            lock = threading.Lock()

            def client():
                with st.session() as s:
                    for _ in range(10):
                        r = s.request("GET", "/healthz")
                        with lock:
                            statuses.append(r.status)

            threads = [threading.Thread(target=client) for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            self.assertEqual(statuses, [200] * 30)
            after = wait_for(lambda: (lambda p: p if len(p) == 2 and p != before else None)(
                set(st.worker_pids())), what="recycled workers")
            self.assertNotEqual(after, before)
            log = st.log_text()
            self.assertGreaterEqual(count_events(log, "worker_recycle"), 2, log)
            self.assertIn("reason=recycled", log)
            self.assertNotIn("reason=failed_start", log)
            self.assertNotIn("reason=died", log)


    def test_recycling_under_write_load_on_a_unix_socket_fails_no_request(self):
        # Many stops of workers holding nginx's kept-alive connection, with POSTs that
        # nginx could not retry elsewhere: each stopping worker must hand its connection
        # back cleanly (see fcgi_io_last_response). One client, so nginx reuses the same
        # upstream connection for every request and never lets it go idle.
        with harness.Stack(workers=2, listen="unix", env={"MAX_REQUESTS": "25"},
                           name="runtime-recycle-unix") as st:
            threads, failures, count = hammer(st, 3.0, threads=1, calls=(
                ("POST", "/no-such-route", 404), ("GET", "/healthz", 200)))
            for t in threads:
                t.join(30)
            self.assertEqual(failures, [])
            log = st.log_text()
            self.assertGreaterEqual(count_events(log, "worker_recycle"), 10, log[-2000:])
            self.assertNotIn("reason=failed_start", log)
            self.assertNotIn("reason=died", log)
            self.assertGreater(count[0], 100)
            # ... and promptly: a stopping worker serves at most one more request on its
            # connection, it does not drain it for as long as nginx keeps it busy.
            delays = stop_delays(log)
            self.assertGreaterEqual(len(delays), 10)
            self.assertLess(max(delays), 1.5, delays)


class DatabaseOutageTest(unittest.TestCase):
    def test_database_down_gives_503_and_workers_recover_without_restart(self):
        pg = harness.postgres()
        with harness.Stack(workers=2, name="runtime-pgdown") as st:
            r = st.request("POST", "/users/", json={"email": "outage@example.com",
                                                    "password": "long enough"})
            self.assertEqual(r.status, 201, r)
            user = "/users/%d" % r.json()["id"]
            pids = st.worker_pids()
            pg.stop()
            try:
                self.assertEqual(st.request("GET", "/healthz").status, 200)
                for path in ("/readyz", user, "/users/"):
                    t0 = time.monotonic()
                    r = st.request("GET", path)
                    self.assertEqual(r.status, 503, (path, r))
                    self.assertEqual(r.json(), {"detail": "Service Unavailable"})
                    self.assertIn("retry-after", r.headers)
                    self.assertLess(time.monotonic() - t0, 2, "a 503 should be quick")
                self.assertEqual(st.worker_pids(), pids)
            finally:
                pg.start()
            wait_for(lambda: all(st.request("GET", p).status == 200
                                 for p in ("/readyz", user, "/users/", "/readyz", user)),
                     timeout=20, interval=0.25, what="recovery after PostgreSQL restart")
            self.assertEqual(st.worker_pids(), pids, "workers must not be restarted")

    def test_first_request_after_an_idle_restart_succeeds(self):
        pg = harness.postgres()
        with harness.Stack(workers=2, name="runtime-pgrestart") as st:
            r = st.request("POST", "/users/", json={"email": "idle@example.com",
                                                    "password": "long enough"})
            self.assertEqual(r.status, 201, r)
            user = "/users/%d" % r.json()["id"]
            for _ in range(4):  # both workers hold a prepared connection
                self.assertEqual(st.request("GET", user).status, 200)
            pg.stop()
            pg.start()
            # Two at a time, so that both workers serve (nginx opens a second connection).
            for _ in range(3):
                results = []
                threads = [threading.Thread(target=lambda: results.append(
                    st.request("GET", user).status)) for _ in range(2)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(30)
                self.assertEqual(results, [200, 200], st.log_text()[-2000:])
            self.assertIn("event=db_connection_lost why=closed_by_server", st.log_text())


class SettingsErrorTest(unittest.TestCase):
    def _bad_env(self, tmp, listen):
        env_file = os.path.join(tmp, "bad.env")
        with open(env_file, "w") as f:
            f.write("# ADMIN_EMAIL missing on purpose\nAPP_NAME=Broken\n")
        env = harness.base_env()
        env.update({"ENV_FILE": env_file, "ITEMS_PER_USER": "fifty",
                    "DATABASE_URL": NO_DATABASE, "LISTEN": listen})
        return env

    def _assert_both_problems(self, r):
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 78, out)
        self.assertIn("ADMIN_EMAIL", out)
        self.assertIn("ITEMS_PER_USER", out)
        self.assertIn("fifty", out)
        self.assertIn("2 problems", out)

    def test_bad_settings_exit_78_naming_every_problem_before_any_socket(self):
        with tempfile.TemporaryDirectory() as tmp:
            # TCP: the port is held by us; a bind attempt would fail differently.
            holder = socket.socket()
            holder.bind(("127.0.0.1", 0))
            holder.listen(1)
            port = holder.getsockname()[1]
            try:
                r = subprocess.run([str(harness.BUILD_DIR / "api-worker")],
                                   env=self._bad_env(tmp, "127.0.0.1:%d" % port),
                                   capture_output=True, text=True, timeout=30)
            finally:
                holder.close()
            self._assert_both_problems(r)
            self.assertNotIn("listen_failed", r.stderr)
            self.assertNotIn("master_started", r.stderr)
            # unix: no socket file appears.
            sock = os.path.join(tmp, "fcgi.sock")
            r = subprocess.run([str(harness.BUILD_DIR / "api-worker")],
                               env=self._bad_env(tmp, "unix:" + sock),
                               capture_output=True, text=True, timeout=30)
            self._assert_both_problems(r)
            self.assertFalse(os.path.exists(sock))
            self.assertIsNone(harness.sanitizer_report(r.stderr))

    def test_dbtool_exits_78_on_the_same_bad_settings(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = self._bad_env(tmp, "127.0.0.1:9")
            r = harness.dbtool(["current"], env={k: env[k] for k in
                                                 ("ENV_FILE", "ITEMS_PER_USER", "DATABASE_URL")})
            self._assert_both_problems(r)


class CommandLineTest(unittest.TestCase):
    def run_worker(self, *args, env=None):
        full = harness.base_env()
        full.update({"ENV_FILE": str(harness.ENV_FILE), "DATABASE_URL": NO_DATABASE})
        full.update(env or {})
        return subprocess.run([str(harness.BUILD_DIR / "api-worker")] + list(args), env=full,
                              capture_output=True, text=True, timeout=30)

    def test_version_and_help(self):
        r = self.run_worker("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^api-worker \S+\n$")
        r = self.run_worker("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--print-config", r.stdout)
        self.assertIn("MAX_REQUESTS", r.stdout)
        r = self.run_worker("--bogus")
        self.assertEqual(r.returncode, 64)
        self.assertIn("unknown argument", r.stderr)

    def test_print_config_applies_flags_and_masks_the_password(self):
        r = self.run_worker("--print-config", "--workers", "3", "--listen=unix:/tmp/x.sock")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"WORKERS\W+3\b")
        self.assertIn("unix:/tmp/x.sock", r.stdout)
        self.assertNotIn("secret", r.stdout + r.stderr)
        r = self.run_worker("--print-config", "--workers", "zero")
        self.assertEqual(r.returncode, 78)
        self.assertIn("WORKERS", r.stderr)


class SocketActivationTest(unittest.TestCase):
    def test_systemd_socket_is_used_and_listen_ignored(self):
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(16)
        port = lsock.getsockname()[1]
        fd = lsock.fileno()
        w = DirectWorker(workers=1)
        unused = os.path.join(w.tmp, "never-created.sock")
        w.env["LISTEN"] = "unix:" + unused
        # As systemd does: the socket on fd 3, LISTEN_FDS=1, LISTEN_PID = the service's pid.
        move = "exec 3<&%d %d<&-; " % (fd, fd) if fd != 3 else ""
        shell = ["bash", "-c", move + 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"', "bash"]
        w.start(wrapper=shell, pass_fds=(fd,))
        lsock.close()
        try:
            w.wait_events("worker_ready", 1)
            self.assertIn("socket=systemd", w.log_text())
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                status, _, body = fcgi_send(s, params_for("GET", "/healthz"))
            self.assertEqual((status, body), (200, b'{"status":"ok"}'))
            self.assertFalse(os.path.exists(unused))
            self.assertEqual(w.stop(signal.SIGTERM), 0, w.log_text())
        finally:
            w.close()


class NotifyTest(unittest.TestCase):
    def test_sd_notify_ready_after_workers_reloading_and_stopping(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "notify.sock")
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(path)
            sock.settimeout(WAIT)
            w = DirectWorker(env={"NOTIFY_SOCKET": path}, workers=2).start()
            try:
                def next_message():
                    return sock.recv(4096).decode()

                msgs = []
                while not any("READY=1" in m for m in msgs):
                    msgs.append(next_message())
                self.assertEqual(count_events(w.log_text(), "worker_ready"), 2, w.log_text())
                self.assertIn("STATUS=2 workers ready", msgs[-1])

                os.kill(w.proc.pid, signal.SIGHUP)
                m = next_message()
                self.assertIn("RELOADING=1", m)
                self.assertIn("MONOTONIC_USEC=", m)
                while "READY=1" not in m:
                    m = next_message()
                self.assertEqual(count_events(w.log_text(), "worker_ready"), 4)

                w.proc.send_signal(signal.SIGTERM)
                m = next_message()
                self.assertIn("STOPPING=1", m)
                self.assertEqual(w.proc.wait(20), 0)
            finally:
                sock.close()
                w.close()


class TransportTest(unittest.TestCase):
    """The worker's FastCGI side, spoken to directly (nginx never sends these)."""

    @classmethod
    def setUpClass(cls):
        cls.w = DirectWorker(env={"MAX_BODY_BYTES": "100"}, workers=1).start()
        cls.w.wait_events("worker_ready", 1)

    @classmethod
    def tearDownClass(cls):
        cls.w.close()

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.w.port), timeout=10)

    def test_invalid_content_length_is_400(self):
        with self.connect() as s:
            for bad in ("abc", "-1", "1e3", " 5", "99999999999999999999"):
                status, headers, body = fcgi_send(
                    s, params_for("POST", "/users/", CONTENT_LENGTH=bad,
                                  CONTENT_TYPE="application/json"), b"{}")
                self.assertEqual(status, 400, bad)
                self.assertEqual(body, b'{"detail":"Invalid Content-Length"}')
            # the kept-alive connection is still in step
            status, _, _ = fcgi_send(s, params_for("GET", "/healthz"))
            self.assertEqual(status, 200)

    def test_body_over_max_body_bytes_is_413_and_read_to_its_end(self):
        with self.connect() as s:
            body = b'{"email":"' + b"a" * 5000 + b'"}'
            status, _, resp = fcgi_send(s, params_for("POST", "/users/",
                                                      CONTENT_LENGTH=str(len(body)),
                                                      CONTENT_TYPE="application/json"), body)
            self.assertEqual(status, 413)
            self.assertEqual(resp, b'{"detail":"Request Entity Too Large"}')
            status, _, _ = fcgi_send(s, params_for("GET", "/healthz"))
            self.assertEqual(status, 200)

    def test_body_shorter_than_content_length_is_400(self):
        with self.connect() as s:
            status, _, resp = fcgi_send(s, params_for("POST", "/users/", CONTENT_LENGTH="50",
                                                      CONTENT_TYPE="application/json"), b"{}")
            self.assertEqual(status, 400)
            self.assertEqual(resp, b'{"detail":"Incomplete request body"}')

    def test_request_id_is_taken_from_nginx_or_generated_when_unusable(self):
        with self.connect() as s:
            _, h, _ = fcgi_send(s, params_for("GET", "/healthz", REQUEST_ID="abc123"))
            self.assertEqual(h["x-request-id"], "abc123")
            _, h, _ = fcgi_send(s, params_for("GET", "/healthz", REQUEST_ID="bad id\r\nX: y"))
            self.assertRegex(h["x-request-id"], r"^[0-9a-f]{32}$")
            _, h, _ = fcgi_send(s, params_for("GET", "/healthz"))
            self.assertRegex(h["x-request-id"], r"^[0-9a-f]{32}$")
        rid = h["x-request-id"]
        wait_for(lambda: "rid=%s method=GET path=/healthz status=200 dur_ms=" % rid
                 in self.w.log_text(), what="the request's log line")

    def test_path_falls_back_to_request_uri_without_query(self):
        with self.connect() as s:
            p = params_for("GET", "/healthz")
            del p["DOCUMENT_URI"], p["SCRIPT_NAME"]
            p["REQUEST_URI"] = "/healthz?x=1"
            status, _, body = fcgi_send(s, p)
            self.assertEqual((status, body), (200, b'{"status":"ok"}'))

    def test_body_without_content_length_is_read_to_its_end(self):
        with self.connect() as s:
            status, _, _ = fcgi_send(s, params_for("POST", "/nope", CONTENT_LENGTH=""),
                                     b"x" * 80)
            self.assertEqual(status, 404)
            status, _, _ = fcgi_send(s, params_for("POST", "/nope", CONTENT_LENGTH=""),
                                     b"x" * 101)
            self.assertEqual(status, 413)
            status, _, _ = fcgi_send(s, params_for("GET", "/healthz"))
            self.assertEqual(status, 200)


class UnixSocketTest(unittest.TestCase):
    def test_unix_socket_is_reachable_by_nginx_and_removed_at_exit(self):
        with harness.Stack(workers=2, listen="unix", name="runtime-unix") as st:
            path = st.fcgi_listen[len("unix:"):]
            # Owner and nginx's group only (SPEC §12), not world-writable.
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o660)
            self.assertEqual(st.request("GET", "/healthz").status, 200)
            self.assertEqual(st.stop_api(signal.SIGTERM), 0)
            self.assertFalse(os.path.exists(path))
            # A stale file left by a killed master does not prevent a restart.
            st.start_api()
            workers = st.worker_pids()
            os.kill(st.master_pid, signal.SIGKILL)
            wait_for(lambda: st.api.poll() is not None, what="master gone")
            wait_for(lambda: not any(alive(p) for p in workers), what="workers gone (PDEATHSIG)")
            self.assertTrue(os.path.exists(path))
            st.api = None
            st.start_api()
            self.assertEqual(st.request("GET", "/healthz").status, 200)


if __name__ == "__main__":
    unittest.main()
