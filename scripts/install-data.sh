#!/usr/bin/env bash
# Install the offline country-border data skyaccord reads (see DESIGN.md, "Offline data").
#
#   scripts/install-data.sh [--require-dcw]
#
# * npm world-atlas (Natural Earth TopoJSON), pinned in package-lock.json: `npm ci` when
#   node_modules/world-atlas is missing or does not match the lock file.
# * Debian gmt-dcw (Digital Chart of the World, the reference): `apt-get install -y gmt-dcw`
#   when dcw-gmt.nc is absent and we are root or sudo works without a password; otherwise a
#   note says the Natural Earth fallback is used (an error with --require-dcw).
#
# Idempotent: when everything is installed it does nothing and needs no network.
set -euo pipefail

require_dcw=0
for arg in "$@"; do
    case "$arg" in
        --require-dcw) require_dcw=1 ;;
        -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "install-data: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/.."

# --- npm world-atlas ---------------------------------------------------------------------
# Up to date when every package in package-lock.json is in npm's record of what is installed
# (node_modules/.package-lock.json) with the same version and integrity.
npm_up_to_date() {
    [ -f node_modules/world-atlas/package.json ] && [ -f node_modules/.package-lock.json ] || return 1
    node -e '
        const fs = require("fs");
        const want = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages || {};
        const have = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")).packages || {};
        for (const [name, p] of Object.entries(want)) {
            if (name === "") continue;
            const h = have[name];
            if (!h || h.version !== p.version || h.integrity !== p.integrity) process.exit(1);
        }
    '
}

if npm_up_to_date; then
    echo "install-data: world-atlas is up to date ($(node -p 'require("./node_modules/world-atlas/package.json").version'))"
elif command -v npm > /dev/null; then
    echo "install-data: npm ci (world-atlas from package-lock.json)"
    npm ci --no-audit --no-fund
else
    echo "install-data: npm is needed to install world-atlas (Debian: apt-get install npm)" >&2
    exit 1
fi

# --- Debian gmt-dcw ----------------------------------------------------------------------
dcw_file() {
    if [ -n "${SKYACCORD_DCW:-}" ]; then
        [ -f "$SKYACCORD_DCW" ] && echo "$SKYACCORD_DCW"
        return 0
    fi
    for f in /usr/share/gmt-dcw/dcw-gmt.nc /usr/share/gmt/dcw/dcw-gmt.nc \
        /usr/local/share/gmt-dcw/dcw-gmt.nc /usr/local/share/gmt/dcw/dcw-gmt.nc; do
        if [ -f "$f" ]; then echo "$f"; return 0; fi
    done
}

fallback() {
    if [ "$require_dcw" = 1 ]; then
        echo "install-data: $1; the DCW data is required (--require-dcw)" >&2
        exit 1
    fi
    echo "install-data: note: $1; country borders fall back to Natural Earth 1:10m (world-atlas)," \
        "about 3 km off near Yayladağı instead of the DCW 1:1M reference"
}

apt_install() {
    local sudo=("$@")
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get install -y --no-install-recommends gmt-dcw \
        || { "${sudo[@]}" apt-get update && "${sudo[@]}" apt-get install -y --no-install-recommends gmt-dcw; }
}

found="$(dcw_file)"
if [ -n "$found" ]; then
    echo "install-data: DCW is installed ($found)"
elif [ -n "${SKYACCORD_DCW:-}" ]; then
    fallback "SKYACCORD_DCW=$SKYACCORD_DCW does not exist"
elif ! command -v apt-get > /dev/null; then
    fallback "apt-get is not available to install gmt-dcw"
elif [ "$(id -u)" = 0 ]; then
    echo "install-data: apt-get install gmt-dcw"
    apt_install || fallback "apt-get install gmt-dcw failed"
elif command -v sudo > /dev/null && sudo -n true 2> /dev/null; then
    echo "install-data: sudo apt-get install gmt-dcw"
    apt_install sudo -n || fallback "sudo apt-get install gmt-dcw failed"
else
    fallback "gmt-dcw is not installed and installing it needs root (sudo apt-get install gmt-dcw)"
fi
