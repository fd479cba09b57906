"""The live console: tracks in, an alert in both parties' consoles, acknowledgement seen by the
other side, the thread and the emergency message, against the real server and its engine.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from tests.web._traffic import converging
from tests.web.conftest import Console

pytestmark = pytest.mark.browser

WITHIN = 2_000  # ms: both consoles show an alert this soon after it exists
STEP = 5_000  # ms: for the other steps (a loaded machine must not make them flaky)


def feed(c: Console, seconds: float = 0.0) -> None:
    for party, tracks in converging(seconds, time.time()).items():
        summary = c.post_tracks(party, tracks)
        assert summary["accepted"] == len(tracks), summary


def wait_for_alert_on_server(c: Console, timeout_s: float = 15.0) -> float:
    """Waits until the server has the separation alert as a hotline item; returns when."""
    import httpx

    deadline = time.monotonic() + timeout_s
    headers = {"Authorization": f"Bearer {c.token('israel')}"}
    while time.monotonic() < deadline:
        items = httpx.get(f"{c.url}/v1/hotline/items", headers=headers).json()
        if any((i.get("alert") or {}).get("kind") == "separation" for i in items):
            return time.monotonic()
        time.sleep(0.1)
    raise AssertionError("the server raised no separation alert")


def alert_card(page: Any) -> Any:
    """The card of the separation alert between IAF101 and RFF1234."""
    return page.locator("#alerts-list li.alert[data-state]").filter(has_text="separation").first


def test_an_alert_reaches_both_consoles_and_acks_are_shared(live_console: Console) -> None:
    c = live_console
    israel = c.open("israel")
    russia = c.open("russia")
    for page in (israel, russia):
        page.wait_for_selector("#status-picture[data-status=live]", timeout=10_000)
        page.wait_for_selector("#status-hotline[data-status=live]", timeout=10_000)
    feed(c, 0.0)
    feed(c, 1.0)  # a second update: any engine has a velocity by now
    wait_for_alert_on_server(c)
    for page in (israel, russia):  # both consoles show it within 2 s of the server raising it
        alert_card(page).wait_for(timeout=WITHIN)
    for page in (israel, russia):
        card = alert_card(page)
        assert card.get_attribute("data-state") == "unacked"
        assert "LoS" in card.locator(".countdown").inner_text()
        assert int(page.locator("#alert-count").inner_text()) >= 1
        page.wait_for_function("() => Number(document.body.dataset.cues || 0) >= 1", timeout=WITHIN)
        # tracks (at least its own: the other party's depend on its sharing policy) and the
        # predicted geometry on the map
        page.wait_for_function(
            "() => window.skyaccord.view.stats.tracksTotal >= 1"
            " && window.skyaccord.view.stats.alertShapes >= 1",
            timeout=STEP,
        )

    alert_card(israel).get_by_role("button", name="Acknowledge").click()
    israel.wait_for_function(
        "() => [...document.querySelectorAll('#alerts-list li.alert')].some(li => li.dataset.state === 'waiting')",
        timeout=WITHIN,
    )
    # Russia sees that Israel acknowledged, and still has to
    alert_card(russia).locator(".ack.done[data-party=israel]").wait_for(timeout=WITHIN)
    assert alert_card(russia).get_attribute("data-state") == "unacked"

    # Russia acknowledges from the keyboard: select the card with J/K, then A
    for _ in range(10):
        russia.keyboard.press("j")
        if alert_card(russia).get_attribute("aria-current") == "true":
            break
    assert alert_card(russia).get_attribute("aria-current") == "true"
    russia.keyboard.press("a")
    for page in (israel, russia):
        alert_card(page).locator(".ack.done[data-party=russia]").wait_for(timeout=WITHIN)
        page.wait_for_function(
            """() => [...document.querySelectorAll('#alerts-list li.alert')]
                .some(li => li.textContent.includes('separation') && li.dataset.state === 'acked')""",
            timeout=WITHIN,
        )
    assert israel.errors == [] and russia.errors == []


def test_thread_and_emergency_message(live_console: Console) -> None:
    c = live_console
    israel = c.open("israel")
    russia = c.open("russia")
    feed(c, 0.0)
    feed(c, 1.0)
    wait_for_alert_on_server(c)
    for page in (israel, russia):
        alert_card(page).wait_for(timeout=WITHIN)

    card = alert_card(israel)
    card.get_by_role("button", name="Thread (0)").click()
    card.locator(".thread input").fill("IAF101 turning north now")
    card.locator(".thread input").press("Enter")
    rcard = alert_card(russia)
    rcard.get_by_role("button", name="Thread (1)").wait_for(timeout=STEP)
    rcard.get_by_role("button", name="Thread (1)").click()
    rcard.locator(".thread li", has_text="IAF101 turning north now").wait_for(timeout=STEP)

    cues = int(israel.evaluate("Number(document.body.dataset.cues || 0)"))
    russia.click("#btn-emergency")
    assert russia.locator("#msg-dialog").is_visible()
    russia.fill("#msg-text", "RFF1234 lost radio, squawking 7600")
    russia.click("#msg-send")
    item = israel.locator("#alerts-list li.sev-emergency", has_text="7600")
    item.wait_for(timeout=WITHIN)
    assert item.get_attribute("data-state") == "unacked"
    israel.wait_for_function(
        f"() => Number(document.body.dataset.cues || 0) > {cues}", timeout=STEP
    )
    # the emergency sorts first
    first = israel.locator("#alerts-list li.alert").first
    assert "sev-emergency" in (first.get_attribute("class") or "")


def test_track_card_and_layers(live_console: Console) -> None:
    c = live_console
    page = c.open("israel")
    feed(c, 0.0)
    page.wait_for_function("() => window.skyaccord.view.stats.tracksDrawn >= 2", timeout=5_000)
    # click the Israeli track: its card shows callsign and flight level
    xy = page.evaluate(
        """() => { const v = window.skyaccord.view;
           const t = window.skyaccord.state.live.picture.tracks.find(t => t.callsign === 'IAF101');
           return v.project(t.lon_deg, t.lat_deg); }"""
    )
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    page.locator("#track-card").wait_for()
    text = page.locator("#track-card").inner_text()
    assert "IAF101" in text and "FL200" in text
    page.uncheck("input[data-layer=tracks]")
    page.wait_for_function("() => !window.skyaccord.view.isVisible('tracks')")
    page.check("input[data-layer=tracks]")
