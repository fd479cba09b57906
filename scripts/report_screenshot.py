#!/usr/bin/env python3
"""Replay the Yayladağı scenario and take a screenshot of its report for the README.

    .venv/bin/python scripts/report_screenshot.py

Writes docs/screenshots/replay-yayladagi.png (Debian's Chromium, headless) and prints the
report's summary; the report itself goes to a temporary directory.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from skyaccord.cli.replay import run_replay
from skyaccord.testing.browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    out = Path(tempfile.mkdtemp(prefix="skyaccord-report-"))
    report = run_replay(
        files=[], scenario="yayladagi-2015", auto_ack_s=20.0, out_dir=out, progress=False
    )
    print(json.dumps(report["summary"], indent=2))
    for e in report["encounters"]:
        print(e["alert_id"], e["raised_at"], e["event_at"], e["warning_time_s"])
    target = ROOT / "docs" / "screenshots" / "replay-yayladagi.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1150, "height": 1250})
        page.goto((out / "report.html").as_uri())
        page.screenshot(path=str(target))  # the summary, timeline and tables
        browser.close()
    print(f"wrote {target} (report in {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
