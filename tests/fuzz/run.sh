#!/bin/sh
# run.sh — runs libFuzzer targets one after another, each for a fixed time, and prints
# what each did (what `make fuzz` calls; details in tests/fuzz/README.md).
#
#   sh tests/fuzz/run.sh DIR SECONDS TARGET...
#
# DIR holds the built targets (build/fuzz). Each target starts from a fresh copy of its
# committed seeds (tests/fuzz/corpus/TARGET/) in DIR/corpus/TARGET/, which the run may
# grow; the committed corpus is never written. Crash, leak and timeout inputs go to
# DIR/artifacts/TARGET/, the whole libFuzzer output to DIR/logs/TARGET.log.
# Exits 1 when any target stopped with a finding (or could not run).
set -u

dir=$1
seconds=$2
shift 2

# Longest input per target: a body (MAX_BODY_BYTES' default) or a file; a query string
# or a path as nginx's 8k header buffers pass them.
max_len() {
    case $1 in
    fuzz_request_query | fuzz_request_path) echo 8192 ;;
    *) echo 65536 ;;
    esac
}

# A dictionary of the input's tokens, when there is one.
dict() {
    case $1 in
    fuzz_request_body | fuzz_request_dispatch) echo tests/fuzz/dict/json.dict ;;
    fuzz_revision | fuzz_sqlsplit) echo tests/fuzz/dict/sql.dict ;;
    fuzz_envfile) echo tests/fuzz/dict/envfile.dict ;;
    *) echo "" ;;
    esac
}

# A report names the frames, and UBSan's ones carry a stack too.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

mkdir -p "$dir/logs"
summary="$dir/logs/summary.txt"
printf '%-24s %14s %10s %8s  %s\n' target executions exec/s cov result >"$summary"
failed=0
for t in "$@"; do
    corpus="$dir/corpus/$t"
    artifacts="$dir/artifacts/$t"
    log="$dir/logs/$t.log"
    rm -rf "$corpus"
    mkdir -p "$corpus" "$artifacts"
    cp tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
    d=$(dict "$t")
    echo "fuzz: $t for ${seconds}s (log: $log)"
    "$dir/$t" -max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        ${d:+-dict="$d"} "$corpus" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        result=ok
    else
        result="FAILED (exit $rc)"
        failed=1
        echo "fuzz: $t stopped with a finding:" >&2
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*property violated|artifact_prefix|Test unit written)' \
            "$log" | head -n 20 >&2
    fi
    printf '%-24s %14s %10s %8s  %s\n' "$t" "${execs:-?}" "${speed:-?}" "${cov:-?}" "$result" \
        >>"$summary"
done
echo
cat "$summary"
exit $failed
