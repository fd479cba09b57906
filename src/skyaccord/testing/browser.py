"""Debian's Chromium for the browser tests and screenshot scripts: never a downloaded browser."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("SKYACCORD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
