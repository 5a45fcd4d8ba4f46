"""test_deploy.py — deploying Awesome API (SPEC §11): install, systemd units, releases, start.sh.

Owns the end-to-end checks of deploy/ and the Makefile's install/uninstall targets:
  - `make install` puts every file where the GNU/Debian conventions say, rendered with the
    installed paths, and `make uninstall` takes every one of them away again;
  - `systemd-analyze verify` accepts the installed units, and nginx accepts the installed
    site with its snippet;
  - the installed awesome-api.service command, started the way systemd starts it (the
    socket passed by systemd-socket-activate, a NOTIFY_SOCKET this test reads), takes the
    inherited socket and serves through nginx, and reports READY=1 once its workers are
    up, RELOADING=1 on SIGHUP and STOPPING=1 on SIGTERM; the installed migration unit's
    command brings a database to head with the installed revisions;
  - deploy/release.sh under steady load: a new revision is applied and the workers are
    replaced without one failed request; a failed migration or bad settings never reload;
  - deploy/start.sh (containers): a bad setting exits 78 before any database connection;
    good settings migrate and then exec the master.

No systemd runs here (no PID 1 systemd in the test machine or CI): what is tested is
everything short of systemd starting the units itself — their syntax and paths, and the
exact command, environment and working directory they give the binaries.
"""

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import uuid
from pathlib import Path

import harness
from harness import children, terminate, wait_for

ROOT = harness.ROOT
WAIT = harness.START_TIMEOUT
SAN = harness.BUILD_DIR.name == "san"
UNITS = ("awesome-api.socket", "awesome-api.service", "awesome-api-migrate.service")
RELEASE = ROOT / "deploy" / "release.sh"
START = ROOT / "deploy" / "start.sh"
VERSIONS = ROOT / "sql" / "versions"
NGINX = ROOT / "nginx"


# --------------------------------------------------------------------------------------------
# Helpers


def make(*args):
    """Runs make in the repository with the build the tests use (SANITIZE=1 for build/san)."""
    cmd = ["make", "--no-print-directory", "-s", "-C", str(ROOT)] + list(args)
    if SAN:
        cmd.append("SANITIZE=1")
    return subprocess.run(cmd, env=harness.base_env(), capture_output=True, text=True,
                          timeout=900)


def run(cmd, env=None, cwd=None, timeout=120):
    """Runs cmd with the harness's clean environment plus env -> CompletedProcess."""
    full = harness.base_env()
    for k, v in (env or {}).items():
        if v is None:
            full.pop(k, None)
        else:
            full[k] = str(v)
    r = subprocess.run([str(c) for c in cmd], env=full, cwd=str(cwd or ROOT),
                       capture_output=True, text=True, timeout=timeout)
    report = harness.sanitizer_report(r.stdout + r.stderr)
    if report:
        raise harness.SanitizerError("%s:\n%s" % (" ".join(map(str, cmd)), report))
    return r


def files_under(top):
    """Every file (or symlink) below top, as sorted paths relative to it."""
    out = []
    for dirpath, _, names in os.walk(top):
        for name in names:
            out.append(os.path.relpath(os.path.join(dirpath, name), top))
    return sorted(out)


def read_unit(path):
    """A unit file as {key: [values]} (sections merged; comments and blank lines dropped)."""
    unit = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line[0] in "#;[":
            continue
        key, _, value = line.partition("=")
        unit.setdefault(key.strip(), []).append(value.strip())
    return unit


def unit_environment(unit):
    """The variables a unit's Environment= lines set."""
    env = {}
    for value in unit.get("Environment", []):
        for assignment in shlex.split(value):
            k, _, v = assignment.partition("=")
            env[k] = v
    return env


def comm(pid):
    try:
        return Path("/proc/%d/comm" % pid).read_text().strip()
    except OSError:
        return None


def head_of(st):
    """The head revision of the stack's revision folder (`dbtool heads`)."""
    r = st.dbtool("heads")
    if r.returncode != 0:
        raise AssertionError("dbtool heads failed: %s%s" % (r.stdout, r.stderr))
    return r.stdout.split()[0]


def write_revision(folder, parent, message, up, down):
    """Adds a revision file to folder; returns its id."""
    rev = uuid.uuid4().hex[:12]
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")
    (Path(folder) / ("%s_%s.sql" % (rev, slug))).write_text(
        "-- Revision ID: %s\n-- Revises: %s\n-- Create Date: 2026-11-27 12:00:00\n"
        "-- Message: %s\n\n-- migrate:up\n%s\n\n-- migrate:down\n%s\n"
        % (rev, parent, message, up, down))
    return rev


class NotifySocket:
    """A datagram socket standing in for systemd's NOTIFY_SOCKET; keeps every message."""

    def __init__(self, folder):
        self.path = os.path.join(folder, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []

    def wait(self, field, timeout=WAIT):
        """Reads messages until one has the line `field` (e.g. READY=1); returns it."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %s from the master; got %r" % (field, self.messages))
            self.sock.settimeout(left)
            try:
                msg = self.sock.recv(4096).decode()
            except socket.timeout:
                continue
            self.messages.append(msg)
            if field in msg.split("\n"):
                return msg

    def pending(self):
        """Messages already sent but not read yet."""
        self.sock.setblocking(False)
        try:
            while True:
                self.messages.append(self.sock.recv(4096).decode())
        except BlockingIOError:
            pass
        finally:
            self.sock.setblocking(True)
        return self.messages

    def close(self):
        self.sock.close()


class Load:
    """Client threads sending GETs and some POSTs through nginx until stopped; counts every
    request and keeps every one that did not get its expected status."""

    def __init__(self, st, user_id, threads=4):
        self.st = st
        self.user_id = user_id
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.count = 0
        self.failures = []
        self.threads = [threading.Thread(target=self._client, args=(n,), daemon=True)
                        for n in range(threads)]

    def _client(self, n):
        gets = ["/info", "/users/%d" % self.user_id, "/items/?limit=10", "/users/?limit=5",
                "/healthz"]
        i = 0
        while not self.stop_event.is_set():
            i += 1
            if i % 5 == 0:
                method, path, body, want = ("POST", "/users/%d/items/" % self.user_id,
                                            {"title": "load %d-%d" % (n, i)}, 201)
            else:
                method, path, body, want = "GET", gets[i % len(gets)], None, 200
            try:
                r = self.st.request(method, path, json=body, timeout=30)
                failure = None if r.status == want else "%d %r" % (r.status, r.body[:200])
            except Exception as e:  # noqa: BLE001 - any error is a failed request
                failure = repr(e)
            with self.lock:
                self.count += 1
                if failure:
                    self.failures.append("%s %s: %s" % (method, path, failure))

    def start(self):
        for t in self.threads:
            t.start()
        wait_for(lambda: self.count >= 20, what="load to get going")
        return self

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(60)


# --------------------------------------------------------------------------------------------
# make install / uninstall


class InstallTest(unittest.TestCase):
    def setUp(self):
        self.dest = tempfile.mkdtemp(prefix="awesome-api-install-")
        self.addCleanup(shutil.rmtree, self.dest, ignore_errors=True)

    def install(self, *args):
        r = make("install", *args)
        self.assertEqual(r.returncode, 0, "make install failed:\n" + r.stdout + r.stderr)
        return r

    def expected_files(self, prefix="usr/local", unitdir=None):
        unitdir = unitdir or prefix + "/lib/systemd/system"
        files = {prefix + "/sbin/api-worker", prefix + "/sbin/awesome-api-release",
                 prefix + "/bin/dbtool",
                 "etc/awesome-api/awesome-api.env", "etc/awesome-api/awesome-api.env.example",
                 "etc/nginx/sites-available/awesome-api.conf"}
        files |= {"etc/nginx/snippets/" + p.name for p in NGINX.glob("awesome-api-*.conf")}
        files |= {unitdir + "/" + u for u in UNITS}
        files |= {prefix + "/share/awesome-api/sql/versions/" + p.name
                  for p in VERSIONS.glob("*.sql")}
        if (ROOT / "sql" / "schema.sql").exists():
            files.add(prefix + "/share/awesome-api/sql/schema.sql")
        return files

    def installed_docs(self, prefix="usr/local"):
        """The docs assets installed (a chosen few of nginx/docs/, when npm ci ran there),
        checked to be copies of the source tree's files; returns their paths."""
        docs = Path(self.dest) / prefix / "share/awesome-api/docs"
        found = set()
        for rel in files_under(docs):
            self.assertEqual((docs / rel).read_bytes(), (NGINX / "docs" / rel).read_bytes(), rel)
            found.add("%s/share/awesome-api/docs/%s" % (prefix, rel))
        if (NGINX / "docs" / "docs.html").exists():
            self.assertIn(prefix + "/share/awesome-api/docs/docs.html", found)
        return found

    def test_install_into_destdir_runs_and_uninstall_removes_every_file(self):
        self.install("DESTDIR=" + self.dest)
        self.assertEqual(set(files_under(self.dest)),
                         self.expected_files() | self.installed_docs())
        for rel, name in (("usr/local/sbin/api-worker", "api-worker"),
                          ("usr/local/bin/dbtool", "dbtool")):
            r = run([os.path.join(self.dest, rel), "--version"])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"^%s \S+\n$" % name)
        # It holds the database password once filled in.
        mode = os.stat(os.path.join(self.dest, "etc/awesome-api/awesome-api.env")).st_mode
        self.assertEqual(mode & 0o777, 0o640)

        r = make("uninstall", "DESTDIR=" + self.dest)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(files_under(self.dest), [])

    def test_installed_files_name_the_installed_paths(self):
        self.install("DESTDIR=" + self.dest)
        d = Path(self.dest)
        for rel in files_under(self.dest):
            if rel.endswith(("/api-worker", "/dbtool")) or "/docs/" in rel:
                continue  # not rendered
            text = (d / rel).read_text()
            self.assertNotRegex(text, r"@[A-Z]+@", rel + " still has a placeholder")

        units = d / "usr/local/lib/systemd/system"
        service = read_unit(units / "awesome-api.service")
        migrate = read_unit(units / "awesome-api-migrate.service")
        sock = read_unit(units / "awesome-api.socket")
        self.assertEqual(service["ExecStart"], ["/usr/local/sbin/api-worker"])
        self.assertEqual(migrate["ExecStart"], ["/usr/local/bin/dbtool upgrade head"])
        for unit in (service, migrate):
            self.assertEqual(unit_environment(unit)["ENV_FILE"],
                             "/etc/awesome-api/awesome-api.env")
            self.assertEqual(unit["WorkingDirectory"], ["/usr/local/share/awesome-api"])
        env_text = (d / "etc/awesome-api/awesome-api.env").read_text()
        self.assertIn("\nMIGRATIONS_DIR=/usr/local/share/awesome-api/sql/versions\n", env_text)

        # nginx talks to the socket the socket unit opens; what the site includes is
        # installed, and the paths it names are the installed ones.
        site = (d / "etc/nginx/sites-available/awesome-api.conf").read_text()
        listen = sock["ListenStream"][0]
        self.assertIn("server unix:%s;" % listen, site)
        # SPEC §12: only nginx's user (www-data on Debian) may connect.
        self.assertEqual((sock["SocketMode"], sock["SocketGroup"]), (["0660"], ["www-data"]))
        includes = re.findall(r"^\s*include\s+(\S+);", site, re.M)
        self.assertIn("/etc/nginx/snippets/awesome-api-fastcgi.conf", includes)
        # The rate limit zones, at http level (the site file is included in nginx's http
        # block), before the server that uses them.
        self.assertIn("/etc/nginx/snippets/awesome-api-limits.conf", includes)
        self.assertLess(site.index("awesome-api-limits.conf;"), site.index("server {"))
        for path in includes:
            self.assertTrue((d / path.lstrip("/")).is_file(), path)
        for path in re.findall(r"^\s*set\s+\$\w+\s+(/\S+);", site, re.M):
            self.assertTrue(path.startswith("/usr/local/share/awesome-api"), path)

        release = (d / "usr/local/sbin/awesome-api-release").read_text()
        self.assertIn("DBTOOL=${DBTOOL:-/usr/local/bin/dbtool}\n", release)
        self.assertIn("API_WORKER=${API_WORKER:-/usr/local/sbin/api-worker}\n", release)
        self.assertIn("ENV_FILE=${ENV_FILE:-/etc/awesome-api/awesome-api.env}\n", release)

    def test_installed_settings_file_refuses_to_start_until_the_required_ones_are_set(self):
        self.install("DESTDIR=" + self.dest)
        env = {"ENV_FILE": os.path.join(self.dest, "etc/awesome-api/awesome-api.env")}
        worker = os.path.join(self.dest, "usr/local/sbin/api-worker")
        r = run([worker, "--print-config"], env=env, cwd=self.dest)
        self.assertEqual(r.returncode, 78, r.stdout + r.stderr)
        self.assertIn("ADMIN_EMAIL: field required", r.stderr)
        self.assertIn("DATABASE_URL: field required", r.stderr)
        env.update(ADMIN_EMAIL="ops@example.com", DATABASE_URL="postgresql://app@db/app")
        r = run([worker, "--print-config"], env=env, cwd=self.dest)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_prefix_usr_puts_units_in_lib_systemd_system(self):
        self.install("PREFIX=/usr", "DESTDIR=" + self.dest)
        self.assertEqual(set(files_under(self.dest)),
                         self.expected_files(prefix="usr", unitdir="lib/systemd/system")
                         | self.installed_docs(prefix="usr"))
        service = read_unit(Path(self.dest) / "lib/systemd/system/awesome-api.service")
        self.assertEqual(service["ExecStart"], ["/usr/sbin/api-worker"])
        r = make("uninstall", "PREFIX=/usr", "DESTDIR=" + self.dest)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(files_under(self.dest), [])

    def test_install_and_uninstall_keep_an_edited_settings_file(self):
        env_file = Path(self.dest) / "etc/awesome-api/awesome-api.env"
        self.install("DESTDIR=" + self.dest)
        env_file.write_text("ADMIN_EMAIL=ops@example.com\n")
        self.install("DESTDIR=" + self.dest)
        self.assertEqual(env_file.read_text(), "ADMIN_EMAIL=ops@example.com\n")
        r = make("uninstall", "DESTDIR=" + self.dest)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("keeping", r.stdout)
        self.assertEqual(files_under(self.dest), ["etc/awesome-api/awesome-api.env"])

    def test_systemd_analyze_verify_accepts_every_installed_unit(self):
        # verify checks that ExecStart= binaries exist, so the units are rendered with a
        # PREFIX inside the temp folder (same templates, same make rule, no DESTDIR).
        tool = shutil.which("systemd-analyze")
        self.assertIsNotNone(tool, "systemd-analyze missing: install the systemd package")
        self.install("PREFIX=%s/usr/local" % self.dest, "SYSCONFDIR=%s/etc" % self.dest)
        units = [os.path.join(self.dest, "usr/local/lib/systemd/system", u) for u in UNITS]
        r = run([tool, "verify"] + units, cwd=self.dest)
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))

    def test_installed_nginx_keeps_no_fastcgi_connection_alive(self):
        # SPEC §3, §12: libfcgi serves one connection per worker, so an idle kept-alive
        # FastCGI connection pins a worker; the production site turns keep-alive on nowhere.
        self.install("DESTDIR=" + self.dest)
        d = Path(self.dest) / "etc/nginx"
        for rel in ["sites-available/awesome-api.conf"] + [
                "snippets/" + p.name for p in NGINX.glob("awesome-api-*.conf")]:
            text = re.sub(r"#.*", "", (d / rel).read_text())
            self.assertNotRegex(text, r"\bfastcgi_keep_conn\s+on\b", rel)
            self.assertNotRegex(text, r"\bkeepalive\s+\d+\s*;", rel)

    def test_nginx_accepts_the_installed_site_and_snippet(self):
        self.install("PREFIX=%s/usr/local" % self.dest, "SYSCONFDIR=%s/etc" % self.dest)
        conf = os.path.join(self.dest, "nginx.conf")
        with open(conf, "w") as f:
            f.write("pid %s/nginx.pid;\nerror_log %s/error.log;\nevents {}\n"
                    "http {\n    include %s/etc/nginx/sites-available/awesome-api.conf;\n}\n"
                    % (self.dest, self.dest, self.dest))
        r = run(["nginx", "-t", "-p", self.dest, "-e", os.path.join(self.dest, "error.log"),
                 "-c", conf])
        self.assertEqual(r.returncode, 0, r.stderr)


# --------------------------------------------------------------------------------------------
# The installed units' commands, started the way systemd starts them


class SocketActivationTest(unittest.TestCase):
    """awesome-api.service's ExecStart, Environment= and WorkingDirectory=, as installed,
    under systemd-socket-activate (the socket is passed as LISTEN_FDS, the process is
    exec'd on the first connection) with a NOTIFY_SOCKET read by the test."""

    @classmethod
    def setUpClass(cls):
        cls.prefix = tempfile.mkdtemp(prefix="awesome-api-units-")
        r = make("install", "PREFIX=%s/usr/local" % cls.prefix, "SYSCONFDIR=%s/etc" % cls.prefix)
        if r.returncode != 0:
            shutil.rmtree(cls.prefix, ignore_errors=True)
            raise AssertionError("make install failed:\n" + r.stdout + r.stderr)
        units = Path(cls.prefix) / "usr/local/lib/systemd/system"
        cls.service = read_unit(units / "awesome-api.service")
        cls.migrate = read_unit(units / "awesome-api-migrate.service")
        cls.socket_unit = read_unit(units / "awesome-api.socket")
        cls.stack = harness.Stack(workers=2, migrate=False, start_api=False,
                                  name="deploy-activation")
        try:
            cls.stack.start()
            # Complete the installed settings file as README "Deploying" says. LISTEN names
            # a socket that must never appear: the master is to use systemd's.
            cls.unused_listen = os.path.join(cls.stack.tmp, "not-used.sock")
            with open(unit_environment(cls.service)["ENV_FILE"], "a") as f:
                f.write("DATABASE_URL=%s\nADMIN_EMAIL=ops@example.com\nWORKERS=2\n"
                        "LISTEN=unix:%s\n" % (cls.stack.database_url, cls.unused_listen))
            cls.migrated = cls.run_unit(cls.migrate)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()
        shutil.rmtree(cls.prefix, ignore_errors=True)

    @classmethod
    def run_unit(cls, unit):
        """Runs a oneshot unit's ExecStart with its Environment= and WorkingDirectory=."""
        return run(shlex.split(unit["ExecStart"][0]), env=unit_environment(unit),
                   cwd=unit["WorkingDirectory"][0])

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="awesome-api-activate-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.notify = NotifySocket(self.tmp)
        self.addCleanup(self.notify.close)
        self.log_path = os.path.join(self.tmp, "activate.log")
        # The stack's unix socket path, opened by systemd-socket-activate instead of the
        # worker (which leaves the permissions to systemd then).
        sock_path = self.stack.fcgi_listen[len("unix:"):]
        args = ["systemd-socket-activate", "-l", sock_path]
        env = dict(unit_environment(self.service), NOTIFY_SOCKET=self.notify.path)
        for k, v in sorted(env.items()):
            args += ["-E", "%s=%s" % (k, v)]
        for k in sorted(harness.base_env()):
            if k.startswith(("ASAN_", "UBSAN_", "LSAN_")):
                args += ["-E", k]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                args + shlex.split(self.service["ExecStart"][0]), env=harness.base_env(),
                cwd=self.service["WorkingDirectory"][0], stdin=subprocess.DEVNULL,
                stdout=log, stderr=log, start_new_session=True)
        self.addCleanup(self.check_log)
        self.addCleanup(terminate, self.proc)
        wait_for(lambda: "Listening on" in self.log_text() or self.proc.poll() is not None,
                 what="systemd-socket-activate to listen")
        # What awesome-api.socket's SocketMode= and SocketGroup= have systemd do, with the
        # group of this test's nginx (nobody's, not Debian's www-data) when root.
        self.assertEqual(self.socket_unit["SocketMode"], ["0660"])
        os.chmod(sock_path, 0o660)
        if harness.IS_ROOT:
            shutil.chown(sock_path, group=harness.nginx_group())

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def check_log(self):
        report = harness.sanitizer_report(self.log_text())
        if report:
            raise harness.SanitizerError(report)

    def activate(self):
        """The first request through nginx starts the master; returns READY=1's message."""
        self.assertIsNone(self.proc.poll(), self.log_text())
        # Nothing runs before the first connection: systemd-socket-activate only listens.
        self.assertEqual(comm(self.proc.pid), "systemd-socket-")
        self.assertEqual(self.notify.pending(), [])
        r = self.stack.request("GET", "/info")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["admin_email"], "ops@example.com")
        return self.notify.wait("READY=1")

    def test_installed_migrate_unit_command_brought_the_database_to_head(self):
        self.assertEqual(self.migrated.returncode, 0, self.migrated.stdout + self.migrated.stderr)
        r = self.stack.dbtool("current", "--check-heads")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("(head)", r.stdout)

    def test_master_takes_the_inherited_socket_serves_and_notifies_ready_then_reloading(self):
        ready = self.activate()
        # READY=1 came from the master (exec'd in place, so LISTEN_PID matched) once both
        # workers were up.
        master = self.proc.pid
        self.assertEqual(comm(master), "api-worker")
        self.assertEqual(len(children(master)), 2, ready)
        self.assertFalse(os.path.exists(self.unused_listen), "LISTEN must be ignored")
        for path in ("/users/?limit=5", "/readyz"):
            r = self.stack.request("GET", path)
            self.assertEqual(r.status, 200, "%s: %r" % (path, r))

        # systemctl reload (ExecReload= SIGHUP): RELOADING=1, then READY=1 with new workers.
        old = children(master)
        self.proc.send_signal(signal.SIGHUP)
        self.notify.wait("RELOADING=1")
        self.notify.wait("READY=1")
        new = wait_for(lambda: (lambda c: c if len(c) == 2 and not set(c) & set(old) else None)(
            children(master)), what="both workers replaced")
        self.assertEqual(len(new), 2)
        self.assertEqual(self.stack.request("GET", "/info").status, 200)

    def test_sigterm_sends_stopping_and_the_master_exits_0(self):
        self.activate()
        self.proc.send_signal(signal.SIGTERM)
        self.notify.wait("STOPPING=1")
        self.assertEqual(self.proc.wait(WAIT), 0, self.log_text())


# --------------------------------------------------------------------------------------------
# deploy/release.sh


def release_env(st, **extra):
    """The release script's environment: the stack's settings and the tested binaries."""
    env = dict(st.env)
    env.update({"DBTOOL": harness.BUILD_DIR / "dbtool",
                "API_WORKER": harness.BUILD_DIR / "api-worker"})
    env.update(extra)
    return env


class ReleaseUnderLoadTest(unittest.TestCase):
    def test_release_under_load_migrates_and_replaces_workers_without_a_failed_request(self):
        versions = tempfile.mkdtemp(prefix="awesome-api-versions-")
        self.addCleanup(shutil.rmtree, versions, ignore_errors=True)
        for f in VERSIONS.glob("*.sql"):
            shutil.copy(f, versions)
        # Every request takes 10 ms in the worker (runtime fault hook), so the workers are
        # busy most of the time: a reload that dropped a request in hand would show.
        with harness.Stack(env={"MIGRATIONS_DIR": versions, "ITEMS_PER_USER": 1000000,
                                "API_WORKER_FAULT": "slow-request:10"},
                           workers=3, name="deploy-release") as st:
            r = st.request("POST", "/users/", json={"email": "load@example.com",
                                                    "password": "correct horse"})
            self.assertEqual(r.status, 201, r)
            load = Load(st, r.json()["id"]).start()
            try:
                old_pids = st.worker_pids()
                rev = write_revision(
                    versions, head_of(st), "add items release note",
                    "ALTER TABLE items ADD COLUMN release_note text;\n"
                    "CREATE TABLE release_marker (id integer PRIMARY KEY);",
                    "DROP TABLE release_marker;\nALTER TABLE items DROP COLUMN release_note;")
                pid_file = os.path.join(st.tmp, "master.pid")
                with open(pid_file, "w") as f:
                    f.write("%d\n" % st.master_pid)

                r = run(["sh", RELEASE, "--pid-file", pid_file], env=release_env(st))
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

                new_pids = wait_for(
                    lambda: (lambda p: p if len(p) == 3 and not set(p) & set(old_pids)
                             else None)(st.worker_pids()),
                    what="every worker replaced")
                # Keep the load on the new workers for a moment.
                start = load.count
                wait_for(lambda: load.count >= start + 30, what="requests on the new workers")
            finally:
                load.stop()
            self.assertEqual(load.failures, [], "%d of %d requests failed"
                             % (len(load.failures), load.count))
            self.assertGreater(load.count, 60)
            self.assertEqual(len(new_pids), 3)

            r = st.dbtool("current")
            self.assertEqual(r.stdout.split()[0], rev, r.stdout + r.stderr)
            cols = st.pg.psql(st.database_url, "SELECT column_name FROM "
                              "information_schema.columns WHERE table_name = 'items' "
                              "AND column_name = 'release_note'")
            self.assertEqual(cols.strip(), "release_note")
            # Every worker now knows the new head and finds the database at it.
            for _ in range(6):
                r = st.request("GET", "/readyz")
                self.assertEqual((r.status, r.json().get("schema")), (200, rev), r)


class ReleaseRefusedTest(unittest.TestCase):
    """The release stops before the reload when a step fails; the workers are untouched."""

    @classmethod
    def setUpClass(cls):
        cls.versions = tempfile.mkdtemp(prefix="awesome-api-versions-")
        for f in VERSIONS.glob("*.sql"):
            shutil.copy(f, cls.versions)
        cls.stack = harness.Stack(env={"MIGRATIONS_DIR": cls.versions}, workers=2,
                                  name="deploy-refused")
        try:
            cls.stack.start()
            cls.head = head_of(cls.stack)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()
        shutil.rmtree(cls.versions, ignore_errors=True)

    def release(self, **env):
        """Adds nothing itself; runs release.sh with a reload command that leaves a mark."""
        marker = os.path.join(self.stack.tmp, "reloaded")
        before = self.stack.worker_pids()
        r = run(["sh", RELEASE, "--reload-cmd", "touch %s && kill -HUP %d"
                 % (marker, self.stack.master_pid)], env=release_env(self.stack, **env))
        self.assertFalse(os.path.exists(marker), "the reload command ran:\n" + r.stdout)
        time.sleep(0.3)  # a reload, had there been one, would be replacing workers by now
        self.assertEqual(self.stack.worker_pids(), before)
        self.assertEqual(self.stack.request("GET", "/info").status, 200)
        return r

    def add_revision(self, up, down):
        rev = write_revision(self.versions, self.head, "release attempt", up, down)
        path = next(Path(self.versions).glob(rev + "_*.sql"))
        self.addCleanup(path.unlink)
        return rev

    def current(self):
        return self.stack.dbtool("current").stdout.split()[0]

    def test_failed_migration_exits_1_and_does_not_reload(self):
        self.add_revision("ALTER TABLE no_such_table ADD COLUMN x integer;",
                          "ALTER TABLE no_such_table DROP COLUMN x;")
        r = self.release()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("migration failed", r.stderr)
        self.assertIn("NOT reloaded", r.stderr)
        self.assertEqual(self.current(), self.head)

    def test_invalid_settings_exit_78_before_migrating(self):
        self.add_revision("CREATE TABLE never_created (id integer);", "DROP TABLE never_created;")
        r = self.release(ITEMS_PER_USER="fifty")
        self.assertEqual(r.returncode, 78, r.stdout + r.stderr)
        self.assertIn("ITEMS_PER_USER", r.stderr)
        self.assertNotIn("migrating", r.stdout)
        self.assertEqual(self.current(), self.head)


# --------------------------------------------------------------------------------------------
# deploy/start.sh


class StartScriptTest(unittest.TestCase):
    def test_bad_setting_exits_78_before_any_database_connection(self):
        # The database "server" is a socket that counts connections: there must be none.
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        server.settimeout(0.2)
        self.addCleanup(server.close)
        port = server.getsockname()[1]
        cwd = tempfile.mkdtemp(prefix="awesome-api-start-")  # no etc/dev.env here
        self.addCleanup(shutil.rmtree, cwd, ignore_errors=True)
        # dbtool would refuse these settings too; the wrapper shows it is not even run.
        marker = os.path.join(cwd, "dbtool-ran")
        wrapper = os.path.join(cwd, "dbtool")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\ntouch %s\nexec %s "$@"\n'
                    % (shlex.quote(marker), shlex.quote(str(harness.BUILD_DIR / "dbtool"))))
        os.chmod(wrapper, 0o755)
        r = run(["sh", START], cwd=cwd, env={
            "DATABASE_URL": "postgresql://app:secret@127.0.0.1:%d/awesome_api" % port,
            "DBTOOL": wrapper, "API_WORKER": harness.BUILD_DIR / "api-worker"})
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 78, out)
        self.assertIn("ADMIN_EMAIL", out)
        self.assertIn("required", out)
        self.assertNotRegex(out.lower(), r"connect|could not|server")
        self.assertNotIn("secret", out)
        self.assertFalse(os.path.exists(marker), "dbtool ran")
        with self.assertRaises(socket.timeout):
            server.accept()

    def test_good_settings_migrate_then_exec_the_master(self):
        with harness.Stack(workers=2, migrate=False, start_api=False,
                           name="deploy-start") as st:
            env = dict(st.env, DBTOOL=harness.BUILD_DIR / "dbtool",
                       API_WORKER=harness.BUILD_DIR / "api-worker")
            log_path = os.path.join(st.tmp, "start.log")
            with open(log_path, "ab") as log:
                proc = subprocess.Popen(["sh", str(START)], env={k: str(v) for k, v in
                                                                 env.items()},
                                        cwd=str(ROOT), stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=log, start_new_session=True)
            self.addCleanup(terminate, proc)
            wait_for(lambda: proc.poll() is not None or st.request("GET", "/readyz").status == 200,
                     what="/readyz 200 through nginx")
            self.assertIsNone(proc.poll(), "start.sh exited")
            # exec: the shell's pid is now the master's, and the workers are its children.
            self.assertEqual(comm(proc.pid), "api-worker")
            self.assertEqual(len(children(proc.pid)), 2)
            r = st.dbtool("current", "--check-heads")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(terminate(proc), 0)
            with open(log_path, errors="replace") as f:
                text = f.read()
            self.assertIn("Running upgrade", text)
            report = harness.sanitizer_report(text)
            if report:
                raise harness.SanitizerError(report)


if __name__ == "__main__":
    unittest.main()
