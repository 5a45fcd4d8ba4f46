#!/bin/sh
# start.sh — the container's entry point: check the settings, migrate, then become the
# api-worker master.
#
#   start.sh [api-worker options...]        (deploy/Dockerfile's ENTRYPOINT)
#
# 1. `api-worker --print-config`: every setting is checked first, so a bad or missing one
#    stops the container with exit 78 and the full list of problems (SPEC §2) before
#    anything connects to the database;
# 2. `dbtool upgrade head` (set RUN_MIGRATIONS=0 when a separate release job migrates).
#    Several replicas starting at once are safe: dbtool's advisory lock makes the others
#    wait, then find the database at head;
# 3. `exec api-worker "$@"`: the master replaces this shell, so it is PID 1 and gets the
#    container's SIGTERM (graceful stop) and SIGHUP (reload) itself, and reaps its workers.
#
# Settings come from the environment (DATABASE_URL, ADMIN_EMAIL, ...) over the image's
# etc/$APP_ENV.env. API_WORKER and DBTOOL name the binaries (default: found on PATH).
set -eu

API_WORKER=${API_WORKER:-api-worker}
DBTOOL=${DBTOOL:-dbtool}

# Asking for information (docker run IMAGE --print-config) must not migrate anything.
for arg in "$@"; do
    case $arg in
    --version | --help | -h | --print-config) exec "$API_WORKER" "$@" ;;
    esac
done

status=0
"$API_WORKER" "$@" --print-config >/dev/null || status=$?
if [ $status -ne 0 ]; then
    echo "start: invalid settings (exit $status): not starting, database not touched" >&2
    exit "$status"
fi

if [ "${RUN_MIGRATIONS:-1}" != 0 ]; then
    status=0
    "$DBTOOL" upgrade head || status=$?
    if [ $status -ne 0 ]; then
        echo "start: dbtool upgrade head failed (exit $status): not starting the workers" >&2
        exit "$status"
    fi
fi

exec "$API_WORKER" "$@"
