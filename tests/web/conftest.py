"""Browser tests of the console: Debian's Chromium driven by Playwright (never a downloaded
browser), against a real server in a thread on a temporary SQLite store.

Skipped when /usr/bin/chromium is missing, unless SKYACCORD_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web._server import Seeded, ServerThread, build_app

from skyaccord.testing.browser import CHROMIUM, CHROMIUM_ARGS

VIEWPORT = {"width": 1400, "height": 860}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("SKYACCORD_REQUIRE_BROWSER") == "1":
            pytest.fail(
                f"Chromium is required but {CHROMIUM} is missing (apt-get install chromium)"
            )
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Console:
    """A running server and a way to open console pages signed in as a party."""

    def __init__(self, server: ServerThread, seeded: Seeded, browser: Any, app: Any) -> None:
        self.server = server
        self.url = server.url
        self.seeded = seeded
        self.browser = browser
        self.app = app
        self.contexts: list[Any] = []

    def token(self, party: str, role: str = "duty_officer") -> str:
        return self.seeded.token(party, role)

    def open(self, party: str, role: str = "duty_officer", *, wait: bool = True) -> Any:
        """A new browser context (its own sessionStorage) with the console signed in."""
        ctx = self.browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
        self.contexts.append(ctx)
        page = ctx.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto(f"{self.url}/#token={self.token(party, role)}")
        if wait:
            page.wait_for_selector("body[data-ready='1']", timeout=15000)
        return page

    def has_live_api(self) -> bool:
        """Does ``GET /v1/picture`` answer (not 404, and not 503 "engine not running")?"""
        import httpx

        r = httpx.get(
            f"{self.url}/v1/picture",
            headers={"Authorization": f"Bearer {self.token('israel')}"},
        )
        return r.status_code == 200

    def post_tracks(self, party: str, tracks: list[dict[str, Any]]) -> dict[str, Any]:
        import httpx

        r = httpx.post(
            f"{self.url}/v1/tracks",
            json={"tracks": tracks},
            headers={"Authorization": f"Bearer {self.token(party, 'admin')}"},
        )
        r.raise_for_status()
        return dict(r.json())

    def close(self) -> None:
        for c in self.contexts:
            c.close()


def _console(
    browser: Any,
    tmp_path: Path,
    extra: Callable[..., Any] | None = None,
    live: bool = False,
    **seed: Any,
) -> Iterator[Console]:
    app, seeded = build_app(tmp_path / "skyaccord.db", extra=extra, live=live, **seed)
    with ServerThread(app) as srv:
        c = Console(srv, seeded, browser, app)
        try:
            yield c
        finally:
            c.close()
            seeded.services.store.dispose()


@pytest.fixture
def console(browser: Any, tmp_path: Path) -> Iterator[Console]:
    """The real server (whatever live API it has) with the console mounted."""
    yield from _console(browser, tmp_path)


@pytest.fixture
def live_console(browser: Any, tmp_path: Path) -> Iterator[Console]:
    """The real server with its live engine running, as ``skyaccord serve`` has it."""
    for c in _console(browser, tmp_path, live=True):
        assert c.has_live_api(), "GET /v1/picture does not answer"
        yield c
