#!/bin/sh
# sweep.sh — one setting at a time: runs tests/bench/run.sh once per variant and puts the
# figures side by side (how the defaults in BASELINE.md were chosen).
#
#   sh tests/bench/sweep.sh NAME 'VARIANT' 'VARIANT' ...
#
# A VARIANT is a list of environment assignments for run.sh, e.g.
#   sh tests/bench/sweep.sh keepalive 'BENCH_KEEPALIVE=0' 'BENCH_KEEPALIVE=2' \
#       'WORKERS=16 BENCH_KEEPALIVE=4'
# Each run skips the ceilings and the no-growth check; SWEEP_SECONDS (5) per measured run,
# BENCH_ENDPOINTS / BENCH_CONNS as for run.sh. The table goes to
# tests/bench/results/sweep-NAME.md (and is printed).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
[ $# -ge 2 ] || {
    echo "usage: $0 NAME 'VARIANT' ['VARIANT' ...]" >&2
    exit 2
}
NAME=$1
shift
OUT=tests/bench/results/sweep-$NAME.md
mkdir -p tests/bench/results
{
    echo "# sweep $NAME ($(date -u +%Y-%m-%dT%H:%M:%SZ), ${SWEEP_SECONDS:-5} s per run)"
    echo
    echo "| variant | endpoint | conns | req/s | p50 ms | p99 ms | non-2xx + errors | CPUs busy before |"
    echo "|---|---|--:|--:|--:|--:|--:|--:|"
} >"$OUT"

for variant in "$@"; do
    echo "sweep: $variant"
    # shellcheck disable=SC2086 # the variant is a list of assignments on purpose
    env $variant BENCH_SECONDS="${SWEEP_SECONDS:-5}" BENCH_WARMUP="${BENCH_WARMUP:-1}" \
        BENCH_CEILINGS=0 BENCH_NOGROWTH=0 sh tests/bench/run.sh >/tmp/sweep-$$.log 2>&1 || {
        cat /tmp/sweep-$$.log >&2
        rm -f /tmp/sweep-$$.log
        exit 1
    }
    load=$(sed -n 's/.*the CPUs were \([0-9]*\) % busy.*/\1 %/p' tests/bench/results/latest.md)
    settings=$(sed -n 's/^- Settings: \(WORKERS=[0-9]*\), nginx worker_processes \([0-9]*\), upstream keepalive \([a-z0-9]*\),.*/\1 procs=\2 keepalive=\3/p' \
        tests/bench/results/latest.md)
    awk -v variant="$variant ($settings)" -v load="$load" '
        /^name=/ {
            for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
            printf "| %s | %s | %s | %.0f | %.2f | %.2f | %d | %s |\n", variant, f["endpoint"],
                f["conns"], f["rps"], f["p50_us"] / 1000, f["p99_us"] / 1000,
                f["non2xx"] + f["connect"] + f["read"] + f["write"] + f["timeout"], load
        }' tests/bench/results/latest.raw.txt >>"$OUT"
    rm -f /tmp/sweep-$$.log
done
cat "$OUT"
