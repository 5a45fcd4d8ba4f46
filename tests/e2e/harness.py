"""harness.py — the end-to-end test harness: PostgreSQL, api-worker and nginx on demand.

Owns everything an end-to-end test needs to talk HTTP to the real nginx in front of the real
workers and database, on free ports in temporary folders, and to take it all down again.
Python 3 standard library only (run with Debian's /usr/bin/python3).

    import harness
    pg = harness.postgres()          # the run's one PostgreSQL cluster (lazy, stopped at exit)
    url = pg.create_database()       # fresh database owned by "app":
                                     #   postgresql://app:app@127.0.0.1:PORT/NAME
    pg.drop_database(name); pg.psql(url, "SELECT 1") -> stdout text (raises on error)
    pg.stop(); pg.start()            # outage tests: same port, same data

    with harness.Stack(env={...}, workers=2, migrate=True) as st:
        r = st.request("GET", "/info")        # Response: status, headers (lower-case), body
        r.json(); r.text; r.headers["x-request-id"]
        st.request("POST", "/users/", json={...})                # JSON body + Content-Type
        st.request("POST", "/users/", body=b"...", headers={...})   # raw body
        st.master_pid, st.worker_pids(), st.dbtool("current"), st.database_url
        st.log_text(), st.base_url
    harness.dbtool(args, env=..., cwd=...)    # run dbtool directly -> CompletedProcess
    harness.BUILD_DIR, harness.ROOT

Additions to the API in the brief:

  PostgreSQL
    pg.port, pg.host ("127.0.0.1"), pg.socket_dir, pg.data_dir
    pg.url(dbname, user="app", password="app")   URL over TCP
    pg.admin_url(dbname="postgres")              superuser "postgres" over the unix socket
    pg.create_database(name=None)                 name optional (letters, digits, _)
    pg.log_text()                                 the server log
  Stack(env=None, workers=2, migrate=True, start_api=True, listen="unix", log_level="info",
        name=None, nginx_overrides=None, timeout=None, rate_limits="relaxed")
    env               worker settings on top of etc/dev.env; a value of None removes the
                      variable (e.g. to test a missing required setting). MAX_BODY_BYTES
                      given here also sets nginx's client_max_body_size (and
                      client_body_buffer_size) to that many bytes, as SPEC §12 wants;
                      otherwise nginx keeps the snippet's 64k (the setting's default)
    start_api=False   nginx + database only (nginx answers 502 by itself)
    listen="unix"     (default) the worker on a unix socket in the stack's folder, st.tmp/
                      fcgi.sock, mode 0660 (LISTEN_MODE's default); as root with
                      LISTEN_GROUP = nginx's workers' group (harness.nginx_group())
    listen="tcp"      the worker on 127.0.0.1:<free port>, FCGI_WEB_SERVER_ADDRS=127.0.0.1
    rate_limits="relaxed"  (default) nginx's rate and connection limits (SPEC §12,
                      nginx/awesome-api-limits.conf) raised to RELAXED_RATE / _BURST /
                      _CONNS, so that tests creating many users or running load from
                      127.0.0.1 are not refused
    rate_limits="shipped"  the limits exactly as shipped (5 r/s burst 10 for POST /token
                      and POST /users/, 100 r/s burst 200 for the rest, 64 requests in
                      progress per address): for tests of the limits themselves
    nginx_overrides   {"fastcgi_read_timeout": "2s"}: these directives' values replaced in
                      the stack's copy of nginx/awesome-api-fastcgi.conf (to reach
                      timeouts quickly); unknown directives are an error
    st.session()                  keep-alive HTTP session (one connection, reused)
    st.url(path), st.port, st.db_name, st.env (the worker's environment), st.tmp
    st.stop_api(sig=SIGTERM, timeout=20) -> exit status
    st.start_api(wait=True)       (again); waits for /healthz 200 unless wait=False
    st.signal_workers(sig)        e.g. SIGSTOP/SIGCONT every worker (504 tests)
    st.wait_ready(path="/healthz", status=200)
    st.nginx_log_text()
  harness.free_port()
  harness.stage_nginx_dir(dest, overrides=None, rate_limits="relaxed")
                                copies the awesome-api-*.conf snippets (edited) and the docs
                                files (harness.docs_files(): the Makefile's DOCS_FILES) into
                                dest, which a stack's nginx uses instead of nginx/
  harness.render_nginx_conf(prefix, listen, upstream, nginx_dir=prefix, worker_processes=1)
                                nginx/local.conf.in filled in (text)
  harness.nginx_group(), harness.NGINX_USER   who nginx's workers run as under root
  harness.wait_for(predicate, timeout=START_TIMEOUT, interval=0.05, what="condition")
                                polls until predicate() is truthy, returns that value,
                                raises AssertionError on timeout
  harness.ApiChecks               mixin for a TestCase with a shared stack `st`: self.sql(query),
                                self.assert_detail(r, status, detail),
                                self.assert_422(r, (type, loc), ...) (exactly these problems)
  harness.children(pid)         sorted pids whose parent is pid
  harness.terminate(proc, sig=SIGTERM, timeout=20) -> exit status: sig, wait, then
                                SIGKILL to the process group
  harness.SanitizerError: raised by Stack.close()/__exit__ and harness.dbtool() when a
    sanitizer report (ASan, LSan, UBSan) shows up in the worker log or dbtool's output.

Environment: BUILD_DIR (build or build/san, relative to the repo root) selects the binaries;
KEEP_TMP=1 keeps the temporary folders; logs of every stack are copied to
tests/e2e/artifacts/<stack name>/ when it closes.

Running as root: PostgreSQL runs as the `postgres` user (runuser) in a folder it owns;
nginx's workers run as `nobody` (group nginx_group()), so the stack's folder is made
world-traversable, nginx serves copies of the docs files from there (the source tree may sit
in a folder only root can enter), and the worker's unix socket gets nginx's group.

No upstream keep-alive (SPEC §3, §12): the rendered nginx never keeps idle FastCGI
connections, as in production (nginx/awesome-api.conf says why).
"""

import atexit
import glob
import grp
import http.client
import json as jsonlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = ROOT / os.environ.get("BUILD_DIR", "build")
NGINX_DIR = ROOT / "nginx"
ENV_FILE = ROOT / "etc" / "dev.env"
ARTIFACTS = ROOT / "tests" / "e2e" / "artifacts"

IS_ROOT = os.geteuid() == 0
KEEP_TMP = os.environ.get("KEEP_TMP") == "1"
# Sanitizer builds start and run several times slower.
SLOW = BUILD_DIR.name == "san"
START_TIMEOUT = 60.0 if SLOW else 20.0

# Passed from the test runner's environment to every process we start; everything else is
# left out so a developer's shell (APP_NAME=..., LISTEN_FDS, NOTIFY_SOCKET) cannot leak in.
_PASSTHROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")
_PASSTHROUGH_PREFIXES = ("ASAN_", "UBSAN_", "LSAN_")

_SANITIZER_MARKS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "SUMMARY: UndefinedBehaviorSanitizer",
)


class HarnessError(RuntimeError):
    """Something the harness could not set up (message includes the relevant log tail)."""


class SanitizerError(AssertionError):
    """A sanitizer reported a problem in a process the harness ran."""


def base_env():
    """The environment every started process begins with (see _PASSTHROUGH)."""
    env = {k: v for k, v in os.environ.items()
           if k in _PASSTHROUGH or k.startswith(_PASSTHROUGH_PREFIXES)}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
    env.setdefault("LANG", "C.UTF-8")
    return env


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, release)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sanitizer_report(text):
    """The first sanitizer report found in text (a few lines around it), or None."""
    for mark in _SANITIZER_MARKS:
        i = text.find(mark)
        if i >= 0:
            start = text.rfind("\n", 0, max(0, i - 200)) + 1
            return text[start:start + 3000]
    return None


def _tail(path, lines=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no %s)" % path


def _make_dir_for(path, user):
    """chown a folder we created to `user` when running as root (PostgreSQL refuses root)."""
    if IS_ROOT:
        shutil.chown(path, user=user, group=user)


# --------------------------------------------------------------------------------------------
# PostgreSQL


def _pg_bindir():
    explicit = os.environ.get("PG_BINDIR")
    if explicit:
        return Path(explicit)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise HarnessError("PostgreSQL server binaries not found (install postgresql; "
                       "or set PG_BINDIR)")


class Postgres:
    """One throw-away PostgreSQL cluster: 127.0.0.1 on a free port plus a unix socket."""

    APP_USER = "app"
    APP_PASSWORD = "app"

    def __init__(self):
        self.bindir = _pg_bindir()
        self.host = "127.0.0.1"
        self.port = None
        self.tmp = None
        self.data_dir = None
        self.socket_dir = None
        self.log_path = None
        self.running = False
        self._counter = 0
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------

    def _as_pg(self, args, **kw):
        """Runs a server binary, as `postgres` when we are root, in the cluster's folder."""
        cmd = [str(self.bindir / args[0])] + list(args[1:])
        if IS_ROOT:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return subprocess.run(cmd, cwd=self.tmp, env=base_env(), capture_output=True,
                              text=True, **kw)

    def init(self):
        self.tmp = tempfile.mkdtemp(prefix="awesome-api-pg-")
        _make_dir_for(self.tmp, "postgres")
        self.data_dir = os.path.join(self.tmp, "data")
        self.socket_dir = self.tmp
        self.log_path = os.path.join(self.tmp, "postgres.log")
        self.port = free_port()
        r = self._as_pg(["initdb", "-D", self.data_dir, "-U", "postgres", "-E", "UTF8",
                         "--no-locale", "--no-sync", "--auth-local=trust",
                         "--auth-host=scram-sha-256"], timeout=120)
        if r.returncode != 0:
            raise HarnessError("initdb failed:\n" + r.stdout + r.stderr)
        # Speed over durability: the cluster lives for one test run.
        conf = "\n".join([
            "",
            "# awesome-api e2e harness",
            "listen_addresses = '127.0.0.1'",
            "port = %d" % self.port,
            "unix_socket_directories = '%s'" % self.socket_dir,
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "max_connections = 200",
            "shared_buffers = 64MB",
            "max_wal_size = 1GB",
            "checkpoint_timeout = 30min",
            "log_min_messages = warning",
            "log_min_error_statement = panic",
            "log_line_prefix = '%m [%p] %q%u@%d '",
            "",
        ])
        with open(os.path.join(self.data_dir, "postgresql.conf"), "a") as f:
            f.write(conf)
        self.start()
        self.psql(self.admin_url(), "CREATE ROLE %s LOGIN CREATEDB PASSWORD '%s'"
                  % (self.APP_USER, self.APP_PASSWORD))

    def start(self):
        """Starts the server (after init or stop) and waits until it accepts connections."""
        r = self._as_pg(["pg_ctl", "-D", self.data_dir, "-l", self.log_path, "-w", "-t", "60",
                         "start"], timeout=90)
        if r.returncode != 0:
            raise HarnessError("PostgreSQL did not start:\n%s%s\n%s"
                               % (r.stdout, r.stderr, _tail(self.log_path)))
        self.running = True

    def stop(self, mode="fast"):
        """Stops the server; data and port are kept for start()."""
        if not self.running:
            return
        r = self._as_pg(["pg_ctl", "-D", self.data_dir, "-m", mode, "-w", "-t", "60", "stop"],
                        timeout=90)
        if r.returncode != 0:
            raise HarnessError("PostgreSQL did not stop:\n" + r.stdout + r.stderr)
        self.running = False

    def destroy(self):
        try:
            self.stop(mode="immediate")
        except (HarnessError, subprocess.SubprocessError, OSError):
            pass
        if self.tmp and not KEEP_TMP:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- use ---------------------------------------------------------------------------------

    def url(self, dbname, user=APP_USER, password=APP_PASSWORD):
        return "postgresql://%s:%s@%s:%d/%s" % (user, password, self.host, self.port, dbname)

    def admin_url(self, dbname="postgres"):
        return "postgresql://postgres@/%s?host=%s&port=%d" % (dbname, self.socket_dir,
                                                              self.port)

    def psql(self, url, sql, timeout=60):
        """Runs SQL (one or more statements, autocommit) and returns psql's unaligned,
        tuples-only output. Raises HarnessError with psql's message on any error."""
        r = subprocess.run([str(self.bindir / "psql"), "-X", "-q", "-A", "-t",
                            "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"],
                           input=sql, capture_output=True, text=True, env=base_env(),
                           cwd="/", timeout=timeout)
        if r.returncode != 0:
            raise HarnessError("psql failed (%s): %s" % (sql.strip()[:200], r.stderr.strip()))
        return r.stdout

    def create_database(self, name=None):
        """A fresh empty database owned by "app"; returns its URL."""
        with self._lock:
            self._counter += 1
            n = self._counter
        name = name or "e2e_%d_%d" % (os.getpid(), n)
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError("database name must be [a-z_][a-z0-9_]*: %r" % name)
        self.psql(self.admin_url(), "CREATE DATABASE %s OWNER %s" % (name, self.APP_USER))
        return self.url(name)

    def drop_database(self, name):
        """Drops a database, ending its sessions first."""
        if "/" in name:  # a URL is accepted too
            name = name.rsplit("/", 1)[1].split("?")[0]
        self.psql(self.admin_url(), "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


_pg = None
_pg_lock = threading.Lock()


def postgres():
    """The test run's PostgreSQL cluster, started on first use, destroyed at exit."""
    global _pg
    with _pg_lock:
        if _pg is None:
            pg = Postgres()
            try:
                pg.init()
            except BaseException:
                pg.destroy()
                raise
            _pg = pg
        return _pg


# --------------------------------------------------------------------------------------------
# HTTP


class Response:
    """An HTTP response: status, reason, headers (dict, lower-case names; repeated headers
    joined with ", "), header_list (as received) and body (bytes)."""

    def __init__(self, status, reason, header_list, body):
        self.status = status
        self.reason = reason
        self.header_list = header_list
        self.headers = {}
        for k, v in header_list:
            k = k.lower()
            self.headers[k] = self.headers[k] + ", " + v if k in self.headers else v
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        """The body parsed as JSON (raises ValueError with the body if it is not JSON)."""
        try:
            return jsonlib.loads(self.body)
        except ValueError as e:
            raise ValueError("not JSON (%s): %r" % (e, self.body[:500])) from None

    def __repr__(self):
        return "<Response %d %s %r>" % (self.status, self.headers.get("content-type"),
                                        self.body[:200])


def _encode(json, body, headers):
    headers = dict(headers or {})
    if json is not None:
        if body is not None:
            raise ValueError("give json= or body=, not both")
        body = jsonlib.dumps(json).encode()
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
    elif isinstance(body, str):
        body = body.encode()
    return body, headers


def _exchange(conn, method, path, body, headers):
    try:
        conn.request(method, path, body=body, headers=headers)
    except (BrokenPipeError, ConnectionResetError):
        # nginx may answer (413) and close before the whole body is sent: read the answer.
        pass
    r = conn.getresponse()
    return Response(r.status, r.reason, r.getheaders(), r.read()), r


def http_request(host, port, method, path, json=None, body=None, headers=None, timeout=30):
    """One request on a fresh connection, closed afterwards."""
    body, headers = _encode(json, body, headers)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        return _exchange(conn, method, path, body, headers)[0]
    finally:
        conn.close()


class Session:
    """Keep-alive HTTP/1.1 session: requests reuse one connection (reopened when the server
    closes it). For load loops; use as a context manager or call close()."""

    def __init__(self, host, port, timeout=30):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None

    def request(self, method, path, json=None, body=None, headers=None):
        body, headers = _encode(json, body, headers)
        for attempt in (1, 2):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection(self.host, self.port,
                                                       timeout=self.timeout)
            try:
                resp, raw = _exchange(self.conn, method, path, body, headers)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if fresh or attempt == 2:
                    raise
                continue  # the server closed an idle kept-alive connection: retry once
            if raw.will_close:
                self.close()
            return resp
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------------------------
# dbtool


def dbtool(args, env=None, cwd=None, timeout=120, input=None):
    """Runs BUILD_DIR/dbtool with args; env is added to the harness's clean base environment
    (a None value removes a variable). Returns the CompletedProcess (text stdout/stderr).
    Raises SanitizerError if the output carries a sanitizer report."""
    full_env = base_env()
    for k, v in (env or {}).items():
        if v is None:
            full_env.pop(k, None)
        else:
            full_env[k] = str(v)
    exe = BUILD_DIR / "dbtool"
    if not exe.exists():
        raise HarnessError("%s is not built (run make)" % exe)
    r = subprocess.run([str(exe)] + [str(a) for a in args], env=full_env,
                       cwd=str(cwd or ROOT), capture_output=True, text=True, timeout=timeout,
                       input=input)
    report = sanitizer_report(r.stdout + r.stderr)
    if report:
        raise SanitizerError("dbtool %s:\n%s" % (" ".join(map(str, args)), report))
    return r


# --------------------------------------------------------------------------------------------
# nginx


# Started as root, nginx's workers run as this user and its primary group (local.conf.in's
# @USER@); a stack's unix socket gets that group (LISTEN_GROUP) so that they may connect.
# Not root: nginx's workers run as we do and the socket keeps our group.
NGINX_USER = "nobody"

# rate_limits="relaxed" (the default of Stack): the shipped rate and connection limits
# replaced by these, so that tests creating many users or running load from 127.0.0.1 are
# not refused; the limits themselves are tested with rate_limits="shipped".
RELAXED_RATE = "100000r/s"
RELAXED_BURST = 100000
RELAXED_CONNS = 10000


def nginx_group():
    """The group of nginx's workers when started as root (nobody's primary group: nogroup
    on Debian)."""
    return grp.getgrgid(pwd.getpwnam(NGINX_USER).pw_gid).gr_name


def docs_files():
    """The files under nginx/docs/ that nginx serves at /docs and /redoc: the Makefile's
    DOCS_FILES (the list `make install` copies too), relative to nginx/docs/."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    m = re.search(r"^DOCS_FILES\s*:?=(.*)$", text, re.M)
    if not m:
        raise HarnessError("DOCS_FILES not found in the Makefile")
    return m.group(1).split()


def nginx_body_size(max_body_bytes):
    """client_max_body_size (and client_body_buffer_size) for a MAX_BODY_BYTES value: the
    same number of bytes. Except 0: nginx's 0 means no limit, the worker's no body at all,
    so 1 (the worker refuses that byte itself)."""
    return str(max(1, int(max_body_bytes)))


def _set_directives(text, values, where):
    """text with each directive's value replaced (every occurrence); unknown ones are an
    error."""
    for directive, value in values.items():
        pattern = re.compile(r"^(\s*%s\s+)[^;]*;" % re.escape(directive), re.M)
        text, n = pattern.subn(lambda m: m.group(1) + str(value) + ";", text)
        if n == 0:
            raise HarnessError("%s is not in %s" % (directive, where))
    return text


def _relax(name, text):
    """A snippet's text with its rate and connection limits made very high (see
    RELAXED_RATE); raises when a snippet no longer has what is to be replaced."""
    if name == "awesome-api-limits.conf":
        subs = [(r"\brate=\d+r/[sm]\b", "rate=" + RELAXED_RATE)]
    elif name == "awesome-api-fastcgi.conf":
        subs = [(r"\bburst=\d+", "burst=%d" % RELAXED_BURST),
                (r"^(\s*limit_conn\s+\S+\s+)\d+;", r"\g<1>%d;" % RELAXED_CONNS)]
    else:
        return text
    for pattern, repl in subs:
        text, n = re.subn(pattern, repl, text, flags=re.M)
        if n == 0:
            raise HarnessError("rate_limits=relaxed: no %s in %s" % (pattern, name))
    return text


def stage_nginx_dir(dest, overrides=None, rate_limits="relaxed"):
    """Fills dest with what a rendered local.conf.in includes and serves (@NGINX_DIR@):
    copies of NGINX_DIR's awesome-api-*.conf snippets, with the directives of `overrides`
    set to new values in awesome-api-fastcgi.conf and, unless rate_limits="shipped", the
    limits relaxed; and copies of the docs files (docs_files()) under dest/docs, readable
    by nginx's workers whoever may read the source tree. Docs files not installed (no
    `make docs-assets`) are left out: /docs then answers 404."""
    if rate_limits not in ("relaxed", "shipped"):
        raise ValueError("rate_limits is 'relaxed' or 'shipped': %r" % rate_limits)
    dest = Path(dest)
    for src in sorted(NGINX_DIR.glob("awesome-api-*.conf")):
        text = src.read_text()
        if src.name == "awesome-api-fastcgi.conf" and overrides:
            text = _set_directives(text, overrides, src.name)
        if rate_limits == "relaxed":
            text = _relax(src.name, text)
        (dest / src.name).write_text(text)
    for rel in docs_files():
        src = NGINX_DIR / "docs" / rel
        if not src.is_file():
            continue
        target = dest / "docs" / rel
        for folder in reversed(target.relative_to(dest).parents):
            (dest / folder).mkdir(exist_ok=True)
            os.chmod(dest / folder, 0o755)
        shutil.copyfile(src, target)
        os.chmod(target, 0o644)


def render_nginx_conf(prefix, listen, upstream, nginx_dir=None, worker_processes=1):
    """nginx/local.conf.in with its placeholders filled in (text). nginx_dir (default:
    prefix) holds what stage_nginx_dir put there."""
    text = (NGINX_DIR / "local.conf.in").read_text()
    values = {
        "@PREFIX@": str(prefix),
        "@LISTEN@": listen,
        "@UPSTREAM@": upstream,
        "@NGINX_DIR@": str(nginx_dir or prefix),
        "@WORKER_PROCESSES@": str(worker_processes),
        "@USER@": "user %s %s;" % (NGINX_USER, nginx_group()) if IS_ROOT else "",
    }
    for k, v in values.items():
        text = text.replace(k, v)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise HarnessError("unknown placeholders in local.conf.in: %s" % left)
    return text


# --------------------------------------------------------------------------------------------
# Processes


def wait_for(predicate, timeout=START_TIMEOUT, interval=0.05, what="condition"):
    """Polls predicate() until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %.0fs waiting for %s" % (timeout, what))


def children(pid):
    """pids whose parent is pid (from /proc), sorted."""
    out = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                data = f.read()
        except OSError:
            continue
        fields = data[data.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            out.append(int(stat.split("/")[2]))
    return sorted(out)


def _alive(proc):
    return proc is not None and proc.poll() is None


def terminate(proc, sig=signal.SIGTERM, timeout=20):
    """Sends sig, waits up to timeout, then SIGKILLs the process group. Returns the exit
    status (negative signal number when killed by a signal)."""
    if proc is None:
        return None
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    # The group holds everything it forked (workers of the master, nginx workers).
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        return proc.wait(10)
    except subprocess.TimeoutExpired:
        return None


_live_stacks = set()
def api_worker_exe(env):
    """The api-worker binary for an environment: the fault hooks live only in the test
    build (SPEC §12), so api-worker-test when API_WORKER_FAULT is set, else the release
    binary every other test runs."""
    return BUILD_DIR / ("api-worker-test" if env.get("API_WORKER_FAULT") else "api-worker")


_stack_counter = [0]


class Stack:
    """A fresh database + api-worker (master and its workers) + nginx in front of it."""

    def __init__(self, env=None, workers=2, migrate=True, start_api=True, listen="unix",
                 log_level="info", name=None, nginx_overrides=None, timeout=None,
                 rate_limits="relaxed"):
        if listen not in ("unix", "tcp"):
            raise ValueError("listen is 'unix' or 'tcp': %r" % listen)
        if rate_limits not in ("relaxed", "shipped"):
            raise ValueError("rate_limits is 'relaxed' or 'shipped': %r" % rate_limits)
        _stack_counter[0] += 1
        self.name = name or "stack%d" % _stack_counter[0]
        self.user_env = dict(env or {})
        self.workers = int(self.user_env.get("WORKERS") or workers)
        self.migrate = migrate
        self.start_api_on_start = start_api
        self.listen_kind = listen
        self.log_level = log_level
        self.nginx_overrides = dict(nginx_overrides or {})
        self.rate_limits = rate_limits
        self.timeout = timeout or START_TIMEOUT
        self.pg = None
        self.tmp = None
        self.db_name = None
        self.database_url = None
        self.env = None
        self.fcgi_listen = None
        self.port = None
        self.base_url = None
        self.api = None
        self.nginx = None
        self.log_path = None
        self.nginx_error_log = None
        self._api_log = None
        self.closed = False

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        self.close(check=exc_type is None)
        return False

    def start(self):
        """Brings everything up and waits until nginx serves /healthz (or, without the api,
        answers at all). On any failure tears down what was started and re-raises."""
        _live_stacks.add(self)
        try:
            self._start()
        except BaseException:
            self.close(check=False)
            raise
        return self

    def _start(self):
        self.pg = postgres()
        self.tmp = tempfile.mkdtemp(prefix="awesome-api-%s-" % self.name)
        os.chmod(self.tmp, 0o755)  # nginx's workers (nobody) open files below it
        self.log_path = os.path.join(self.tmp, "api-worker.log")
        self.database_url = self.pg.create_database()
        self.db_name = self.database_url.rsplit("/", 1)[1]

        self.env = base_env()
        self.env.update({
            "ENV_FILE": str(ENV_FILE),
            "DATABASE_URL": self.database_url,
            "WORKERS": str(self.workers),
            "LOG_LEVEL": self.log_level,
        })
        # The FastCGI socket as SPEC §12 has it: a unix socket (mode 0660 by default) in
        # the stack's folder, whose group is nginx's workers' when they run as another
        # user; or TCP with nginx's address as the only peer allowed.
        if self.listen_kind == "unix":
            self.fcgi_listen = "unix:" + os.path.join(self.tmp, "fcgi.sock")
            if IS_ROOT:
                self.env["LISTEN_GROUP"] = nginx_group()
        else:
            self.fcgi_listen = "127.0.0.1:%d" % free_port()
            self.env["FCGI_WEB_SERVER_ADDRS"] = "127.0.0.1"
        self.env["LISTEN"] = self.fcgi_listen
        for k, v in self.user_env.items():
            if v is None:
                self.env.pop(k, None)
            else:
                self.env[k] = str(v)

        if self.migrate:
            r = self.dbtool("upgrade", "head")
            if r.returncode != 0:
                raise HarnessError("dbtool upgrade head failed (%d):\n%s%s"
                                   % (r.returncode, r.stdout, r.stderr))

        self._start_nginx(self.fcgi_listen)
        if self.start_api_on_start:
            self.start_api()
        else:
            self.wait_ready(status=None)

    def _start_nginx(self, upstream):
        prefix = os.path.join(self.tmp, "nginx")
        os.mkdir(prefix)
        os.chmod(prefix, 0o755)
        # nginx's body limit follows the worker's (SPEC §12) when the test sets it.
        overrides = dict(self.nginx_overrides)
        if "MAX_BODY_BYTES" in self.env:
            size = nginx_body_size(self.env["MAX_BODY_BYTES"])
            overrides.setdefault("client_max_body_size", size)
            overrides.setdefault("client_body_buffer_size", size)
        stage_nginx_dir(prefix, overrides, self.rate_limits)
        self.port = free_port()
        self.base_url = "http://127.0.0.1:%d" % self.port
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(render_nginx_conf(prefix, "127.0.0.1:%d" % self.port, upstream))
        self.nginx_error_log = os.path.join(prefix, "error.log")
        out = open(os.path.join(prefix, "stderr.log"), "wb")
        try:
            self.nginx = subprocess.Popen(
                ["nginx", "-p", prefix, "-e", self.nginx_error_log, "-c", conf,
                 "-g", "daemon off;"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=out, cwd=prefix,
                start_new_session=True, env=base_env())
        finally:
            out.close()

    def start_api(self, wait=True):
        """Starts the api-worker master (again) and, with wait, waits until /healthz
        answers 200."""
        exe = api_worker_exe(self.env)
        if not exe.exists():
            raise HarnessError("%s is not built (run make)" % exe)
        if _alive(self.api):
            raise HarnessError("api-worker is already running")
        self._api_log = open(self.log_path, "ab")
        try:
            self.api = subprocess.Popen([str(exe)], env=self.env, cwd=str(ROOT),
                                        stdin=subprocess.DEVNULL, stdout=self._api_log,
                                        stderr=self._api_log, start_new_session=True)
        finally:
            self._api_log.close()
        if wait:
            self.wait_ready()

    def stop_api(self, sig=signal.SIGTERM, timeout=20):
        """Stops the master (its workers follow). Returns its exit status."""
        proc, self.api = self.api, None
        return terminate(proc, sig, timeout)

    def wait_ready(self, path="/healthz", status=200):
        """Polls nginx until `path` answers `status` (None: any HTTP answer)."""
        deadline = time.monotonic() + self.timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.nginx is not None and not _alive(self.nginx):
                raise HarnessError("nginx exited (%s):\n%s\n%s" % (
                    self.nginx.returncode, _tail(os.path.join(self.tmp, "nginx",
                                                              "stderr.log")),
                    _tail(self.nginx_error_log)))
            if status is not None and not _alive(self.api):
                raise HarnessError("api-worker exited (%s):\n%s" % (
                    self.api.returncode if self.api else "not started", _tail(self.log_path)))
            try:
                r = http_request("127.0.0.1", self.port, "GET", path, timeout=5)
                if status is None or r.status == status:
                    return r
                last = "%d %r" % (r.status, r.body[:200])
            except (OSError, http.client.HTTPException) as e:
                last = repr(e)
            time.sleep(0.05)
        raise HarnessError("stack %s not ready after %.0fs (GET %s: %s)\napi-worker log:\n%s\n"
                           "nginx error log:\n%s" % (self.name, self.timeout, path, last,
                                                     _tail(self.log_path),
                                                     _tail(self.nginx_error_log)))

    def close(self, check=True):
        """Tears everything down (idempotent). With check, raises SanitizerError if the
        worker log holds a sanitizer report."""
        if self.closed:
            return
        self.closed = True
        _live_stacks.discard(self)
        self.stop_api()
        if self.nginx is not None:
            terminate(self.nginx, signal.SIGQUIT, 10)
        if self.db_name and self.pg is not None and self.pg.running:
            try:
                self.pg.drop_database(self.db_name)
            except (HarnessError, subprocess.SubprocessError, OSError):
                pass
        report = sanitizer_report(self.log_text())
        self._save_artifacts()
        if self.tmp and not KEEP_TMP:
            shutil.rmtree(self.tmp, ignore_errors=True)
        if report and check:
            raise SanitizerError("stack %s, api-worker log:\n%s" % (self.name, report))

    def _save_artifacts(self):
        if not self.tmp:
            return
        dest = ARTIFACTS / self.name
        try:
            shutil.rmtree(dest, ignore_errors=True)
            dest.mkdir(parents=True)
            for src in ("api-worker.log", "nginx/error.log", "nginx/access.log",
                        "nginx/nginx.conf"):
                p = Path(self.tmp) / src
                if p.exists():
                    shutil.copy(p, dest / p.name)
        except OSError:
            pass

    # -- use ---------------------------------------------------------------------------------

    @property
    def master_pid(self):
        return self.api.pid if _alive(self.api) else None

    def worker_pids(self):
        """pids of the master's children (the workers), sorted."""
        pid = self.master_pid
        return children(pid) if pid else []

    def signal_workers(self, sig):
        for pid in self.worker_pids():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def url(self, path):
        return self.base_url + path

    def request(self, method, path, json=None, body=None, headers=None, timeout=30):
        """One HTTP request through nginx on a fresh connection -> Response."""
        return http_request("127.0.0.1", self.port, method, path, json=json, body=body,
                            headers=headers, timeout=timeout)

    def session(self, timeout=30):
        """A keep-alive Session to nginx."""
        return Session("127.0.0.1", self.port, timeout=timeout)

    def dbtool(self, *args, env=None, **kw):
        """Runs dbtool with the stack's settings (ENV_FILE, DATABASE_URL, ...)."""
        full = {k: v for k, v in self.env.items()}
        full.update(env or {})
        return dbtool(list(args), env=full, **kw)

    def log_text(self):
        """The api-worker log (stderr of master and workers) so far."""
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def nginx_log_text(self):
        try:
            with open(self.nginx_error_log, errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""


class ApiChecks:
    """Mixin for a unittest.TestCase whose class shares one Stack as `st`: checks of the
    API's error bodies (SPEC §4) and SQL against the stack's database."""

    def sql(self, query):
        """Runs SQL as the app role; returns psql's output, stripped."""
        return self.st.pg.psql(self.st.database_url, query).strip()

    def assert_detail(self, r, status, detail):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.json(), {"detail": detail})

    def assert_422(self, r, *expected):
        """Asserts a 422 whose detail holds exactly the (type, loc) pairs given."""
        self.assertEqual(r.status, 422, r)
        got = sorted((e["type"], tuple(e["loc"])) for e in r.json()["detail"])
        self.assertEqual(got, sorted((t, tuple(loc)) for t, loc in expected), r.json())


@atexit.register
def _cleanup():
    for st in list(_live_stacks):
        try:
            st.close(check=False)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
    if _pg is not None:
        _pg.destroy()
