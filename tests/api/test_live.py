"""The live server end to end (real uvicorn, real WebSockets): the issue's done-when.

Two duty officers of two parties, on two WebSocket clients, receive the same alert within a
second of the triggering track update, acknowledge it with signatures, and the exported ledger
verifies offline; a tampered export fails with the entry named.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import websockets

from skyaccord.cli.server import build_live, make_app
from skyaccord.ledger import signing
from skyaccord.ledger import store as ledger_store
from skyaccord.ledger.bundle import export_bundle, verify_bundle
from skyaccord.services.auth import Role
from skyaccord.timefmt import format_time


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Live:
    def __init__(self, db: Path) -> None:
        self.services = build_live(str(db), cycle="1s")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(
                make_app(self.services), host="127.0.0.1", port=self.port, log_level="warning"
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Live:
        self.thread.start()
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if httpx.get(self.url + "/healthz").status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with Live(tmp_path / "live.db") as server:
        auth = server.services.auth
        auth.add_party("israel", "Israel")
        auth.add_party("russia", "Russia")
        yield server


def tracks(
    tok: str, url: str, track_id: str, lat: float, lon: float, trk: float, t: float
) -> dict[str, Any]:
    r = httpx.post(
        url + "/v1/tracks",
        headers={"Authorization": f"Bearer {tok}"},
        json=[
            {
                "track_id": track_id,
                "time": format_time(t),
                "lat_deg": lat,
                "lon_deg": lon,
                "alt_ft": 19000,
                "gs_kt": 450,
                "track_deg": trk,
            }
        ],
    )
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def first_alert(url: str, token: str) -> tuple[float, dict[str, Any]]:
    async with websockets.connect(
        url.replace("http", "ws") + f"/v1/hotline/stream?access_token={token}"
    ) as ws:
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 15))
            if msg["item"]["kind"] == "alert":
                return time.time(), msg


def test_two_duty_officers_same_alert_signed_acks_and_a_verifiable_ledger(
    live: Live, tmp_path: Path
) -> None:
    auth = live.services.auth
    tokens = {p: auth.issue_token(p, Role.DUTY_OFFICER)[1] for p in ("israel", "russia")}
    keys = {}
    for p in ("israel", "russia"):
        key = signing.generate_private_key()
        pem = signing.public_key_pem(key)
        kid = live.services.store.transact(
            lambda c, p=p, pem=pem: ledger_store.register_key(c, p, pem, time=time.time())
        )
        keys[p] = (key, kid)

    async def scenario() -> tuple[float, dict[str, tuple[float, dict[str, Any]]]]:
        listeners = {p: asyncio.create_task(first_alert(live.url, t)) for p, t in tokens.items()}
        await asyncio.sleep(0.5)
        t0 = time.time()
        await asyncio.to_thread(tracks, tokens["israel"], live.url, "F16", 33.0, 35.5, 90.0, t0)
        await asyncio.to_thread(tracks, tokens["russia"], live.url, "SU24", 33.0, 35.8, 270.0, t0)
        got = {p: await task for p, task in listeners.items()}
        return t0, got

    t0, got = asyncio.run(scenario())
    (ti, mi), (tr, mr) = got["israel"], got["russia"]
    assert mi["item"]["id"] == mr["item"]["id"]
    assert mi["item"]["alert"]["kind"] == "separation"
    assert ti - t0 < 1.0 and tr - t0 < 1.0, (ti - t0, tr - t0)
    item_id = mi["item"]["id"]

    for p in ("israel", "russia"):
        key, kid = keys[p]
        sig = signing.sign_payload(key, {"item_id": item_id, "party": p})
        r = httpx.post(
            f"{live.url}/v1/hotline/items/{item_id}/ack",
            headers={"Authorization": f"Bearer {tokens[p]}"},
            json={"signature": sig, "key_id": kid},
        )
        assert r.status_code == 200, r.text
    view = httpx.get(
        f"{live.url}/v1/hotline/items/{item_id}",
        headers={"Authorization": f"Bearer {tokens['russia']}"},
    ).json()
    assert view["state"] == "acknowledged"
    assert all(p["signed"] for p in view["parties"])

    bundle = tmp_path / "ledger.jsonl"
    live.services.store.transact(
        lambda c: export_bundle(c, bundle, exported_at=time.time()), write=False
    )
    assert verify_bundle(bundle).ok
    lines = bundle.read_text().splitlines()
    # Tamper with the signed acknowledgement: change who acknowledged.
    k = next(i for i, line in enumerate(lines) if '"hotline.ack"' in line)
    lines[k] = (
        lines[k].replace('"party":"russia"', '"party":"israel"', 1)
        if '"party":"russia"' in lines[k]
        else lines[k].replace('"party":"israel"', '"party":"russia"', 1)
    )
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("\n".join(lines) + "\n")
    report = verify_bundle(tampered)
    assert not report.ok
    seq = json.loads(bundle.read_text().splitlines()[k])["seq"]
    assert str(seq) in str(report.problem)


def test_resume_from_cursor_after_restart(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    with Live(db) as server:
        server.services.auth.add_party("israel", "Israel")
        server.services.auth.add_party("russia", "Russia")
        tok = server.services.auth.issue_token("israel", Role.DUTY_OFFICER)[1]
        sender = server.services.auth.issue_token("russia", Role.DUTY_OFFICER)[1]
        for k in range(3):
            r = httpx.post(
                server.url + "/v1/hotline/messages",
                headers={"Authorization": f"Bearer {sender}"},
                json={"to": ["israel"], "text": f"message {k}"},
            )
            assert r.status_code == 201

        async def read(url: str, cursor: int, n: int) -> list[dict[str, Any]]:
            async with websockets.connect(
                url.replace("http", "ws") + f"/v1/hotline/stream?access_token={tok}&cursor={cursor}"
            ) as ws:
                return [json.loads(await asyncio.wait_for(ws.recv(), 10)) for _ in range(n)]

        first = asyncio.run(read(server.url, 0, 2))
    # the server is gone; a new one on the same store continues after the cursor
    with Live(db) as again:
        r = httpx.post(
            again.url + "/v1/hotline/messages",
            headers={"Authorization": f"Bearer {sender}"},
            json={"to": ["israel"], "text": "after restart"},
        )
        assert r.status_code == 201
        rest = asyncio.run(read(again.url, first[-1]["seq"], 2))
    texts = [m["item"]["body"]["text"] for m in first + rest]
    assert texts == ["message 0", "message 1", "message 2", "after restart"]
    seqs = [m["seq"] for m in first + rest]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4


def test_hotline_stream_bad_frames_are_answered_and_a_bad_cursor_refused(live: Live) -> None:
    tok = live.services.auth.issue_token("israel", Role.DUTY_OFFICER)[1]
    base = live.url.replace("http", "ws") + f"/v1/hotline/stream?access_token={tok}"

    async def run() -> tuple[list[dict[str, Any]], int]:
        replies = []
        async with websockets.connect(base) as ws:
            await ws.send("not json")
            await ws.send(b"\x00binary")
            await ws.send(json.dumps({"type": "ack", "item_id": "nope"}))
            for _ in range(3):
                replies.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
        with pytest.raises(websockets.InvalidStatus) as refused:  # closed before accepting
            await websockets.connect(base + f"&cursor={10**30}")
        return replies, refused.value.response.status_code

    replies, code = asyncio.run(run())
    assert [r["event"] for r in replies] == ["error"] * 3
    assert [r["error"] for r in replies] == ["invalid", "invalid", "not_found"]
    assert code == 403
