"""The replay view (a time slider over a recorded run, the same map and panels) and 10k tracks."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from tests.web._traffic import background, picture_at, recorded_run
from tests.web.conftest import Console

pytestmark = pytest.mark.browser

T0 = 1_448_349_845.0  # 2015-11-24T07:24:05Z


def load_recording(page: Any, text: str, name: str = "run.ndjson") -> None:
    page.keyboard.press("r")
    page.wait_for_selector("#replay-bar:visible")
    page.set_input_files(
        "#replay-file",
        files=[{"name": name, "mimeType": "application/x-ndjson", "buffer": text.encode()}],
    )
    page.wait_for_function(f"() => window.skyaccord.state.replay.name === {name!r}", timeout=10_000)


def seek(page: Any, index: int) -> None:
    page.eval_on_selector(
        "#replay-slider",
        f"(s) => {{ s.value = '{index}'; s.dispatchEvent(new Event('input')); }}",
    )


def card_state(page: Any) -> str | None:
    card = page.locator("#alerts-list li.alert").filter(has_text="separation").first
    return card.get_attribute("data-state") if card.count() else None


def test_replay_a_recorded_run_with_the_slider(console: Console) -> None:
    page = console.open("israel")
    load_recording(page, recorded_run(T0, frames=60))
    assert "REPLAY" in page.locator("#banner").inner_text()
    assert page.locator("#replay-slider").get_attribute("max") == "59"
    page.wait_for_function("() => window.skyaccord.view.stats.tracksTotal === 42")
    assert card_state(page) is None  # no alert yet at the start
    assert "07:24:05" in page.locator("#replay-time").inner_text()

    seek(page, 15)
    page.wait_for_function("() => window.skyaccord.view.stats.alertShapes >= 1")
    assert card_state(page) == "unacked"
    assert "LoS" in page.locator("#alerts-list .countdown").first.inner_text()
    # replay is read-only: no acknowledge button, no thread input
    assert page.locator("#alerts-list .ack-btn").count() == 0

    seek(page, 25)  # Israel acknowledged at +20 s
    assert card_state(page) == "waiting"
    seek(page, 35)  # Russia at +30 s
    assert card_state(page) == "acked"
    assert page.locator("#alerts-list .ack.done").count() == 2

    # the keyboard drives the slider: End jumps to the last frame, Home back to the first
    page.focus("#replay-slider")
    page.keyboard.press("End")
    assert "60/60" in page.locator("#replay-time").inner_text()
    page.keyboard.press("Home")
    assert "1/60" in page.locator("#replay-time").inner_text()
    # play: the slider moves on its own
    page.select_option("#replay-speed", "60")
    page.keyboard.press("Space")
    page.wait_for_function("() => Number(document.querySelector('#replay-slider').value) > 3")
    page.keyboard.press("Space")
    page.keyboard.press("l")
    assert page.locator("#replay-bar").is_hidden()
    assert page.errors == []


def test_a_recording_with_bad_lines_still_replays(console: Console) -> None:
    page = console.open("russia")
    text = recorded_run(T0, frames=5) + "not json\n" + json.dumps({"what": "else"}) + "\n"
    load_recording(page, text, "mixed.ndjson")
    page.wait_for_function("() => window.skyaccord.view.stats.tracksTotal === 42")
    assert page.locator("#replay-slider").get_attribute("max") == "4"


def test_ten_thousand_tracks_stay_responsive(console: Console) -> None:
    """10k tracks with trails, labels and speed leaders where they fit: drawn, and the map and
    panels keep answering. Timings are printed, not asserted (see DESIGN.md)."""
    page = console.open("israel")
    ac = background(10_000, seed=7)
    frames = [json.dumps(picture_at(ac, T0 + k, T0)) for k in range(3)]
    load_recording(page, "\n".join(frames) + "\n", "10k.ndjson")
    page.wait_for_function("() => window.skyaccord.view.stats.tracksTotal === 10000")
    page.wait_for_function("() => window.skyaccord.view.stats.tracksDrawn > 5000")
    timings = []
    page.focus("#map")
    for key in ["ArrowLeft", "ArrowUp", "+", "-", "ArrowRight", "ArrowDown"]:
        t = time.perf_counter()
        page.keyboard.press(key)
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        timings.append(time.perf_counter() - t)
    for k in (1, 2):
        seek(page, k)
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
    s = page.evaluate("() => ({...window.skyaccord.view.stats})")
    print(
        f"\n10k tracks: {s['tracksDrawn']} in view, tracks layer {s['tracksMs']:.1f} ms, "
        f"live canvas {s['liveMs']:.1f} ms, base canvas {s['baseMs']:.1f} ms, "
        f"key→frame median {sorted(timings)[len(timings) // 2] * 1000:.0f} ms"
    )
    # the panels still answer
    page.keyboard.press("2")
    assert page.locator("#panel-intents").is_visible()
    # a click picks one track out of 10k
    xy = page.evaluate(
        """() => { const v = window.skyaccord.view; const ts = window.skyaccord.state.replay.picture.tracks;
           for (const t of ts) { const [x, y] = v.project(t.lon_deg, t.lat_deg);
             if (x > 100 && y > 100 && x < v.w - 100 && y < v.h - 100) return [x, y]; } }"""
    )
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    page.locator("#track-card").wait_for()
    assert page.errors == []
