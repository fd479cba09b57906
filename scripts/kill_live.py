#!/usr/bin/env python
"""Crash test of the live server: ``kill -9`` during a write load, restart, check nothing
acknowledged was lost.

Run (from the repository root)::

    .venv/bin/python scripts/kill_live.py                  # 5 kills on SQLite
    .venv/bin/python scripts/kill_live.py --kills 2 --short
    .venv/bin/python scripts/kill_live.py --pg             # on a throwaway PostgreSQL server
    .venv/bin/python scripts/kill_live.py --db postgresql://skyaccord@127.0.0.1:5432/postgres

Everything runs on 127.0.0.1; ``skyaccord serve`` runs as a subprocess on one port, on a fresh
store; bravo owns a protected airspace that some filings cross.  The write load, from threads of
this process, for each of the parties alpha, bravo and charlie:

* a planner files operational intents (``POST /v1/intents``, ids chosen by the client); every
  third one crosses bravo's airspace, which puts a filing notice on the hotline of both parties;
* a duty officer sends hotline messages to the next party (``POST /v1/hotline/messages``) and
  posts into the threads of items it knows (``POST /v1/hotline/items/{id}/messages``);
* another duty officer acknowledges every open item of its party (``POST .../ack``);
* a listener reads the party's ``/v1/hotline/stream`` and, whenever the connection drops,
  reconnects from the last ``seq`` it received.

Every request that got a 2xx answer is an *acknowledged write*; a request cut by the kill has
an unknown outcome (it may or may not have landed, but never half); a request refused because
the server is down was never sent.  Once ``--writes`` more writes were acknowledged (at least
one of each kind), and a random 0–``--jitter-s`` seconds later, the server is killed (SIGKILL); while it is down this
process checks the store: every acknowledged write so far is there, and the ledger's hash chain
verifies.  Then the server is restarted on the same store and port and the load resumes.  At
the end:

* every acknowledged write is in the store (intents with their ledger entry, message items,
  thread messages, acknowledgements);
* ``skyaccord ledger verify`` (the CLI) exits 0;
* each listener received, across all its reconnections, exactly its party's feed (no gap, no
  duplicate): what it had not received when the server died came after the restart;
* a new connection from cursor 0 receives every item addressed to the party, in particular
  every one not yet acknowledged or never delivered;
* filings that landed have their hotline notices (reported: they are written in a second
  transaction, so a kill between the two would lose them).

Exit status 0 when nothing acknowledged is missing and everything above holds, 1 otherwise;
``--json PATH`` writes the report.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_live import (
    PARTIES,
    Seeded,
    ServerProcess,
    database,
    seed,
    skyaccord_cmd,
)

AIRSPACE_ID = "bravo-zone"
ZONE = (10.0, 20.0)  # south-west corner of bravo's zone, 0.5° square


def _volume(lat: float, lon: float, size: float = 0.05) -> dict[str, Any]:
    now = time.time()
    corners = [(lat, lon), (lat, lon + size), (lat + size, lon + size), (lat + size, lon)]
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return {
        "volume": {
            "outline_polygon": {"vertices": [{"lat": a, "lng": b} for a, b in corners]},
            "altitude_lower": {"value": 1000.0, "units": "M", "reference": "W84"},
            "altitude_upper": {"value": 2000.0, "units": "M", "reference": "W84"},
        },
        "time_start": time.strftime(fmt, time.gmtime(now + 3600)),
        "time_end": time.strftime(fmt, time.gmtime(now + 7200)),
    }


def zone_feature() -> dict[str, Any]:
    lat, lon = ZONE
    ring = [[lon, lat], [lon + 0.5, lat], [lon + 0.5, lat + 0.5], [lon, lat + 0.5], [lon, lat]]
    return {
        "type": "Feature",
        "properties": {
            "id": AIRSPACE_ID,
            "name": "Bravo restricted zone",
            "kind": "restricted",
            "lower": "0 m",
            "upper": "FL200",
        },
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


@dataclass
class Ledger:
    """What the load did: acknowledged writes, and writes whose outcome is unknown."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    intents: dict[str, str] = field(default_factory=dict)  # id → owner (acknowledged)
    items: dict[str, str] = field(default_factory=dict)  # message item id → text
    thread_msgs: dict[int, tuple[str, str]] = field(default_factory=dict)  # id → (item, text)
    acks: set[tuple[str, str]] = field(default_factory=set)  # (item id, party)
    unknown: dict[str, list[Any]] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)

    def count(self, what: str, status: int | str) -> None:
        key = f"{what} {status}"
        with self.lock:
            self.statuses[key] = self.statuses.get(key, 0) + 1

    def lost(self, what: str, ref: Any) -> None:
        with self.lock:
            self.unknown.setdefault(what, []).append(ref)


class Load:
    """The write load: threads that keep writing through kills and restarts."""

    def __init__(self, url: str, seeded: Seeded, record: Ledger) -> None:
        self.url = url
        self.seeded = seeded
        self.rec = record
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.rng = random.Random(7)

    def start(self) -> None:
        for p in PARTIES:
            tok = self.seeded.tokens[p]
            self._spawn(f"file-{p}", self._filer, p, tok["planner"])
            self._spawn(f"send-{p}", self._messenger, p, tok["duty_officer"])
            self._spawn(f"ack-{p}", self._acker, p, tok["admin"])

    def _spawn(self, name: str, fn: Callable[..., None], *args: Any) -> None:
        t = threading.Thread(target=fn, args=args, name=name, daemon=True)
        t.start()
        self.threads.append(t)

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(30)

    def _call(
        self, client: Any, what: str, method: str, path: str, body: Any = None
    ) -> tuple[int | None, Any]:
        """One request: (status, json) or (None, None) when the connection broke."""
        import httpx

        try:
            r = client.request(method, self.url + path, json=body)
        except httpx.ConnectError:  # the server is down: nothing was sent
            self.rec.count(what, "refused")
            return -1, None
        except httpx.HTTPError:  # sent, but the answer never came: the outcome is unknown
            self.rec.count(what, "no answer")
            return None, None
        self.rec.count(what, r.status_code)
        if r.status_code >= 500:
            self.rec.server_errors.append(f"{method} {path}: {r.status_code} {r.text[:200]}")
        try:
            return r.status_code, r.json()
        except ValueError:
            return r.status_code, None

    def _client(self, token: str) -> Any:
        import httpx

        return httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=15.0)

    def _pause(self, status: int | None) -> None:
        # Back off while the server is down (or busy), never faster than the rate limit.
        time.sleep(0.25 if status in (None, -1, 429) else 0.03)

    def _filer(self, party: str, token: str) -> None:
        k = PARTIES.index(party)
        n = 0
        with self._client(token) as c:
            while not self.stop.is_set():
                n += 1
                iid = f"{party}-{n}"
                if n % 3 == 0:  # crosses bravo's zone (a conflict, unless bravo files it)
                    lat, lon = ZONE[0] + 0.1 + 0.002 * (n % 100), ZONE[1] + 0.1 + 0.1 * k
                else:  # its own corner of the world
                    lat, lon = 30.0 + k * 5 + 0.06 * (n % 60), 40.0 + 0.06 * (n // 60)
                body = {"id": iid, "volumes": [_volume(lat, lon)], "details": {"n": n}}
                status, _ = self._call(c, "file", "POST", "/v1/intents", body)
                if status == 201:
                    with self.rec.lock:
                        self.rec.intents[iid] = party
                elif status is None:
                    self.rec.lost("intent", iid)
                self._pause(status)

    def _messenger(self, party: str, token: str) -> None:
        to = PARTIES[(PARTIES.index(party) + 1) % len(PARTIES)]
        n = 0
        known: list[str] = []
        with self._client(token) as c:
            while not self.stop.is_set():
                n += 1
                if known and n % 2 == 0:
                    item = self.rng.choice(known[-20:])
                    text = f"thread {party} {n}"
                    status, body = self._call(
                        c, "thread", "POST", f"/v1/hotline/items/{item}/messages", {"text": text}
                    )
                    if status == 201:
                        with self.rec.lock:
                            self.rec.thread_msgs[int(body["id"])] = (item, text)
                    elif status is None:
                        self.rec.lost("thread", text)
                else:
                    text = f"message {party} {n}"
                    status, body = self._call(
                        c, "send", "POST", "/v1/hotline/messages", {"to": [to], "text": text}
                    )
                    if status == 201:
                        known.append(body["id"])
                        with self.rec.lock:
                            self.rec.items[body["id"]] = text
                    elif status is None:
                        self.rec.lost("send", text)
                self._pause(status)

    def _acker(self, party: str, token: str) -> None:
        with self._client(token) as c:
            while not self.stop.is_set():
                status, items = self._call(
                    c, "list", "GET", "/v1/hotline/items?state=open&limit=50"
                )
                if status != 200:
                    self._pause(status)
                    continue
                todo = [
                    i["id"]
                    for i in items
                    if any(p["party"] == party and p["acked_at"] is None for p in i["parties"])
                ]
                for item_id in todo[:10]:
                    if self.stop.is_set():
                        break
                    status, _ = self._call(c, "ack", "POST", f"/v1/hotline/items/{item_id}/ack", {})
                    if status == 200:
                        with self.rec.lock:
                            self.rec.acks.add((item_id, party))
                    elif status is None:
                        self.rec.lost("ack", item_id)
                    self._pause(status)
                time.sleep(0.1)


class Listener:
    """A party's hotline stream that reconnects from its last ``seq`` whenever it drops."""

    def __init__(self, ws_url: str, token: str, party: str) -> None:
        self.ws_url = ws_url
        self.token = token
        self.party = party
        self.seqs: list[int] = []
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> None:
        self.thread.start()

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(30)

    async def _run(self) -> None:
        import websockets

        while not self.stop.is_set():
            cursor = self.seqs[-1] if self.seqs else 0
            url = f"{self.ws_url}/v1/hotline/stream?cursor={cursor}&access_token={self.token}"
            try:
                async with websockets.connect(url, open_timeout=10, max_size=2**24) as ws:
                    self.connections += 1
                    while not self.stop.is_set():
                        try:
                            raw = await asyncio.wait_for(ws.recv(), 0.5)
                        except TimeoutError:
                            continue
                        msg = json.loads(raw)
                        if "seq" in msg:
                            self.seqs.append(int(msg["seq"]))
            except (OSError, TimeoutError, websockets.WebSocketException):
                await asyncio.sleep(0.2)


async def replay(ws_url: str, token: str, upto: int) -> list[dict[str, Any]]:
    """Everything a new connection from cursor 0 receives, up to feed ``seq`` ``upto``."""
    import websockets

    out: list[dict[str, Any]] = []
    url = f"{ws_url}/v1/hotline/stream?cursor=0&access_token={token}"
    async with websockets.connect(url, open_timeout=30, max_size=2**24) as ws:
        while not out or out[-1]["seq"] < upto:
            out.append(json.loads(await asyncio.wait_for(ws.recv(), 30)))
    return out


# -- checks against the store ----------------------------------------------------------------


def store_facts(db: str) -> dict[str, Any]:
    """What the store holds that the checks need (read while the server is down or up)."""
    import sqlalchemy as sa

    from skyaccord.ledger import store as ledger_store
    from skyaccord.store import Store
    from skyaccord.store.hotline_schema import (
        hotline_feed,
        hotline_items,
        hotline_messages,
        hotline_parties,
    )
    from skyaccord.store.schema import conflicts, intents, ledger

    store = Store(db)
    try:

        def run(c: Any) -> dict[str, Any]:
            filed_in_ledger = set()
            for (payload,) in c.execute(
                sa.select(ledger.c.payload).where(ledger.c.kind == "intent.filed")
            ):
                p = json.loads(payload) if isinstance(payload, str) else payload
                filed_in_ledger.add(p["intent_id"])
            return {
                "intents": {
                    r.id: r.owner for r in c.execute(sa.select(intents.c.id, intents.c.owner))
                },
                "filed_in_ledger": filed_in_ledger,
                "items": {
                    r.id: (r.kind, r.body, r.source_ref)
                    for r in c.execute(
                        sa.select(
                            hotline_items.c.id,
                            hotline_items.c.kind,
                            hotline_items.c.body,
                            hotline_items.c.source_ref,
                        )
                    )
                },
                "addressed": [
                    (r.item_id, r.party, r.acked_at, r.delivered_at)
                    for r in c.execute(sa.select(hotline_parties))
                ],
                "messages": {
                    int(r.id): (r.item_id, r.text)
                    for r in c.execute(
                        sa.select(
                            hotline_messages.c.id,
                            hotline_messages.c.item_id,
                            hotline_messages.c.text,
                        )
                    )
                },
                "conflicts": [
                    (r.intent_id, r.intent_version, r.other_id)
                    for r in c.execute(
                        sa.select(
                            conflicts.c.intent_id, conflicts.c.intent_version, conflicts.c.other_id
                        )
                    )
                ],
                "feed": [
                    (int(r.seq), r.party, r.item_id, r.event)
                    for r in c.execute(sa.select(hotline_feed).order_by(hotline_feed.c.seq))
                ],
                "ledger": ledger_store.verify_chain(c),
            }

        out: dict[str, Any] = store.transact(run, write=False)
        return out
    finally:
        store.dispose()


def check_acknowledged(rec: Ledger, facts: dict[str, Any]) -> list[str]:
    """Every acknowledged write that is not in the store (must be empty)."""
    with rec.lock:
        intents_ = dict(rec.intents)
        items = dict(rec.items)
        msgs = dict(rec.thread_msgs)
        acks = set(rec.acks)
    missing: list[str] = []
    for iid, owner in intents_.items():
        if facts["intents"].get(iid) != owner:
            missing.append(f"intent {iid} of {owner}")
        elif iid not in facts["filed_in_ledger"]:
            missing.append(f"ledger entry intent.filed of {iid}")
    for item_id, text in items.items():
        got = facts["items"].get(item_id)
        if got is None or got[1].get("text") != text:
            missing.append(f"message item {item_id} ({text!r})")
    for mid, (item_id, text) in msgs.items():
        if facts["messages"].get(mid) != (item_id, text):
            missing.append(f"thread message {mid} ({text!r})")
    acked = {(i, p) for i, p, at, _ in facts["addressed"] if at is not None}
    for item_id, party in acks:
        if (item_id, party) not in acked:
            missing.append(f"ack of {item_id} by {party}")
    return missing


def filings_without_notice(facts: dict[str, Any]) -> list[str]:
    """Stored conflicts whose filing notice never reached the hotline."""
    refs = {ref for _, _, ref in facts["items"].values() if ref}
    return [
        f"filing:{i}:{v}:{o}" for i, v, o in facts["conflicts"] if f"filing:{i}:{v}:{o}" not in refs
    ]


def cli_ledger_verify(db: str) -> tuple[int, str]:
    r = subprocess.run(
        [*skyaccord_cmd(), "ledger", "verify", "--db", db],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return r.returncode, (r.stdout + r.stderr).strip()


# -- the run ---------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    kills: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        workdir = (
            Path(args.workdir)
            if args.workdir
            else Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="skyaccord-kill-")))
        )
        workdir.mkdir(parents=True, exist_ok=True)
        db = stack.enter_context(database(args.db, args.pg, workdir))
        seeded = seed(db)
        _seed_zone(db)
        server = ServerProcess(db, workdir)
        server.start()
        stack.callback(server.stop)
        port = server.port
        print(f"server pid {server.pid} on {server.url}, store {db}", flush=True)

        rec = Ledger()
        listeners = {p: Listener(server.ws_url, seeded.tokens[p]["observer"], p) for p in PARTIES}
        for li in listeners.values():
            li.start()
        load = Load(server.url, seeded, rec)
        load.start()
        stack.callback(load.finish)
        for k in range(args.kills):
            _under_load(rec, args.writes, rng.uniform(0.0, args.jitter_s))
            pid = server.pid
            server.kill()
            at = time.time()
            time.sleep(0.3)  # requests in flight fail; their answers never come
            facts = store_facts(db)
            missing = check_acknowledged(rec, facts)
            kills.append(
                {
                    "kill": k + 1,
                    "pid": pid,
                    "at": at,
                    "acknowledged_so_far": _acked_counts(rec),
                    "missing": missing,
                    "ledger_ok": facts["ledger"].ok,
                    "ledger": facts["ledger"].summary(),
                }
            )
            print(
                f"kill -9 #{k + 1} of pid {pid}: {_acked_counts(rec)} acknowledged so far, "
                f"{len(missing)} missing, ledger {'ok' if facts['ledger'].ok else 'BROKEN'}",
                flush=True,
            )
            _restart(server, port)
            print(f"  restarted as pid {server.pid}", flush=True)
        _under_load(rec, args.writes, rng.uniform(0.0, args.jitter_s))
        load.finish()
        time.sleep(1.0)  # the last items reach the listeners
        facts = store_facts(db)
        heads = {p: max((s for s, q, _, _ in facts["feed"] if q == p), default=0) for p in PARTIES}
        deadline = time.time() + 60
        while time.time() < deadline and any(
            (listeners[p].seqs[-1] if listeners[p].seqs else 0) < heads[p] for p in PARTIES
        ):
            time.sleep(0.2)
        for li in listeners.values():
            li.finish()
        replays = {
            p: asyncio.run(replay(server.ws_url, seeded.tokens[p]["duty_officer"], heads[p]))
            if heads[p]
            else []
            for p in PARTIES
        }
        server.stop()
        facts = store_facts(db)
        verify_code, verify_out = cli_ledger_verify(db)
        server_errors = server.error_lines()

    missing = check_acknowledged(rec, facts)
    streams = {}
    for p in PARTIES:
        want = [s for s, q, _, _ in facts["feed"] if q == p and s <= heads[p]]
        got = [s for s in listeners[p].seqs if s <= heads[p]]
        addressed = {i for i, q, _, _ in facts["addressed"] if q == p}
        unacked = {i for i, q, at, _ in facts["addressed"] if q == p and at is None}
        undelivered = {i for i, q, _, d in facts["addressed"] if q == p and d is None}
        replay_created = {e["item"]["id"] for e in replays[p] if e["event"] == "item.created"}
        replay_seqs = [int(e["seq"]) for e in replays[p] if e["seq"] <= heads[p]]
        streams[p] = {
            "feed_entries": len(want),
            "listener_connections": listeners[p].connections,
            "listener_missing": len(set(want) - set(got)),
            "listener_duplicates": len(got) - len(set(got)),
            "listener_out_of_order": sum(1 for a, b in itertools.pairwise(got) if b <= a),
            "replay_missing": len(set(want) - set(replay_seqs)),
            "items_addressed": len(addressed),
            "items_unacknowledged": len(unacked),
            "items_never_delivered_before_replay": len(undelivered),
            "replay_missing_items": len(addressed - replay_created),
            "replay_missing_unacknowledged": len(unacked - replay_created),
        }
    unknown_landed = {
        "intent": sum(1 for i in rec.unknown.get("intent", []) if i in facts["intents"]),
    }
    report = {
        "store": "postgresql" if "://" in db else "sqlite",
        "kills": kills,
        "acknowledged": _acked_counts(rec),
        "unknown_outcome": {k: len(v) for k, v in rec.unknown.items()},
        "unknown_outcome_landed": unknown_landed,
        "statuses": dict(sorted(rec.statuses.items())),
        "missing_acknowledged": missing,
        "ledger_verify_exit": verify_code,
        "ledger_verify_output": verify_out[-500:],
        "streams": streams,
        "filings_without_notice": filings_without_notice(facts),
        "server_5xx": rec.server_errors[:20],
        "server_error_lines": server_errors[:20],
    }
    return report


def _seed_zone(db: str) -> None:
    from skyaccord.services.airspace import AirspaceService
    from skyaccord.store import Store

    store = Store(db)
    try:
        AirspaceService(store).import_geojson("bravo", zone_feature())
    finally:
        store.dispose()


def _restart(server: ServerProcess, port: int) -> None:
    """Starts the server again on ``port``, so that clients keep their URLs."""
    import socket

    for _ in range(50):  # the port may take a moment to be bindable again
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.1)
    server.start(port=port)


def _under_load(rec: Ledger, writes: int, extra_s: float) -> None:
    """Waits until ``writes`` more writes were acknowledged, at least one of each kind (so every
    kind of write is at risk when the kill comes), then ``extra_s``."""
    base = _acked_counts(rec)
    deadline = time.time() + 120

    def loaded() -> bool:
        now = _acked_counts(rec)
        more = {k: now[k] - base[k] for k in now}
        return sum(more.values()) >= writes and all(v > 0 for v in more.values())

    while not loaded() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(extra_s)


def _acked_counts(rec: Ledger) -> dict[str, int]:
    with rec.lock:
        return {
            "intents": len(rec.intents),
            "message_items": len(rec.items),
            "thread_messages": len(rec.thread_msgs),
            "acks": len(rec.acks),
        }


def failures(r: dict[str, Any]) -> list[str]:
    out = [f"missing after the end: {m}" for m in r["missing_acknowledged"]]
    for k in r["kills"]:
        out += [f"missing after kill {k['kill']}: {m}" for m in k["missing"]]
        if not k["ledger_ok"]:
            out.append(f"ledger broken after kill {k['kill']}: {k['ledger']}")
    if r["ledger_verify_exit"] != 0:
        out.append(f"skyaccord ledger verify exited {r['ledger_verify_exit']}")
    for p, s in r["streams"].items():
        for key in (
            "listener_missing",
            "listener_duplicates",
            "listener_out_of_order",
            "replay_missing",
            "replay_missing_items",
            "replay_missing_unacknowledged",
        ):
            if s[key]:
                out.append(f"{p}: {key} = {s[key]}")
    out += [f"5xx: {e}" for e in r["server_5xx"]]
    # The load only makes valid requests: any refusal but the rate limit's is a failure.
    out += [
        f"unexpected answers: {k} x{n}"
        for k, n in r["statuses"].items()
        if k.split()[-1].isdigit() and int(k.split()[-1]) >= 400 and not k.endswith(" 429")
    ]
    return out


def print_report(r: dict[str, Any]) -> None:
    print()
    print(f"skyaccord kill -9 test on {r['store']}: {len(r['kills'])} kills")
    print(f"acknowledged writes: {r['acknowledged']}")
    print(
        f"writes cut by a kill (outcome unknown): {r['unknown_outcome']}, of which landed: "
        f"{r['unknown_outcome_landed']}"
    )
    print(f"answers: {r['statuses']}")
    for k in r["kills"]:
        print(f"  kill {k['kill']}: {len(k['missing'])} missing; ledger: {k['ledger']}")
    print(f"skyaccord ledger verify: exit {r['ledger_verify_exit']}: {r['ledger_verify_output']}")
    for p, s in r["streams"].items():
        print(f"  {p}: {s}")
    print(f"filings whose hotline notice is missing: {len(r['filings_without_notice'])}")
    bad = failures(r)
    print(f"failures: {len(bad)}")
    for b in bad[:30]:
        print(f"  {b}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=5, help="how many times to kill -9 (5)")
    ap.add_argument("--short", action="store_true", help="2 kills, 10 writes between kills")
    ap.add_argument(
        "--writes", type=int, default=30, help="acknowledged writes before each kill (30)"
    )
    ap.add_argument(
        "--jitter-s", type=float, default=1.5, help="then up to this many seconds more (1.5)"
    )
    ap.add_argument(
        "--db", help="SQLite file, or a postgresql:// server URL (a fresh database is made)"
    )
    ap.add_argument("--pg", action="store_true", help="a throwaway PostgreSQL server (Debian's)")
    ap.add_argument("--seed", type=int, default=None, help="random seed of the kill times")
    ap.add_argument("--workdir", help="keep the store and the server's logs here")
    ap.add_argument("--json", help="write the report here")
    args = ap.parse_args(argv)
    if args.short:
        args.kills, args.writes = 2, 10
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str))
    return 1 if failures(report) else 0


if __name__ == "__main__":
    sys.exit(main())
