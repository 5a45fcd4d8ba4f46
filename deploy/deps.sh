#!/bin/sh
# deps.sh — installs the Debian packages Awesome API needs to build, run and test (Debian 12).
#
#   sh deploy/deps.sh            (what `make deps`, `make run` and .ci/run call)
#
# Idempotent: asks dpkg which packages are missing and only then runs apt-get (update, then
# install --no-install-recommends). Uses sudo when not root. The one list of packages is
# PACKAGES below.
#
# The postgresql and nginx packages may start system services (a cluster on :5432, nginx
# on :80). The project never uses them: `make run` and the tests start their own
# PostgreSQL and nginx on their own ports, so those services can run or be stopped.
set -eu

# build: compiler, pkg-config and the libraries of the Makefile's PKGS + cmocka
# run:   PostgreSQL server and client (15 on Debian 12), nginx
# test:  curl, wrk (make bench), valgrind, linters, the clang sanitizer runtime,
#        Debian's python3 (e2e tests, stdlib only), procps, systemd (systemd-analyze),
#        util-linux (runuser: PostgreSQL refuses to run as root), iproute2 (ss: busy ports)
# docs:  nodejs (npm ci of Swagger UI / ReDoc and the e2e validator), chromium (browser test)
PACKAGES="
build-essential pkg-config
libpq-dev libssl-dev libfcgi-dev libcjson-dev libsystemd-dev libcrypt-dev libcmocka-dev
postgresql postgresql-client nginx
curl wrk valgrind cppcheck clang clang-tidy clang-format libclang-rt-14-dev
python3 procps systemd util-linux iproute2
nodejs chromium
"

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [ "$status" != "installed" ]; then
        missing="$missing $pkg"
    fi
done
# Debian's nodejs needs its separate npm package; NodeSource's nodejs bundles npm and
# conflicts with Debian's, so ask for npm only when no npm is on PATH.
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -z "$missing" ]; then
    echo "deps: all packages installed"
    exit 0
fi

echo "deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "deps: missing packages:$missing" >&2
    echo "deps: run this script as root, or install sudo, or install them yourself:" >&2
    echo "  apt-get install --no-install-recommends$missing" >&2
    exit 1
fi

# shellcheck disable=SC2086 # word splitting of $SUDO and $missing is intended
$SUDO apt-get update
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
echo "deps: done"
