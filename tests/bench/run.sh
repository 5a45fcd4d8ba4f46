#!/bin/sh
# run.sh — `make bench` (SPEC §10, issue 6): the service and the machine's own ceilings,
# measured side by side in one run.
#
#   1. builds optimised binaries into build/bench/ (make BUILD=build/bench OPT=-O2);
#   2. starts PostgreSQL, api-worker and nginx in a temporary folder through
#      deploy/stack.sh (the same start logic as `make run`), with PostgreSQL tuned like a
#      small production box (pg_tune below); nginx's rendered configuration gets the
#      production site's sizing (worker_processes = CPUs, its upstream keepalive) and one
#      location answering a fixed JSON body itself (the nginx ceiling);
#   3. seeds 1000 users x 10 items (+ a pool of item-less "writer" users for the POSTs)
#      with one INSERT ... SELECT generate_series, every password hash copied from one
#      real user created through the API;
#   4. warms up, then drives wrk through nginx (bench.lua) for each endpoint and the fixed
#      JSON ceiling at each connection count, and pgbench -S / -N on the same PostgreSQL;
#   5. records the RSS of every worker, runs the 100k-request no-growth check, and writes
#      the table (results.py) to tests/bench/results/latest.md (also printed).
#
# Knobs (environment):
#   BENCH_SECONDS=10        length of each measured run
#   BENCH_CONNS="8 64"      connection counts (wrk -c, pgbench -c)
#   BENCH_THREADS=2         wrk -t and pgbench -j
#   BENCH_ENDPOINTS="info user items post"   the API runs (subset for experiments;
#                           also items0: GET /items/?limit=10, the first page)
#   BENCH_CEILINGS=1        0: skip the nginx and pgbench ceilings
#   BENCH_NOGROWTH=100000   requests per no-growth run (0: skip the check)
#   BENCH_WARMUP=2          seconds of warm-up per endpoint
#   BENCH_LISTEN=unix       unix (as in production) or tcp: the FastCGI socket
#   BENCH_KEEPALIVE=N       the upstream keepalive (0: no keep-alive); default: the
#                           production site's (nginx/awesome-api.conf)
#   BENCH_NGINX_PROCS=N     nginx worker_processes; default: the CPU count, as the
#                           production `worker_processes auto`
#   BENCH_PROFILE=perf      after the measured runs, one more run per endpoint of
#                           BENCH_PROFILE_ENDPOINTS (default: BENCH_ENDPOINTS) at the
#                           highest connection count under a system-wide `perf record -e
#                           cpu-clock` (a software clock: works in VMs without hardware
#                           counters): results/perf-<endpoint>.txt (time per process,
#                           top symbols of the workers, nginx, PostgreSQL and wrk)
#   BENCH_PROFILE=callgrind one worker (WORKERS=1) under valgrind's callgrind; per
#                           endpoint BENCH_PROFILE_REQUESTS (2000) requests on one
#                           connection, counters zeroed before and dumped after:
#                           results/callgrind-<endpoint>.txt (instructions per request
#                           and the functions they go to). No ceilings, no no-growth run.
#   BENCH_QUERIES=1         also time the statement variants of tests/bench/queries/
#                           (pgbench -f, -M prepared and -M simple, BENCH_QUERY_CONNS=8
#                           clients) on the seeded database: JSON built by PostgreSQL in
#                           one statement vs two plain statements, OFFSET vs index-only
#                           skipping, prepared vs not
#   BENCH_KEEP=1            keep the temporary folder (logs) after the run
#   BENCH_TAG=name          results are also copied to results/<name>.md
#   WORKERS, ITEMS_PER_USER, ...   worker settings, as everywhere (environment wins over
#                           etc/prod.env, which the bench uses; MAX_REQUESTS is 0 so
#                           the same workers live through the no-growth check)
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BENCH_DIR=$ROOT/tests/bench
RESULTS=$BENCH_DIR/results
BUILD_DIR=build/bench

SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-8 64}
THREADS=${BENCH_THREADS:-2}
ENDPOINTS=${BENCH_ENDPOINTS:-info user items post}
CEILINGS=${BENCH_CEILINGS:-1}
NOGROWTH=${BENCH_NOGROWTH:-100000}
WARMUP=${BENCH_WARMUP:-2}
LISTEN_KIND=${BENCH_LISTEN:-unix}
NUSERS=1000
ITEMS_PER_SEEDED_USER=10
NWRITERS=20000

PROFILE=${BENCH_PROFILE:-}
case $PROFILE in
"" | perf) ;;
callgrind)
    WORKERS=1
    export WORKERS
    CEILINGS=0
    NOGROWTH=0
    ;;
*)
    echo "bench: BENCH_PROFILE is perf or callgrind" >&2
    exit 2
    ;;
esac

say() { echo "bench: $*"; }
die() {
    echo "bench: $*" >&2
    exit 1
}

for tool in wrk pgbench curl; do
    command -v $tool >/dev/null 2>&1 || die "$tool not found (apt-get install wrk postgresql-contrib curl)"
done

# --- 0. the machine ---------------------------------------------------------------------

# How busy the CPUs are before we start (other people's work): the share of non-idle
# time over 3 s. The load average says the same more slowly, and also remembers our own
# previous run.
cpu_times() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
t0=$(cpu_times)
sleep 3
BUSY_BEFORE=$(echo "$t0 $(cpu_times)" | awk '{ d = $4 - $2; printf "%.0f", (d > 0 ? 100 * ($3 - $1) / d : 0) }')
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
if [ "$BUSY_BEFORE" -gt 10 ]; then
    say "WARNING: the CPUs are already ${BUSY_BEFORE}% busy: the machine is shared, figures will be low and noisy"
fi

# --- 1. build ---------------------------------------------------------------------------

say "building optimised binaries into $BUILD_DIR/"
make --no-print-directory BUILD=$BUILD_DIR OPT=-O2 all >/dev/null || die "build failed"

# --- 2. the stack -----------------------------------------------------------------------

TMP=$(mktemp -d /tmp/awesome-api-bench.XXXXXX)
chmod 755 "$TMP" # postgres and nobody (nginx's workers) work below it
STACK=$TMP/stack
mkdir -p "$STACK" "$RESULTS"
RAW=$TMP/raw.txt
META=$TMP/meta.txt
: >"$RAW"
: >"$META"

cleanup() {
    status=$?
    trap - EXIT INT TERM
    sh deploy/stack.sh stop "$STACK" >"$TMP/stop.log" 2>&1 || cat "$TMP/stop.log" >&2
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        say "kept $TMP"
    else
        rm -rf "$TMP"
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

if [ "$PROFILE" = callgrind ]; then
    # What stack.sh starts as api-worker: the optimised binary under callgrind (the master
    # and, through fork, its worker). Settings checks run it directly.
    mkdir -p "$TMP/bin"
    ln -s "$ROOT/$BUILD_DIR/dbtool" "$TMP/bin/dbtool"
    cat >"$TMP/bin/api-worker" <<WRAPPER
#!/bin/sh
case "\$*" in *--print-config* | *--version*) exec "$ROOT/$BUILD_DIR/api-worker" "\$@" ;; esac
exec valgrind --tool=callgrind --callgrind-out-file=$TMP/callgrind.out.%p \\
    --collect-atstart=no --toggle-collect=fcgi_io_accept --toggle-collect=worker_serve \\
    "$ROOT/$BUILD_DIR/api-worker" "\$@"
WRAPPER
    chmod 755 "$TMP/bin/api-worker"
    BUILD_DIR=$TMP/bin
fi

PGPORT=$(free_port)
HTTP_PORT=$(free_port)
if [ "$LISTEN_KIND" = tcp ]; then
    LISTEN=127.0.0.1:$(free_port)
else
    LISTEN=unix:$TMP/fcgi.sock
fi
# The settings of the workers: production's file, request log at info as in production,
# no recycling (the no-growth check needs the same processes from start to end).
ENV_FILE=$ROOT/etc/prod.env
LOG_LEVEL=${LOG_LEVEL:-info}
MAX_REQUESTS=0
# wrk drives everything from 127.0.0.1: production's per-address rate limits (SPEC §12)
# would answer nearly every request 429 themselves, so stack.sh raises them very high.
RATE_LIMITS=relaxed
export BUILD_DIR PGPORT LISTEN ENV_FILE LOG_LEVEL MAX_REQUESTS RATE_LIMITS

stack() {
    sh deploy/stack.sh "$@" "$STACK" "$HTTP_PORT" >>"$TMP/stack.log" 2>&1 || {
        cat "$TMP/stack.log" >&2
        die "deploy/stack.sh $1 failed"
    }
}

# PostgreSQL like a small production box: durable commits (fsync and
# synchronous_commit on, the defaults), 256 MB of shared buffers, checkpoints rare
# enough not to land inside a 10 s run, room for pgbench's 64 clients next to the
# workers. The pgbench ceilings run on this same server.
PG_SETTINGS="shared_buffers=256MB effective_cache_size=1GB synchronous_commit=on fsync=on
wal_buffers=16MB max_wal_size=2GB checkpoint_timeout=15min max_connections=200"
pg_tune() {
    {
        echo ""
        echo "# make bench (tests/bench/run.sh): a small production box"
        for kv in $PG_SETTINGS; do
            echo "${kv%%=*} = '${kv#*=}'"
        done
        echo "log_min_messages = warning"
    } >>"$STACK/pgdata/postgresql.conf"
}

say "starting PostgreSQL, api-worker and nginx in $TMP"
stack start
pg_tune
# Restart everything so that PostgreSQL runs with the settings above (shared_buffers
# needs a restart) and the workers connect to it afresh.
stack stop
stack start

PGDATA=$(readlink -m "$STACK/pgdata")
# The newest installed PostgreSQL, as stack.sh picks it (Debian: /usr/lib/postgresql/N/bin).
PGBIN=$(for d in /usr/lib/postgresql/*/bin; do echo "$d"; done | sort -V | tail -n 1)
DATABASE_URL="postgresql://app:app@127.0.0.1:$PGPORT/awesome_api"
export DATABASE_URL
psql_app() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$DATABASE_URL" "$@"; }
psql_admin() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$PGDATA" -p "$PGPORT" -U postgres -d postgres "$@"; }

MASTER=$(cat "$STACK/api-worker.pid")
NGINX_PREFIX=$(readlink -m "$STACK/nginx")
NGINX_CONF=$NGINX_PREFIX/nginx.conf
BASE=http://127.0.0.1:$HTTP_PORT

# nginx: the configuration stack.sh rendered, plus the ceiling location (a server-level
# include wrapping the shared snippet), plus the overrides of an experiment.
cat >"$TMP/bench-server.conf" <<EOF
# make bench: the shared snippet, and nginx answering /info's body by itself (the ceiling).
include $NGINX_PREFIX/awesome-api-fastcgi.conf;

location = /bench/fixed {
    default_type application/json;
    charset utf-8;
    charset_types application/json;
    add_header X-Request-Id \$request_id always;
    return 200 '$(curl -fsS "$BASE/info")';
}
EOF
sed -i "s|include $NGINX_PREFIX/awesome-api-fastcgi.conf;|include $TMP/bench-server.conf;|" "$NGINX_CONF"
grep -q "include $TMP/bench-server.conf;" "$NGINX_CONF" || die "could not add the ceiling location to $NGINX_CONF"
# Production's sizing unless an experiment says otherwise: worker_processes auto (the
# CPUs) and the upstream keepalive of nginx/awesome-api.conf (none when it has no line).
PROD_KEEPALIVE=$(sed -n 's/^ *keepalive \([0-9]*\);.*/\1/p' nginx/awesome-api.conf | head -n 1)
sed -i "s|^worker_processes .*;|worker_processes ${BENCH_NGINX_PROCS:-$(nproc)};|" "$NGINX_CONF"
sed -i '/^ *keepalive [0-9]*;$/d' "$NGINX_CONF"
if [ "${BENCH_KEEPALIVE:-${PROD_KEEPALIVE:-0}}" -gt 0 ]; then
    sed -i "/^ *upstream awesome_api {/a\\        keepalive ${BENCH_KEEPALIVE:-$PROD_KEEPALIVE};" "$NGINX_CONF"
    # The shipped snippet leaves fastcgi_keep_conn off (SPEC §12): the experiment turns
    # it on in stack.sh's copy, or nginx would not keep a connection.
    sed -i 's|^\( *\)fastcgi_pass awesome_api;|&\n\1fastcgi_keep_conn on;|' "$NGINX_PREFIX/awesome-api-fastcgi.conf"
fi
nginx -p "$NGINX_PREFIX" -e "$NGINX_PREFIX/error.log" -c "$NGINX_CONF" -t >"$TMP/nginx-t.log" 2>&1 ||
    {
        cat "$TMP/nginx-t.log" >&2
        die "the bench nginx configuration is invalid"
    }
nginx -p "$NGINX_PREFIX" -e "$NGINX_PREFIX/error.log" -c "$NGINX_CONF" -s reload
i=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/bench/fixed")" = 200 ]; do
    i=$((i + 1))
    [ $i -lt 50 ] || die "nginx did not pick up the bench configuration"
    sleep 0.1
done
sleep 1 # the old nginx workers finish and let their kept-alive FastCGI connections go

NGINX_PROCS=$(sed -n 's/^worker_processes \([0-9]*\);/\1/p' "$NGINX_CONF")
KEEPALIVE=$(sed -n 's/^ *keepalive \([0-9]*\);$/\1/p' "$NGINX_CONF")
WORKERS_EFF=$("$BUILD_DIR/api-worker" --print-config | sed -n 's/^WORKERS=\([0-9]*\).*/\1/p')
ITEMS_LIMIT=$("$BUILD_DIR/api-worker" --print-config | sed -n 's/^ITEMS_PER_USER=\([0-9]*\).*/\1/p')

# --- 3. seed ----------------------------------------------------------------------------

say "seeding $NUSERS users x $ITEMS_PER_SEEDED_USER items and $NWRITERS writer users"
curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d '{"email":"seed@example.com","password":"bench-password"}' "$BASE/users/" ||
    die "POST /users/ failed"
psql_app >/dev/null <<EOF
INSERT INTO users (email, hashed_password)
SELECT 'user' || g || '@example.com', s.hashed_password
FROM generate_series(1, $NUSERS) g, (SELECT hashed_password FROM users WHERE email = 'seed@example.com') s
ORDER BY g;
INSERT INTO items (title, description, owner_id)
SELECT 'item ' || n || ' of ' || u.email, 'seeded by make bench', u.id
FROM users u, generate_series(1, $ITEMS_PER_SEEDED_USER) n
WHERE u.email LIKE 'user%@example.com'
ORDER BY u.id, n;
INSERT INTO users (email, hashed_password)
SELECT 'writer' || g || '@example.com', s.hashed_password
FROM generate_series(1, $NWRITERS) g, (SELECT hashed_password FROM users WHERE email = 'seed@example.com') s
ORDER BY g;
VACUUM ANALYZE users;
VACUUM ANALYZE items;
EOF
BENCH_USERS=$(psql_app -c "SELECT min(id) || ':' || max(id) FROM users WHERE email LIKE 'user%'")
BENCH_WRITERS=$(psql_app -c "SELECT min(id) || ':' || max(id) FROM users WHERE email LIKE 'writer%'")
BENCH_ITEMS=$(psql_app -c "SELECT count(*) FROM items")
export BENCH_USERS BENCH_WRITERS BENCH_ITEMS BENCH_THREADS="$THREADS"

# --- 4. measure -------------------------------------------------------------------------

worker_pids() { ps -o pid= --ppid "$MASTER" | tr -d ' ' | sort -n; }
# VmRSS (what the target is about; shared library pages included) and RssAnon (the
# worker's own heap and stacks: where a leak would show).
status_kb() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }
record_rss() {
    for pid in $(worker_pids); do
        echo "rss stage=$1 pid=$pid kb=$(status_kb "$pid" VmRSS) anon=$(status_kb "$pid" RssAnon)" >>"$RAW"
    done
}

# wrk NAME ENDPOINT CONNS SECONDS [more wrk args]; appends its result line to OUT.
OUT=$RAW
# (Functions share the script's variables: theirs carry a w_ or p_ prefix.)
# With BENCH_STOP_AFTER set, the run ends once that many responses have arrived: each wrk
# thread stops at its share and adds a line to BENCH_DONE_FILE; when all have, wrk gets
# SIGINT (it then reports at once instead of sleeping out -d), repeated until it exits.
run_wrk() {
    w_name=$1 w_ep=$2 w_c=$3 w_d=$4
    shift 4
    w_t=$THREADS
    [ "$w_t" -gt "$w_c" ] && w_t=$w_c
    if [ "${BENCH_STOP_AFTER:-0}" -gt 0 ]; then
        : >"$BENCH_DONE_FILE"
    fi
    BENCH_NAME=$w_name BENCH_ENDPOINT=$w_ep BENCH_CONNECTIONS=$w_c BENCH_OUT=$OUT \
        BENCH_THREADS=$w_t wrk -t "$w_t" -c "$w_c" -d "${w_d}s" --timeout 10s \
        -s "$BENCH_DIR/bench.lua" "$@" "$BASE" >>"$TMP/wrk.log" 2>&1 &
    w_pid=$!
    if [ "${BENCH_STOP_AFTER:-0}" -gt 0 ]; then
        while kill -0 "$w_pid" 2>/dev/null; do
            if [ "$(wc -l <"$BENCH_DONE_FILE")" -ge "$w_t" ]; then
                kill -INT "$w_pid" 2>/dev/null || true
            fi
            sleep 0.2
        done
    fi
    wait "$w_pid" || die "wrk failed (see $TMP/wrk.log)"
    tail -n 1 "$OUT" | sed 's/^/bench:   /'
}

# One more run per endpoint under a system-wide perf record; the report says how the
# CPU time divides between processes, then the top symbols of the main ones.
profile_perf() {
    for ep in ${BENCH_PROFILE_ENDPOINTS:-$ENDPOINTS}; do
        say "perf profile of $ep at $max_conns connections"
        data=$TMP/perf-$ep.data
        perf record -a -g -F 999 -e cpu-clock -o "$data" -- sleep "$SECS" >"$TMP/perf.log" 2>&1 &
        perf_pid=$!
        OUT=$TMP/profile.txt
        run_wrk "perf-$ep" "$ep" "$max_conns" "$SECS"
        OUT=$RAW
        wait $perf_pid || die "perf record failed (see $TMP/perf.log)"
        {
            echo "# perf record -a -e cpu-clock: $SECS s of $ep at $max_conns connections"
            echo "# (WORKERS=$WORKERS_EFF, nginx $NGINX_PROCS processes, keepalive ${KEEPALIVE:-off})"
            tail -n 1 "$TMP/profile.txt"
            echo
            echo "## CPU time per process (swapper = idle)"
            perf_report "$data" --sort comm
            echo
            echo "## ... and per object ([kernel.kallsyms] = system calls, network, scheduling)"
            perf_report "$data" --sort comm,dso
            for comm in api-worker nginx postgres wrk; do
                echo
                echo "## $comm: top symbols (share of all samples)"
                perf_report "$data" --comm "$comm" --sort dso,symbol | head -n 30
            done
        } >"$RESULTS/perf-$ep.txt"
        say "  written to tests/bench/results/perf-$ep.txt"
    done
}
perf_report() {
    data=$1
    shift
    perf report -i "$data" --stdio --no-children -g none --percent-limit 0.3 "$@" 2>/dev/null |
        grep -v '^#' | grep -v '^$' || true
}

# The worker under callgrind. Only what a request costs is counted (collection is on
# inside fcgi_io_accept, which reads the request, and worker_serve, which answers it;
# see the wrapper). callgrind writes a process's counts when it exits, and a forked
# worker cannot be reached by callgrind_control, so each endpoint gets a worker of its
# own: SIGHUP makes the master start a fresh worker and stop the old one, whose file
# then holds exactly the requests it served.
next_worker() {
    old=$cur
    kill -HUP "$MASTER"
    i=0
    while :; do
        cur=$(worker_pids | head -n 1)
        if [ -n "$cur" ] && [ "$cur" != "$old" ] && ! kill -0 "$old" 2>/dev/null; then
            break
        fi
        i=$((i + 1))
        [ $i -lt 600 ] || die "the worker under callgrind was not replaced within 60 s"
        sleep 0.1
    done
}

# callgrind_annotate's function lines only (count, share, file:function [object]).
callgrind_lines() {
    callgrind_annotate "$@" 2>/dev/null | grep -E '^ *[0-9,]+ +\(' | grep -v 'PROGRAM TOTALS' || true
}

profile_callgrind() {
    n=${BENCH_PROFILE_REQUESTS:-2000}
    cur=$(worker_pids | head -n 1)
    [ -n "$cur" ] || die "no worker under callgrind"
    THREADS=1
    BENCH_DONE_FILE=$TMP/done.txt
    export BENCH_THREADS=1 BENCH_DONE_FILE BENCH_STOP_AFTER
    OUT=$TMP/profile.txt
    for ep in $ENDPOINTS; do
        BENCH_STOP_AFTER=100
        run_wrk "callgrind-warmup-$ep" "$ep" 1 600 >/dev/null
    done
    pids=""
    for ep in $ENDPOINTS; do
        next_worker
        say "callgrind: $n requests of $ep (worker $cur)"
        BENCH_STOP_AFTER=$n
        run_wrk "callgrind-$ep" "$ep" 1 600
        pids="$pids $cur"
    done
    next_worker
    # shellcheck disable=SC2086 # one argument per pid
    set -- $pids
    for ep in $ENDPOINTS; do
        part=$TMP/callgrind.out.$1
        shift
        [ -f "$part" ] || die "callgrind output $part missing"
        total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$part")
        {
            echo "# callgrind: one worker (WORKERS=1), $n requests of $ep on one connection"
            echo "# (nginx keepalive ${KEEPALIVE:-off}); counted: fcgi_io_accept + worker_serve"
            echo "# instructions (Ir) in the worker: $total in all, $((total / n)) per request"
            echo
            echo "## inclusive (the worker's call tree, top)"
            callgrind_lines --inclusive=yes "$part" | head -n 40
            echo
            echo "## self (where the instructions are spent)"
            callgrind_lines --inclusive=no "$part" | head -n 40
        } >"$RESULTS/callgrind-$ep.txt"
        say "  $ep: $((total / n)) instructions per request -> tests/bench/results/callgrind-$ep.txt"
    done
}

max_conns=0
for c in $CONNS; do [ "$c" -gt "$max_conns" ] && max_conns=$c; done

if [ "$WARMUP" -gt 0 ]; then
    say "warming up (${WARMUP} s per endpoint at $max_conns connections)"
    OUT=$TMP/warmup.txt
    for ep in $ENDPOINTS; do
        run_wrk "warmup-$ep" "$ep" "$max_conns" "$WARMUP" >/dev/null
    done
    OUT=$RAW
fi

if [ "$PROFILE" = callgrind ]; then
    profile_callgrind
    exit 0
fi

# The ceilings run next to the endpoint they are compared with (nginx's fixed JSON just
# before GET /info, pgbench -S before the reads, pgbench -N before the POST), at each
# connection count, so a passing disturbance on a shared machine hits both sides alike.
if [ "$CEILINGS" = 1 ]; then
    psql_admin -c "CREATE DATABASE pgbench OWNER app"
    PGPASSWORD=app pgbench -h 127.0.0.1 -p "$PGPORT" -U app -i -s 1 -q pgbench \
        >"$TMP/pgbench-init.log" 2>&1 || {
        cat "$TMP/pgbench-init.log" >&2
        die "pgbench -i failed"
    }
fi

# pgbench -MODE at CONNS clients on the same PostgreSQL (database pgbench, scale 1).
run_pgbench() {
    p_mode=$1 p_c=$2
    PGPASSWORD=app pgbench -h 127.0.0.1 -p "$PGPORT" -U app "-$p_mode" -M prepared -c "$p_c" \
        -j "$THREADS" -T "$SECS" pgbench >"$TMP/pgbench.out" 2>&1 || {
        cat "$TMP/pgbench.out" >&2
        die "pgbench -$p_mode failed"
    }
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$TMP/pgbench.out" | tail -n 1)
    lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$TMP/pgbench.out")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$TMP/pgbench.out")
    line="name=pgbench-$p_mode endpoint=pgbench-$p_mode conns=$p_c rps=$tps lat_avg_ms=$lat failed=${failed:-0}"
    echo "$line" >>"$RAW"
    echo "bench:   $line"
}

# The ceiling measured next to an endpoint (none for an unknown one).
ceiling_of() {
    case $1 in
    info) echo fixed ;;
    user | items | items0) echo S ;;
    post) echo N ;;
    esac
}

say "measuring ${SECS} s per run: $ENDPOINTS at connections $CONNS" \
    "$([ "$CEILINGS" = 1 ] && echo "(with the ceilings: nginx fixed JSON, pgbench -S, -N)")"
for c in $CONNS; do
    done_ceilings=" "
    for ep in $ENDPOINTS fixed S N; do
        case $ep in
        fixed | S | N) ceiling=$ep ;;
        *) ceiling=$(ceiling_of "$ep") ;;
        esac
        if [ "$CEILINGS" = 1 ] && [ -n "$ceiling" ] && [ "${done_ceilings#* "$ceiling" }" = "$done_ceilings" ]; then
            done_ceilings="$done_ceilings$ceiling "
            if [ "$ceiling" = fixed ]; then
                run_wrk fixed fixed "$c" "$SECS"
            else
                run_pgbench "$ceiling" "$c"
            fi
        fi
        case $ep in
        fixed | S | N) ;;
        *) run_wrk "$ep" "$ep" "$c" "$SECS" ;;
        esac
    done
done

if [ "$PROFILE" = perf ]; then
    profile_perf
fi

if [ "${BENCH_QUERIES:-0}" = 1 ]; then
    qc=${BENCH_QUERY_CONNS:-8}
    say "query variants: pgbench -f tests/bench/queries/*.sql on the seeded database, $qc clients"
    export PGPASSWORD=app
    for f in "$BENCH_DIR"/queries/*.sql; do
        q=$(basename "$f" .sql)
        for mode in prepared simple; do
            pgbench -h 127.0.0.1 -p "$PGPORT" -U app -n -f "$f" -M $mode -c "$qc" -j "$THREADS" \
                -T "$SECS" -D first="${BENCH_USERS%:*}" -D last="${BENCH_USERS#*:}" \
                -D nitems="$BENCH_ITEMS" awesome_api >"$TMP/pgbench.out" 2>&1 || {
                cat "$TMP/pgbench.out" >&2
                die "pgbench -f $f failed"
            }
            tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$TMP/pgbench.out" | tail -n 1)
            lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$TMP/pgbench.out")
            line="name=query-$q-$mode endpoint=query conns=$qc rps=$tps lat_avg_ms=$lat"
            echo "$line" >>"$RAW"
            echo "bench:   $line"
        done
    done
    unset PGPASSWORD
fi

# --- 5. worker RSS and the no-growth check ----------------------------------------------

record_rss after_runs
PIDS_BEFORE=$(worker_pids | tr '\n' ' ')

if [ "$NOGROWTH" -gt 0 ]; then
    say "no-growth check: two runs of $NOGROWTH requests (the four endpoints in turn)"
    export BENCH_STOP_AFTER="$NOGROWTH" BENCH_DONE_FILE="$TMP/done.txt"
    for n in 1 2; do
        run_wrk "nogrowth-$n" mix "$max_conns" 600
        record_rss nogrowth_$n
    done
    unset BENCH_STOP_AFTER BENCH_DONE_FILE
fi
PIDS_AFTER=$(worker_pids | tr '\n' ' ')
[ "$PIDS_BEFORE" = "$PIDS_AFTER" ] || say "WARNING: the worker set changed during the run ($PIDS_BEFORE -> $PIDS_AFTER)"

# --- 6. results -------------------------------------------------------------------------

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
{
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "cpu=$cpu"
    echo "cores=$(nproc)"
    echo "memory=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "kernel=$(uname -r)"
    echo "nginx=$(nginx -v 2>&1 | sed 's|.*nginx/||')"
    echo "postgresql=$("$PGBIN/postgres" --version | sed 's/.*) //')"
    echo "gcc=$(gcc -dumpfullversion 2>/dev/null || gcc -dumpversion)"
    echo "wrk=$(wrk -v 2>&1 | head -n 1 | awk '{ print $2 }')"
    echo "version=$("$BUILD_DIR/api-worker" --version 2>&1 | head -n 1 | awk '{ print $NF }')"
    echo "load_before=$LOAD_BEFORE"
    echo "busy_before=$BUSY_BEFORE"
    echo "load_after=$(cut -d' ' -f1 /proc/loadavg)"
    echo "workers=$WORKERS_EFF"
    echo "nginx_processes=$NGINX_PROCS"
    echo "keepalive=${KEEPALIVE:-0}"
    echo "listen=$LISTEN_KIND"
    echo "log_level=$LOG_LEVEL"
    echo "items_per_user=$ITEMS_LIMIT"
    echo "seconds=$SECS"
    echo "threads=$THREADS"
    echo "conns=$CONNS"
    echo "nogrowth=$NOGROWTH"
    echo "pg_settings=$(echo "$PG_SETTINGS" | paste -sd ' ')"
    echo "seed=$NUSERS users x $ITEMS_PER_SEEDED_USER items, $NWRITERS writers"
    echo "worker_errors=$(grep -c 'level=error' "$STACK/api-worker.log" || true)"
    echo "nginx_errors=$(grep -c '\[error\]\|\[crit\]\|\[alert\]' "$NGINX_PREFIX/error.log" || true)"
} >"$META"

/usr/bin/python3 "$BENCH_DIR/results.py" "$META" "$RAW" "$RESULTS/latest.md"
[ -n "${BENCH_TAG:-}" ] && cp "$RESULTS/latest.md" "$RESULTS/$BENCH_TAG.md"
cp "$RAW" "$RESULTS/latest.raw.txt"
say "written to tests/bench/results/latest.md"
