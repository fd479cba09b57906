"""The console against the HTTP API that exists today: sign-in, the map, own intents, filing
with the conflict check, and need-to-know between two parties."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.web._server import IL_TRAINING, PRIVATE, RU_PATROL
from tests.web.conftest import Console

pytestmark = pytest.mark.browser

TIMEOUT = 10_000


def stats(page: Any) -> dict[str, Any]:
    return dict(page.evaluate("() => ({...window.skyaccord.view.stats})"))


def wait_stat(page: Any, key: str, op: str, value: float) -> None:
    page.wait_for_function(
        f"() => (window.skyaccord.view.stats[{key!r}] ?? -1) {op} {value}", timeout=TIMEOUT
    )


def test_sign_in_by_link_keeps_the_token_out_of_the_address(console: Console) -> None:
    page = console.open("israel")
    assert page.locator("#me-party").inner_text() == "Israel"
    assert page.locator("#me-role").inner_text() == "duty officer"
    assert "token" not in page.url
    assert page.evaluate("sessionStorage.getItem('skyaccord.token')") == console.token("israel")
    page.reload()
    page.wait_for_selector("body[data-ready='1']", timeout=TIMEOUT)
    assert page.locator("#me-party").inner_text() == "Israel"
    assert page.errors == []


def test_sign_in_by_pasting_a_token_and_refusal(console: Console) -> None:
    ctx = console.browser.new_context()
    console.contexts.append(ctx)
    page = ctx.new_page()
    page.goto(console.url)
    page.fill("#signin-token", "sky_not-a-token")
    page.press("#signin-token", "Enter")
    page.wait_for_selector("#signin-error:visible")
    assert "refused" in page.locator("#signin-error").inner_text()
    assert "unknown token" in page.locator("#signin-error").inner_text()
    page.fill("#signin-token", console.token("russia", "planner"))
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("body[data-ready='1']", timeout=TIMEOUT)
    assert page.locator("#me-party").inner_text() == "Russia"
    assert page.locator("#me-role").inner_text() == "planner"
    page.click("#btn-signout")
    page.wait_for_selector("#signin:visible")
    assert page.evaluate("sessionStorage.getItem('skyaccord.token')") is None


def test_map_draws_borders_and_protected_airspace(console: Console) -> None:
    page = console.open("israel")
    wait_stat(page, "borderLines", ">", 0)
    s = stats(page)
    assert s["airspaceDrawn"] == 3
    assert s["basemap"] in ("ne-50m", "ne-10m")
    page.click("#tab-intents")
    names = page.locator("#airspace-list li").all_inner_texts()
    assert any("Golan buffer zone" in n and "israel" in n for n in names)
    assert any("Hmeimim" in n and "russia" in n for n in names)
    assert any("israel-sovereign" in n for n in names)
    # the map is drawn on canvases, and something is on them
    lit = page.evaluate(
        """() => {
        const c = document.querySelector('#map canvas[data-layer=base]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4 * 97) if (d[i] > 0) n++;
        return n; }"""
    )
    assert lit > 100
    assert page.errors == []


def test_the_console_says_when_there_is_no_live_feed(console: Console) -> None:
    if console.has_live_api():
        pytest.skip("the server has a live API")
    page = console.open("israel")
    page.wait_for_selector("#status-picture[data-status=unavailable]", timeout=TIMEOUT)
    assert "live feed unavailable" in page.locator("#status-picture").inner_text()
    assert page.locator("#banner").is_visible()
    assert page.locator("#banner").inner_text().startswith("Live feed unavailable")
    assert page.errors == []


def test_own_intents_are_listed_in_full_and_drawn(console: Console) -> None:
    page = console.open("russia", "planner")
    wait_stat(page, "intentsDrawn", "==", 1)
    page.click("#tab-intents")
    row = page.locator("#intents-list li[data-intent-id=ru-patrol-1]")
    assert "Accepted" in row.inner_text()
    assert PRIVATE["russia"] in row.inner_text()  # own details: in full


def file_overlapping(page: Any, console: Console) -> None:
    """In the File panel: paste GeoJSON overlapping the Russian patrol, altitudes, times."""
    page.click("#tab-file")
    t0 = console.seeded.now + 3600
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [IL_TRAINING]},
    }
    page.fill("#f-id", "il-training-1")
    page.fill("#f-geojson", json.dumps(feature))
    page.dispatch_event("#f-geojson", "change")
    page.fill("#f-alt-lo", "FL200")
    page.fill("#f-alt-hi", "FL300")
    from datetime import UTC, datetime

    page.fill("#f-t0", datetime.fromtimestamp(t0, UTC).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#f-t1", datetime.fromtimestamp(t0 + 7200, UTC).strftime("%Y-%m-%dT%H:%M"))
    page.click("details summary")
    page.fill("#f-details", json.dumps({"mission": PRIVATE["israel"]}))


def test_filing_shows_the_409_then_the_conflict_then_commits(console: Console) -> None:
    page = console.open("israel", "planner")
    file_overlapping(page, console)
    assert page.locator("#f-commit").is_disabled()
    page.click("#f-check")
    result = page.locator("#filing-result [data-result]:not([data-result=pending])")
    result.wait_for(timeout=TIMEOUT)
    assert "409" in result.inner_text()
    missing = page.locator("#filing-result li[data-missing=ru-patrol-1]")
    assert "russia" in missing.inner_text()
    assert PRIVATE["russia"] not in page.content()
    wait_stat(page, "previewOverlaps", ">=", 1)  # the overlap is drawn
    assert page.locator("#f-commit").is_disabled()  # nothing to commit after a refusal

    page.click("#f-add-key")
    page.wait_for_selector("#filing-result [data-result=warn]", timeout=TIMEOUT)
    text = page.locator("#filing-result").inner_text()
    assert "1 conflict" in text and "ru-patrol-1" in text and "russia" in text
    assert page.locator("#f-commit").is_enabled()
    # the dry run stored nothing
    page.click("#tab-intents")
    assert "No intents" in page.locator("#intents-list").inner_text()

    page.click("#tab-file")
    page.click("#f-commit")
    page.wait_for_selector("#filing-result [data-result=ok]", timeout=TIMEOUT)
    assert "Filed il-training-1" in page.locator("#filing-result").inner_text()
    page.click("#tab-intents")
    page.wait_for_selector("#intents-list li[data-intent-id=il-training-1]", timeout=TIMEOUT)
    page.wait_for_selector("#conflicts-list li[data-other=ru-patrol-1]", timeout=TIMEOUT)
    wait_stat(page, "overlapsDrawn", ">=", 1)
    assert page.errors == []


def test_the_other_party_sees_the_overlap_never_the_details(console: Console) -> None:
    israel = console.open("israel", "planner")
    russia = console.open("russia")
    file_overlapping(israel, console)
    israel.click("#f-check")
    israel.click("#f-add-key")
    israel.wait_for_selector("#f-commit:enabled", timeout=TIMEOUT)
    israel.click("#f-commit")
    israel.wait_for_selector("#filing-result [data-result=ok]", timeout=TIMEOUT)

    russia.reload()
    russia.wait_for_selector("body[data-ready='1']", timeout=TIMEOUT)
    russia.click("#tab-intents")
    row = russia.locator("#conflicts-list li[data-other=il-training-1]")
    row.wait_for(timeout=TIMEOUT)
    assert "israel" in row.inner_text() and "ru-patrol-1" in row.inner_text()
    wait_stat(russia, "overlapsDrawn", ">=", 1)
    # Russia's own intent in full, Israel's only as what the conflict reveals
    assert PRIVATE["russia"] in russia.content()
    assert PRIVATE["israel"] not in russia.content()
    everything = russia.evaluate(
        "() => JSON.stringify({i: window.skyaccord.state.intents, c: window.skyaccord.state.conflicts})"
    )
    assert PRIVATE["israel"] not in everything
    assert "il-training-1" in everything
    # and Israel, symmetrically
    israel.click("#tab-intents")
    assert PRIVATE["russia"] not in israel.content()
    assert PRIVATE["israel"] in israel.content()


def test_filing_by_drawing_on_the_map(console: Console) -> None:
    page = console.open("israel", "admin")
    page.click("#tab-file")
    page.click("#f-draw")
    box = page.locator("#map").bounding_box()
    assert box is not None
    for dx, dy in ((-120, -80), (60, -90), (80, 70), (-90, 90)):
        page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)
    assert "4 points" in page.locator("#draw-hint").inner_text()
    page.keyboard.press("Enter")
    geo = json.loads(page.locator("#f-geojson").input_value())
    assert geo["type"] == "Polygon" and len(geo["coordinates"][0]) == 5
    page.fill("#f-alt-lo", "1000 ft")
    page.fill("#f-alt-hi", "5000 ft")
    page.click("#f-check")
    page.wait_for_selector(
        "#filing-result [data-result]:not([data-result=pending])", timeout=TIMEOUT
    )
    kind = page.locator("#filing-result [data-result]").get_attribute("data-result")
    assert kind in ("ok", "warn"), page.locator("#filing-result").inner_text()
    page.click("#f-commit")
    page.wait_for_selector("#filing-result [data-result=ok] >> text=Filed", timeout=TIMEOUT)
    wait_stat(page, "intentsDrawn", "==", 1)


def test_a_duty_officer_may_check_but_not_file(console: Console) -> None:
    page = console.open("israel")
    page.click("#tab-file")
    assert "may check filings but not file" in page.locator("#filing-role").inner_text()
    far = [[34.0, 31.0], [34.2, 31.0], [34.2, 31.2], [34.0, 31.2], [34.0, 31.0]]
    page.fill("#f-geojson", json.dumps({"type": "Polygon", "coordinates": [far]}))
    page.click("#f-check")
    # the server refuses the dry run for a role that may not file: the reason is shown
    page.wait_for_selector("#filing-result [data-result=bad]", timeout=TIMEOUT)
    assert "403" in page.locator("#filing-result").inner_text()
    assert page.locator("#f-commit").is_disabled()


def test_keyboard(console: Console) -> None:
    page = console.open("israel")
    page.keyboard.press("3")
    assert page.locator("#panel-file").is_visible()
    page.keyboard.press("2")
    assert page.locator("#panel-intents").is_visible()
    page.keyboard.press("?")
    assert page.locator("#help-dialog").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#help-dialog").is_visible()
    k0 = page.evaluate("window.skyaccord.view.k")
    page.focus("#map")
    page.keyboard.press("+")
    assert page.evaluate("window.skyaccord.view.k") > k0
    lon0 = page.evaluate("window.skyaccord.view.lon0")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.skyaccord.view.lon0") > lon0
    page.keyboard.press("r")
    assert page.locator("#replay-bar").is_visible()
    page.keyboard.press("l")
    assert not page.locator("#replay-bar").is_visible()
    # every control can be reached with Tab: no positive tabindex, buttons are buttons
    assert (
        page.evaluate(
            'document.querySelectorAll(\'[tabindex]:not([tabindex="0"]):not([tabindex="-1"])\').length'
        )
        == 0
    )


def test_patrol_fixture_geometry_is_what_the_tests_assume() -> None:
    # IL_TRAINING overlaps RU_PATROL (the filing tests rely on it)
    assert min(p[0] for p in RU_PATROL) < max(p[0] for p in IL_TRAINING)
