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
#   DIR/fcgi.sock         the workers' FastCGI socket (unix, mode 0660: SPEC §12)
#   DIR/nginx/            nginx prefix: nginx.conf (rendered from nginx/local.conf.in), the
#                         copies of nginx/awesome-api-*.conf it includes (edited, below),
#                         docs/ (copies of the files /docs and /redoc serve: the Makefile's
#                         DOCS_FILES), nginx.pid, error.log, access.log, temp folders
# When run as root, PostgreSQL runs as `postgres` and nginx's workers as nobody (group
# nogroup on Debian, from the rendered `user` line); the FastCGI socket gets their group
# (LISTEN_GROUP). If they cannot reach DIR (a clone under /root, or in a private temp
# folder), pgdata/, nginx/ and fcgi.sock are kept in /var/tmp/awesome-api-<hash of DIR>/
# instead, with symlinks from DIR for the two folders. Nothing nginx's workers open is in
# the source tree, which may be private to root: hence the copies.
#
# Settings: etc/dev.env, overridden by the environment as usual; this script sets
# DATABASE_URL (the local cluster) and LISTEN. Knobs:
#   PGPORT       5433
#   LISTEN       unix:<the socket above>; host:port for TCP (nginx then connects from
#                127.0.0.1, which FCGI_WEB_SERVER_ADDRS allows by default)
#   BUILD_DIR    build (relative to the repository, or absolute)
#   RATE_LIMITS  shipped (default: nginx/awesome-api-limits.conf as it is) or relaxed
#                (every rate and connection limit very high: load tests from one address,
#                such as make bench)
# nginx's client_max_body_size and client_body_buffer_size are the workers' effective
# MAX_BODY_BYTES (SPEC §12), written into the copy of awesome-api-fastcgi.conf. Starting is
# idempotent: a part already running is left alone, so `make run` twice never starts a
# second copy.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

BUILD_DIR=${BUILD_DIR:-build}
PGPORT=${PGPORT:-5433}
USER_LISTEN=${LISTEN:-}
RATE_LIMITS=${RATE_LIMITS:-shipped}
ENV_FILE=${ENV_FILE:-$ROOT/etc/dev.env}
DB_NAME=awesome_api
DATABASE_URL="postgresql://app:app@127.0.0.1:$PGPORT/$DB_NAME"
export ENV_FILE DATABASE_URL
case $RATE_LIMITS in shipped | relaxed) ;; *)
    echo "stack: RATE_LIMITS is shipped or relaxed, not '$RATE_LIMITS'" >&2
    exit 2
    ;;
esac

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

# Who nginx's workers run as when the master is root (nginx/local.conf.in's @USER@). Not
# root: they run as we do, and the FastCGI socket keeps our group.
NGINX_USER=nobody
NGINX_USER_LINE=""
if [ $IS_ROOT -eq 1 ]; then
    NGINX_GROUP=$(id -gn "$NGINX_USER")
    NGINX_USER_LINE="user $NGINX_USER $NGINX_GROUP;"
    LISTEN_GROUP=${LISTEN_GROUP:-$NGINX_GROUP}
    export LISTEN_GROUP
fi

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

# The real paths (postgres and nobody must not go through DIR when it is private to root);
# the FastCGI socket sits next to the real nginx/.
resolve_paths() {
    PGDATA=$(readlink -m "$DIR/pgdata")
    NGINX_PREFIX=$(readlink -m "$DIR/nginx")
    LISTEN=${USER_LISTEN:-unix:$(dirname "$NGINX_PREFIX")/fcgi.sock}
    export LISTEN
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

# On the first start: where the cluster, nginx's files and the socket go (see the header).
prepare_dirs() {
    [ -f "$PGDATA/PG_VERSION" ] && return 0
    rt=$(runtime_dir)
    if [ "$rt" != "$DIR" ]; then
        say "postgres/nobody cannot reach $DIR: cluster, nginx files and socket go to $rt"
        mkdir -p "$rt/pgdata" "$rt/nginx"
        chmod 755 "$rt"
        rm -rf "$DIR/pgdata" "$DIR/nginx"
        ln -s "$rt/pgdata" "$DIR/pgdata"
        ln -s "$rt/nginx" "$DIR/nginx"
        resolve_paths
    fi
}

# The settings check (a bad setting stops here with the §2 report, exit 78, before anything
# starts) and the effective values this script needs.
read_settings() {
    cfg=$("$BUILD_DIR/api-worker" --print-config) || die "invalid settings (see above)"
    MAX_BODY_BYTES_EFFECTIVE=$(printf '%s\n' "$cfg" | sed -n 's/^MAX_BODY_BYTES=\([0-9][0-9]*\).*/\1/p')
    [ -n "$MAX_BODY_BYTES_EFFECTIVE" ] || die "api-worker --print-config shows no MAX_BODY_BYTES"
}

start_postgres() {
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
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
    case $LISTEN in
    unix:*) ;; # a stale socket file of a killed master is replaced by the new one
    *) port_busy "$LISTEN" && die "FastCGI address $LISTEN is in use; set LISTEN=127.0.0.1:PORT" ;;
    esac
    # setsid: the workers outlive this script and the terminal (SIGHUP means "reload").
    setsid "$BUILD_DIR/api-worker" </dev/null >>"$API_LOG" 2>&1 &
    echo $! >"$API_PID"
}

# The files of the Makefile's DOCS_FILES (what /docs and /redoc serve; `make install` copies
# the same list), relative to nginx/docs/.
docs_files() {
    sed -n '/^DOCS_FILES[[:space:]]*:*=/,/[^\\]$/p' Makefile |
        sed -e 's/^DOCS_FILES[[:space:]]*:*=//' -e 's/\\$//'
}

# nginx's copies, in its prefix: the snippets, edited (body size = MAX_BODY_BYTES, nginx's
# 0 meaning "no limit" while the worker's means "no body"; relaxed limits on request), and
# the docs files, readable by nginx's workers.
stage_nginx_dir() {
    body=$MAX_BODY_BYTES_EFFECTIVE
    [ "$body" -gt 0 ] || body=1
    set -- -e "s/^\([[:space:]]*client_max_body_size[[:space:]][[:space:]]*\)[^;]*;/\1$body;/" \
        -e "s/^\([[:space:]]*client_body_buffer_size[[:space:]][[:space:]]*\)[^;]*;/\1$body;/"
    if [ "$RATE_LIMITS" = relaxed ]; then
        set -- "$@" -e 's|rate=[0-9][0-9]*r/[sm]|rate=100000r/s|g' \
            -e 's/burst=[0-9][0-9]*/burst=100000/g' \
            -e 's/^\([[:space:]]*limit_conn[[:space:]][[:space:]]*[^[:space:]][^[:space:]]*[[:space:]][[:space:]]*\)[0-9][0-9]*;/\110000;/'
    fi
    for f in nginx/awesome-api-*.conf; do
        sed "$@" "$f" >"$NGINX_PREFIX/${f#nginx/}"
    done
    grep -q "^client_max_body_size $body;" "$NGINX_PREFIX/awesome-api-fastcgi.conf" ||
        die "could not set client_max_body_size in $NGINX_PREFIX/awesome-api-fastcgi.conf"
    rm -rf "$NGINX_PREFIX/docs"
    mkdir -p "$NGINX_PREFIX/docs"
    missing=""
    for rel in $(docs_files); do
        if [ -f "nginx/docs/$rel" ]; then
            mkdir -p "$(dirname "$NGINX_PREFIX/docs/$rel")"
            cp "nginx/docs/$rel" "$NGINX_PREFIX/docs/$rel"
            chmod 644 "$NGINX_PREFIX/docs/$rel"
        else
            missing="$missing $rel"
        fi
    done
    find "$NGINX_PREFIX/docs" -type d -exec chmod 755 {} +
    [ -z "$missing" ] || say "not in nginx/docs/ (make docs-assets):$missing; /docs answers 404"
}

start_nginx() {
    if pid=$(live_pid "$NGINX_PREFIX/nginx.pid" nginx); then
        say "nginx already running (pid $pid)"
        return 0
    fi
    port_busy "$HTTP_PORT" && die "port $HTTP_PORT is in use (another make run? try make stop)"
    mkdir -p "$NGINX_PREFIX"
    chmod 755 "$NGINX_PREFIX"
    stage_nginx_dir
    # worker_processes auto (one per CPU), as production's nginx.conf.
    sed -e "s|@PREFIX@|$NGINX_PREFIX|g" -e "s|@LISTEN@|127.0.0.1:$HTTP_PORT|g" \
        -e "s|@UPSTREAM@|$LISTEN|g" -e "s|@NGINX_DIR@|$NGINX_PREFIX|g" \
        -e "s|@WORKER_PROCESSES@|auto|g" -e "s|@USER@|$NGINX_USER_LINE|g" \
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
    prepare_dirs
    read_settings
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
