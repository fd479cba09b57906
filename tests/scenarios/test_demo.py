"""``skyaccord demo`` on the built-in example: played headless it seeds a fresh store (parties,
airspace, both operations and their conflict, the hotline item to both parties); run as a real
process it prints each duty officer's token and serves the API with them."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from skyaccord.airspace.borders import available_sources
from skyaccord.cli import app
from skyaccord.scenarios.loader import load
from skyaccord.services.auth import AuthService
from skyaccord.services.intents import IntentService
from skyaccord.store import Store

# The example protects Israel's airspace from whichever border data is installed.
pytestmark = pytest.mark.skipif(
    not available_sources(), reason="no border data installed: scripts/install-data.sh"
)
TOKEN = re.compile(r"^\s*(\S+)\s+duty officer: (\S+)/#token=(sky_\S+)\s*$", re.M)


def test_example_played_headless_seeds_the_store(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    db.write_text("not a database: the demo recreates its file")
    args = ["demo", "--headless", "--scenario", "example", "--speed", "1000", "--db", str(db)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    scenario = load("example")
    parties = [p["id"] for p in scenario.data["parties"]]
    out = " ".join(result.stdout.split())
    for party in parties:  # both duty officers got the overlap on the hotline
        assert f"{party} ← item.created" in out
    assert "il-training-1" in out and "ru-patrol-1" in out

    store = Store(db)
    try:
        assert {p.id for p in AuthService(store).parties()} == set(parties)
        svc = IntentService(store)
        assert [i.id for i in svc.list_own("russia")] == ["ru-patrol-1"]
        assert [i.id for i in svc.list_own("israel")] == ["il-training-1"]
        for party in parties:
            rows = svc.conflicts(party)
            assert ("il-training-1", "ru-patrol-1") in {(r.intent_id, r.other_id) for r in rows}
    finally:
        store.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _command() -> list[str]:
    script = Path(sys.executable).with_name("skyaccord")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from skyaccord.cli import main; main()"]


def test_demo_serves_the_api_with_the_printed_tokens(tmp_path: Path) -> None:
    port = _free_port()
    cmd = [*_command(), "demo", "--scenario", "example", "--speed", "20"]
    cmd += ["--db", str(tmp_path / "demo.db"), "--port", str(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout or []], daemon=True)
    reader.start()
    seen: list[str] = []
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180

    def alive() -> None:
        assert proc.poll() is None, "".join(seen)
        assert time.monotonic() < deadline, "".join(seen)

    try:
        while len(TOKEN.findall("".join(seen))) < 2:
            alive()
            with contextlib.suppress(queue.Empty):
                seen.append(lines.get(timeout=1))
        printed = TOKEN.findall("".join(seen))
        tokens = {party: token for party, _, token in printed}
        assert set(tokens) == {"israel", "russia"}
        assert {url for _, url, _ in printed} == {base}

        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=2).json() == {"status": "ok"}:
                    break
            alive()
            time.sleep(0.2)

        def get(path: str, party: str) -> httpx.Response:
            headers = {"Authorization": f"Bearer {tokens[party]}"}
            return httpx.get(f"{base}{path}", headers=headers, timeout=10)

        for party in tokens:
            me = get("/v1/me", party)
            assert me.status_code == 200 and me.json()["party"] == party
        assert httpx.get(f"{base}/v1/me", timeout=10).status_code == 401
        # The scenario's filings are played on its clock: the conflict appears for Russia.
        while not any(
            c["other_id"] == "ru-patrol-1" for c in get("/v1/conflicts", "russia").json()
        ):
            alive()
            time.sleep(0.5)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        reader.join(timeout=5)
