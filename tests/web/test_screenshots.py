"""Screenshots of the console for the README: the live picture with an alert, a filing refused
for missing versions, and a replay with 10,000 tracks.

Written to $SKYACCORD_SCREENSHOTS (``scripts/screenshots.py`` sets docs/screenshots), otherwise
to a temporary folder, so the test suite exercises the same path without touching the repo.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from tests.web._traffic import background, picture_at
from tests.web.conftest import Console
from tests.web.test_console import file_overlapping
from tests.web.test_live import alert_card, feed, wait_for_alert_on_server
from tests.web.test_replay import T0, load_recording

pytestmark = pytest.mark.browser


@pytest.fixture
def out(tmp_path: Path) -> Path:
    d = Path(os.environ.get("SKYACCORD_SCREENSHOTS") or tmp_path / "shots")
    d.mkdir(parents=True, exist_ok=True)
    return d


def shoot(page: Any, path: Path) -> None:
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.screenshot(path=str(path))
    assert path.stat().st_size > 20_000


def test_screenshot_live_alert(live_console: Console, out: Path) -> None:
    c = live_console
    israel = c.open("israel")
    russia = c.open("russia")
    for k in range(3):
        feed(c, float(k))
    wait_for_alert_on_server(c)
    alert_card(israel).wait_for(timeout=5_000)
    alert_card(russia).wait_for(timeout=5_000)
    alert_card(russia).get_by_role("button", name="Acknowledge").click()
    alert_card(israel).locator(".ack.done[data-party=russia]").wait_for(timeout=5_000)
    # frame the encounter
    israel.evaluate("() => window.skyaccord.view.fit([[35.3, 32.55], [36.7, 33.6]], 30)")
    card = alert_card(israel)
    card.get_by_role("button", name="Thread (0)").click()
    card.locator(".thread input").fill("IAF101 climbing to FL240, turning north")
    card.locator(".thread input").press("Enter")
    card.locator(".thread li", has_text="FL240").wait_for(timeout=5_000)
    time.sleep(1.2)
    shoot(israel, out / "console-live.png")


def test_screenshot_filing_409(live_console: Console, out: Path) -> None:
    page = live_console.open("israel", "planner")
    file_overlapping(page, live_console)
    page.click("#f-check")
    page.wait_for_selector("#filing-result [data-result=bad]", timeout=10_000)
    page.locator("details").first.evaluate("d => d.open = false")
    assert page.locator("#banner").is_hidden()
    shoot(page, out / "console-filing-409.png")


def test_screenshot_replay_10k(console: Console, out: Path) -> None:
    page = console.open("russia")
    ac = background(10_000, seed=7)
    frames = [json.dumps(picture_at(ac, T0 + 10 * k, T0)) for k in range(4)]
    load_recording(page, "\n".join(frames) + "\n", "10k-tracks.ndjson")
    page.wait_for_function("() => window.skyaccord.view.stats.tracksTotal === 10000")
    page.evaluate(
        "() => { const s = document.querySelector('#replay-slider'); s.value = '2';"
        " s.dispatchEvent(new Event('input')); }"
    )
    shoot(page, out / "console-replay-10k.png")
