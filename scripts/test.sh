#!/usr/bin/env bash
# Run the whole test suite: installs what it needs (scripts/bootstrap.sh --test), then lint,
# types and pytest.  The tests start their own PostgreSQL server (Debian's postgresql) and
# Chromium; extra arguments go to pytest, e.g. `scripts/test.sh -k intents`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --test
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
# what the bootstrap installed must be there: a missing server, browser or map data fails
export SKYACCORD_REQUIRE_PG=1 SKYACCORD_REQUIRE_BROWSER=1 SKYACCORD_REQUIRE_DCW=1
exec .venv/bin/pytest -n auto --dist loadgroup "$@"
