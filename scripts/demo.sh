#!/usr/bin/env bash
# Run skyaccord's main job: installs what it needs (scripts/bootstrap.sh), then
# `skyaccord demo` on the embedded SQLite store.  Extra arguments go to `skyaccord demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/skyaccord demo "$@"
