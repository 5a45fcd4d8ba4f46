#!/bin/sh
# stack.sh — the local development stack behind `make run` / `make stop`.
#
#   sh deploy/stack.sh start DIR HTTP_PORT   PostgreSQL + migrations + api-worker + nginx
#   sh deploy/stack.sh stop DIR              stop what `start` started (data is kept)
#   sh deploy/stack.sh status DIR            what is running (exit 0 only if all of it)
#
# Everything lives in DIR (`make run` uses .run/, git-ignored):
#   DIR/pgdata/           project-local PostgreSQL cluster (its log: pgdata/server.log)
#   DIR/api-worker.log    the workers' log; DIR/api-worker.pid the master's pid
#   DIR/nginx/            nginx prefix: nginx.conf (rendered from nginx/local.conf.in),
#                         nginx.pid, error.log, access.log, temp folders
# When run as root, PostgreSQL runs as `postgres` and nginx's workers as `nobody`; if they
# cannot reach DIR (a clone under /root, or in a private temp folder), pgdata/ and nginx/
# are kept in /var/tmp/awesome-api-<hash of DIR>/ instead, with symlinks from DIR.
#
# Settings: etc/dev.env, overridden by the environment as usual; this script sets
# DATABASE_URL (the local cluster) and LISTEN. Knobs: PGPORT (5433), LISTEN
# (127.0.0.1:9000), BUILD_DIR (build). Starting is idempotent: a part already running is
# left alone, so `make run` twice never starts a second copy.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

BUILD_DIR=${BUILD_DIR:-build}
PGPORT=${PGPORT:-5433}
LISTEN=${LISTEN:-127.0.0.1:9000}
ENV_FILE=${ENV_FILE:-$ROOT/etc/dev.env}
DB_NAME=awesome_api
DATABASE_URL="postgresql://app:app@127.0.0.1:$PGPORT/$DB_NAME"
export ENV_FILE DATABASE_URL LISTEN

die() {
    echo "stack: $*" >&2
    exit 1
}
say() { echo "stack: $*"; }

usage() {
    echo "usage: $0 start DIR HTTP_PORT | stop DIR | status DIR" >&2
    exit 2
}

[ $# -ge 2 ] || usage
CMD=$1
mkdir -p "$2"
DIR=$(cd "$2" && pwd)
HTTP_PORT=${3:-8080}

IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1

# The newest installed PostgreSQL server (Debian keeps them in /usr/lib/postgresql/N/bin).
PGBIN=""
for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] || continue
    if [ -z "$PGBIN" ] || [ "$(basename "$(dirname "$d")")" -gt "$(basename "$(dirname "$PGBIN")")" ]; then
        PGBIN=$d
    fi
done
[ -n "$PGBIN" ] || die "PostgreSQL server not found (run make deps)"

as_postgres() {
    if [ $IS_ROOT -eq 1 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# can USER reach (search) directory D?
can_reach() {
    runuser -u "$1" -- test -x "$2" 2>/dev/null
}

# Where pgdata/ and nginx/ really live (see the header).
runtime_dir() {
    if [ $IS_ROOT -eq 1 ] && ! { can_reach postgres "$DIR" && can_reach nobody "$DIR"; }; then
        hash=$(printf '%s' "$DIR" | sha256sum | cut -c1-12)
        echo "/var/tmp/awesome-api-$hash"
    else
        echo "$DIR"
    fi
}

# The real paths (postgres and nobody must not go through DIR when it is private to root).
resolve_paths() {
    PGDATA=$(readlink -m "$DIR/pgdata")
    NGINX_PREFIX=$(readlink -m "$DIR/nginx")
}
resolve_paths
API_PID=$DIR/api-worker.pid
API_LOG=$DIR/api-worker.log

# pid from a pid file if that process is alive and its command line contains $2.
live_pid() {
    [ -f "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$2" || return 1
    echo "$pid"
}

port_busy() {
    # "host:port" or just a port on 127.0.0.1
    hp=$1
    case $hp in *:*) ;; *) hp=127.0.0.1:$hp ;; esac
    ss -Hltn "sport = :${hp##*:}" 2>/dev/null | grep -q .
}

pg_running() {
    [ -f "$PGDATA/PG_VERSION" ] && as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

psql_admin() {
    "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$PGDATA" -p "$PGPORT" -U postgres -d postgres "$@"
}

# --- start ----------------------------------------------------------------------------------

start_postgres() {
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        rt=$(runtime_dir)
        if [ "$rt" != "$DIR" ]; then
            say "postgres/nobody cannot reach $DIR: cluster and nginx files go to $rt"
            mkdir -p "$rt/pgdata" "$rt/nginx"
            chmod 755 "$rt"
            rm -rf "$DIR/pgdata" "$DIR/nginx"
            ln -s "$rt/pgdata" "$DIR/pgdata"
            ln -s "$rt/nginx" "$DIR/nginx"
            resolve_paths
        fi
        mkdir -p "$PGDATA"
        [ $IS_ROOT -eq 1 ] && chown postgres:postgres "$PGDATA"
        chmod 700 "$PGDATA"
        say "creating PostgreSQL cluster in $PGDATA"
        as_postgres "$PGBIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --no-locale \
            --auth-local=trust --auth-host=scram-sha-256 >"$DIR/initdb.log" 2>&1 ||
            die "initdb failed, see $DIR/initdb.log"
        cat >>"$PGDATA/postgresql.conf" <<EOF

# awesome-api local stack (deploy/stack.sh); the port is given at start (PGPORT)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGDATA'
EOF
    fi
    if pg_running; then
        say "PostgreSQL already running"
    else
        port_busy "$PGPORT" && die "port $PGPORT is in use; set PGPORT to a free port (e.g. PGPORT=5434 make run)"
        as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -o "-p $PGPORT" -w -t 60 start >/dev/null ||
            die "PostgreSQL did not start, see $PGDATA/server.log"
    fi
    if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'app'")" != 1 ]; then
        psql_admin -c "CREATE ROLE app LOGIN CREATEDB PASSWORD 'app'"
    fi
    if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
        psql_admin -c "CREATE DATABASE $DB_NAME OWNER app"
    fi
}

migrate() {
    "$BUILD_DIR/dbtool" upgrade head || die "dbtool upgrade head failed (exit $?)"
}

start_api() {
    if pid=$(live_pid "$API_PID" api-worker); then
        say "api-worker already running (pid $pid)"
        return 0
    fi
    port_busy "$LISTEN" && die "FastCGI address $LISTEN is in use; set LISTEN=127.0.0.1:PORT"
    # Also the settings check: a bad setting stops here with the §2 report (exit 78).
    cfg=$("$BUILD_DIR/api-worker" --print-config) || die "invalid settings (see above)"
    WORKERS_EFFECTIVE=$(printf '%s\n' "$cfg" | sed -n 's/^WORKERS=\([0-9][0-9]*\).*/\1/p')
    # setsid: the workers outlive this script and the terminal (SIGHUP means "reload").
    setsid "$BUILD_DIR/api-worker" </dev/null >>"$API_LOG" 2>&1 &
    echo $! >"$API_PID"
}

# nginx worker_processes and upstream keepalive for WORKERS api-workers; the rule
# (SPEC §3, nginx/local.conf.in): processes × keepalive < WORKERS. Same as the harness.
nginx_sizing() {
    w=$1
    if [ "$w" -ge 5 ]; then procs=2; else procs=1; fi
    ka=$(((w - 1) / procs))
    [ $ka -gt 2 ] && ka=2
    KEEPALIVE=""
    [ $ka -gt 0 ] && KEEPALIVE="keepalive $ka;"
    PROCS=$procs
}

start_nginx() {
    if pid=$(live_pid "$NGINX_PREFIX/nginx.pid" nginx); then
        say "nginx already running (pid $pid)"
        return 0
    fi
    port_busy "$HTTP_PORT" && die "port $HTTP_PORT is in use (another make run? try make stop)"
    mkdir -p "$NGINX_PREFIX"
    chmod 755 "$NGINX_PREFIX"
    nginx_sizing "${WORKERS_EFFECTIVE:-$((4 * $(nproc)))}"
    sed -e "s|@PREFIX@|$NGINX_PREFIX|g" -e "s|@LISTEN@|127.0.0.1:$HTTP_PORT|g" \
        -e "s|@UPSTREAM@|$LISTEN|g" -e "s|@NGINX_DIR@|$ROOT/nginx|g" \
        -e "s|@WORKER_PROCESSES@|$PROCS|g" -e "s|@KEEPALIVE@|$KEEPALIVE|g" \
        nginx/local.conf.in >"$NGINX_PREFIX/nginx.conf"
    nginx -p "$NGINX_PREFIX" -e "$NGINX_PREFIX/error.log" -c "$NGINX_PREFIX/nginx.conf" ||
        die "nginx did not start, see $NGINX_PREFIX/error.log"
}

wait_healthy() {
    i=0
    while [ $i -lt 100 ]; do
        if curl -fsS -o /dev/null "http://127.0.0.1:$HTTP_PORT/healthz" 2>/dev/null; then
            return 0
        fi
        i=$((i + 1))
        sleep 0.2
    done
    echo "--- $API_LOG (tail)" >&2
    tail -n 20 "$API_LOG" >&2 || true
    echo "--- $NGINX_PREFIX/error.log (tail)" >&2
    tail -n 5 "$NGINX_PREFIX/error.log" >&2 || true
    die "http://127.0.0.1:$HTTP_PORT/healthz did not answer 200 within 20 s (make stop to clean up)"
}

do_start() {
    [ -x "$BUILD_DIR/api-worker" ] || die "$BUILD_DIR/api-worker is not built (run make)"
    [ -x "$BUILD_DIR/dbtool" ] || die "$BUILD_DIR/dbtool is not built (run make)"
    start_postgres
    migrate
    start_api
    start_nginx
    wait_healthy
    cat <<EOF

Awesome API is running:
  API          http://127.0.0.1:$HTTP_PORT/   (try: curl http://127.0.0.1:$HTTP_PORT/info)
  api-worker   pid $(cat "$API_PID"), FastCGI on $LISTEN, log $API_LOG
  nginx        pid $(cat "$NGINX_PREFIX/nginx.pid"), logs $NGINX_PREFIX/error.log, access.log
  PostgreSQL   $(echo "$DATABASE_URL" | sed 's|//app:app@|//app:****@|'), data $PGDATA, log $PGDATA/server.log
Stop it with: make stop   (data is kept in $DIR)
EOF
}

# --- stop -----------------------------------------------------------------------------------

# kill -SIG pid, wait up to N tenths of a second, then SIGKILL.
stop_pid() {
    pid=$1 sig=$2 tenths=$3
    kill "-$sig" "$pid" 2>/dev/null || return 0
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt "$tenths" ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "pid $pid did not stop in time: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
}

do_stop() {
    if pid=$(live_pid "$NGINX_PREFIX/nginx.pid" nginx); then
        stop_pid "$pid" QUIT 100
        say "nginx stopped"
    fi
    rm -f "$NGINX_PREFIX/nginx.pid"
    if pid=$(live_pid "$API_PID" api-worker); then
        stop_pid "$pid" TERM 300
        say "api-worker stopped"
    fi
    rm -f "$API_PID"
    if pg_running; then
        as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
        say "PostgreSQL stopped"
    fi
    say "stopped (data kept in $DIR)"
}

# --- status ---------------------------------------------------------------------------------

do_status() {
    ok=0
    HTTP_PORT=$(sed -n 's/^ *listen 127.0.0.1:\([0-9]*\);/\1/p' "$NGINX_PREFIX/nginx.conf" 2>/dev/null || true)
    if pg_running; then say "PostgreSQL  running ($PGDATA)"; else say "PostgreSQL  stopped"; ok=3; fi
    if pid=$(live_pid "$API_PID" api-worker); then
        say "api-worker  running (pid $pid, $LISTEN)"
    else
        say "api-worker  stopped"
        ok=3
    fi
    if pid=$(live_pid "$NGINX_PREFIX/nginx.pid" nginx); then
        say "nginx       running (pid $pid, http://127.0.0.1:$HTTP_PORT/)"
    else
        say "nginx       stopped"
        ok=3
    fi
    return $ok
}

case $CMD in
start) do_start ;;
stop) do_stop ;;
status) do_status ;;
*) usage ;;
esac
