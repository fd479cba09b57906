#!/usr/bin/env bash
# Install what skyaccord needs from the project's own files, idempotently:
#
#   scripts/bootstrap.sh [--test]
#
# * uv (pinned) in .tools/, then the Python environment .venv from uv.lock (`uv sync --frozen`);
# * offline data: npm packages from package-lock.json, Debian gmt-dcw (scripts/install-data.sh);
# * with --test: Debian packages the test suite runs for real (postgresql, chromium).
#
# When everything is already installed it changes nothing and needs no network.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# --- Python environment ------------------------------------------------------------------
if [ ! -x .tools/bin/uv ] || [ "$(.tools/bin/uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
    echo "bootstrap: installing uv $UV_VERSION into .tools/"
    python3 -m venv .tools
    .tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
export UV_PYTHON_DOWNLOADS=never
if ! .tools/bin/uv sync --frozen --quiet --offline 2> /dev/null; then
    echo "bootstrap: uv sync (from uv.lock)"
    .tools/bin/uv sync --frozen --quiet
fi

# --- Debian packages for the tests ---------------------------------------------------------
apt_packages=()
if [ "$want_test" = 1 ]; then
    ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1 || apt_packages+=(postgresql)
    command -v chromium > /dev/null || apt_packages+=(chromium)
fi
if [ "${#apt_packages[@]}" -gt 0 ]; then
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo -n)
    echo "bootstrap: apt-get install ${apt_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get install -y --no-install-recommends "${apt_packages[@]}" \
        || { "${sudo[@]}" apt-get update && "${sudo[@]}" apt-get install -y --no-install-recommends "${apt_packages[@]}"; }
fi

# --- Offline data ----------------------------------------------------------------------------
if [ "$want_test" = 1 ]; then
    scripts/install-data.sh --require-dcw
else
    scripts/install-data.sh
fi
