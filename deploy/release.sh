#!/bin/sh
# release.sh — a zero-downtime release on a host: check the settings, migrate the database,
# and only if that succeeded, reload the workers.
#
#   deploy/release.sh [--env-file FILE] [--restart | --pid-file FILE | --reload-cmd CMD]
#
# Run it after the new binaries and revisions are installed (`make install`):
#   1. `api-worker --print-config`: the settings the new workers will load are valid (a
#      typo found now stops the release before the database is touched; exit 78);
#   2. `dbtool upgrade head` with the same settings (each revision in its own transaction;
#      dbtool's advisory lock makes a second host wait, then find nothing to do);
#   3. the reload: `systemctl reload awesome-api` (SIGHUP to the master: settings are read
#      again and the workers replaced one by one while the socket stays open, so no
#      request is refused), or SIGHUP to the pid in --pid-file, or --reload-cmd CMD.
#      New workers are forked from the running master, so they run the master's code: when
#      `make install` has replaced the api-worker binary since the master started, a
#      reload would keep the old code, and `systemctl restart` is used instead (the socket
#      is systemd's, so connections wait in its backlog during the restart; none is
#      refused). --restart always restarts. With --pid-file or --reload-cmd the script
#      only warns: restarting a master it did not start is not its business.
# A failed step stops the release; the running workers are left alone. Revisions must be
# compatible with the code still running while they are applied (add first, remove in a
# later release): the old workers serve traffic until the reload replaces them.
#
# Rollback: `dbtool downgrade <previous revision>` with the same settings, install the
# previous build, then run this script again (nothing left to migrate; it restarts onto
# the previous binary). README "Deploying" has the steps.
#
# Exit status: 0 released; 1 migration failed (workers not reloaded); 2 usage;
# 3 migrated but the reload (or restart) failed; 78 invalid settings (nothing done).
#
# Environment: ENV_FILE (the settings file; --env-file wins), SERVICE (the unit to reload,
# awesome-api.service), RELOAD_CMD (a shell command, instead of systemctl), DBTOOL and
# API_WORKER (the binaries). Everything else in the environment reaches dbtool and
# api-worker as settings, above the file (SPEC §2).
set -eu

# Defaults. `make install` rewrites these three lines with the installed paths.
DBTOOL=${DBTOOL:-dbtool}
API_WORKER=${API_WORKER:-api-worker}
ENV_FILE=${ENV_FILE:-/etc/awesome-api/awesome-api.env}

SERVICE=${SERVICE:-awesome-api.service}
RELOAD_CMD=${RELOAD_CMD:-}
PID_FILE=""
RESTART=0

say() { echo "release: $*"; }
fail() {
    status=$1
    shift
    echo "release: $*" >&2
    exit "$status"
}
usage() {
    echo "usage: release.sh [--env-file FILE] [--restart | --pid-file FILE | --reload-cmd CMD]" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    --env-file)
        [ $# -ge 2 ] || usage
        ENV_FILE=$2
        shift 2
        ;;
    --pid-file)
        [ $# -ge 2 ] || usage
        PID_FILE=$2
        shift 2
        ;;
    --reload-cmd)
        [ $# -ge 2 ] || usage
        RELOAD_CMD=$2
        shift 2
        ;;
    --restart)
        RESTART=1
        shift
        ;;
    -h | --help)
        sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
        exit 0
        ;;
    *) usage ;;
    esac
done
# One way to reload at most.
modes=0
[ -z "$PID_FILE" ] || modes=$((modes + 1))
[ -z "$RELOAD_CMD" ] || modes=$((modes + 1))
[ $RESTART -eq 0 ] || modes=$((modes + 1))
[ $modes -le 1 ] || usage
# Both binaries read their settings from ENV_FILE (the file must exist).
export ENV_FILE

# True when the process runs an executable that has since been replaced on disk (install(1)
# unlinks the old file, which the kernel then shows as "(deleted)").
binary_replaced() {
    exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
    case $exe in *" (deleted)") return 0 ;; esac
    return 1
}

# 1. Settings: the same check the master runs on start and on reload.
say "checking settings ($ENV_FILE)"
status=0
"$API_WORKER" --print-config >/dev/null || status=$?
if [ $status -ne 0 ]; then
    fail "$status" "invalid settings (see above): nothing migrated, workers not reloaded"
fi

# 2. Migrations.
say "migrating: $DBTOOL upgrade head"
status=0
"$DBTOOL" upgrade head || status=$?
if [ $status -ne 0 ]; then
    fail 1 "migration failed (dbtool exit $status):" \
        "workers NOT reloaded, they keep running the previous release"
fi

# 3. Reload (or restart, see the top).
if [ -n "$PID_FILE" ]; then
    pid=$(cat "$PID_FILE" 2>/dev/null) || fail 3 "migrated, but cannot read $PID_FILE"
    if binary_replaced "$pid"; then
        say "WARNING: pid $pid runs a replaced binary: a reload keeps its old code;" \
            "restart it to run the new one"
    fi
    say "reloading: kill -HUP $pid"
    kill -HUP "$pid" || fail 3 "migrated, but SIGHUP to pid $pid failed"
elif [ -n "$RELOAD_CMD" ]; then
    say "reloading: $RELOAD_CMD"
    sh -c "$RELOAD_CMD" || fail 3 "migrated, but the reload command failed"
else
    pid=$(systemctl show --property MainPID --value "$SERVICE" 2>/dev/null) || pid=0
    if [ $RESTART -eq 0 ] && [ "${pid:-0}" != 0 ] && binary_replaced "$pid"; then
        say "api-worker was replaced since the master (pid $pid) started: restarting"
        RESTART=1
    fi
    if [ $RESTART -eq 1 ]; then
        say "restarting: systemctl restart $SERVICE (connections wait in the socket)"
        systemctl restart "$SERVICE" || fail 3 "migrated, but systemctl restart $SERVICE failed"
    else
        say "reloading: systemctl reload $SERVICE"
        systemctl reload "$SERVICE" || fail 3 "migrated, but systemctl reload $SERVICE failed"
    fi
fi
say "done: database at head, workers are being replaced"
