#!/usr/bin/env python3
"""Regenerate the console screenshots in docs/screenshots/ (Debian's Chromium, headless).

    .venv/bin/python scripts/screenshots.py

Runs tests/web/test_screenshots.py with SKYACCORD_SCREENSHOTS=docs/screenshots: the live
picture with an alert (console-live.png), a filing refused for missing versions, and a replay
with 10,000 tracks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SKYACCORD_SCREENSHOTS": str(out), "SKYACCORD_REQUIRE_BROWSER": "1"}
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/web/test_screenshots.py",
        *sys.argv[1:],
    ]
    return subprocess.call(cmd, cwd=ROOT, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
