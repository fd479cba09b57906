#!/usr/bin/env python
"""Load test of the live server on loopback: N tracks at 1 Hz, C hotline WebSocket clients.

Run (from the repository root)::

    .venv/bin/python scripts/load_live.py                       # 10,000 tracks, 50 clients, 10 min
    .venv/bin/python scripts/load_live.py --short               # 1,000 tracks, 5 clients, 30 s
    .venv/bin/python scripts/load_live.py --tracks 2000 --clients 20 --minutes 2 --pg
    .venv/bin/python scripts/load_live.py --db postgresql://skyaccord@127.0.0.1:5432/postgres

Everything runs on 127.0.0.1 and every process started here is stopped here:

* the **server**: ``skyaccord serve`` as a subprocess on a free port, on a fresh SQLite file (or a
  fresh database on the PostgreSQL server of ``--db URL``, or on a throwaway one with ``--pg``);
  parties, tokens and sharing policies are seeded through the store before it starts;
* the **feeder**, a separate process: one ``/v1/tracks/stream`` WebSocket per party; at every
  whole second each party sends every one of its tracks (in frames of 2,000), unless the server
  has not yet answered that party's frames of an earlier second: then the party skips the second
  (counted), as a feed sends its newest positions rather than queue stale ones.  Background
  tracks fly a grid, all east at the same speed, so they never conflict; scripted cross-party
  **encounters** (two aircraft head-on, 40 km apart, same level) start at known seconds and are
  fed for up to 20 s, then left to coast and drop;
* the **clients**, a separate process: C ``/v1/hotline/stream`` WebSockets from cursor 0, spread
  over the parties (round robin) and the roles (duty officer, admin, planner, observer); the
  first duty officer of each party acknowledges every alert on its socket;
* this process samples the server's RSS (``VmRSS`` of ``/proc/<pid>/status``) and checks.

Latency, precisely.  Encounter *k* between parties P and Q is two tracks ``P/enc<k>`` and
``Q/enc<k>`` that the server has never seen before.  The first frame P sends from the
encounter's start second on carries ``P/enc<k>`` as its first record, and likewise for Q.  The
*trigger time* is ``time.time()`` in the feeder immediately before it hands the later of those
two first frames to its socket: the first instant at which the server could know both
aircraft.  The *arrival time* at a client is ``time.time()`` in the client process immediately
after ``recv()`` returned the feed entry ``item.created`` of the alert item whose
``alert.tracks`` are exactly those two tracks.  Latency = arrival - trigger, for every client of
every party the item is addressed to (both clocks are the same host's wall clock).  The report
gives p50/p95/p99/max over all (encounter, addressed client) pairs; the target is p99 <= 1 s.

Completeness.  When the feed is over, this process reads every party's feed entries (``seq``) up
to the global head from the store and tells the clients to finish once they have seen their
party's last one.  A client's stream is complete when the ``seq`` it received are strictly
increasing and, up to that head, exactly its party's entries in the store (no gap, no
duplicate), and when it received ``item.created`` for every item addressed to its party.
Anything else is counted under ``missing``, which must be 0.

Memory.  RSS start (the first sample once every track has been fed once), max, end (the last
sample before the server is stopped) and the least-squares slope over the second half of the
feed, in MiB per minute.  The tracks gauge of ``/metrics`` at the end must not exceed the tracks
fed (the engine drops what it no longer hears about).

Exit status 0 when no entry is missing and nothing failed, 1 otherwise.  ``--json PATH`` writes
the whole report (the short test reads it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import multiprocessing as mp
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PARTIES = ("alpha", "bravo", "charlie")
ROLES = ("duty_officer", "admin", "planner", "observer")
EARTH_R_M = 6_371_000.0
GRID_STEP_DEG = 0.15  # > 5 NM between neighbours up to 50° latitude
BG_SPEED_MPS = 200.0
BG_ALT_M = 6000.0
ENC_SPEED_MPS = 220.0
ENC_SEPARATION_M = 40_000.0
ENC_ALT_M = 7000.0

# -- the server as a subprocess --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def skyaccord_cmd() -> list[str]:
    """The ``skyaccord`` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("skyaccord")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from skyaccord.cli import main; main()"]


def rss_kib(pid: int) -> int | None:
    """Resident set size of ``pid`` (KiB) from /proc, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    m = re.search(r"^VmRSS:\s+(\d+)\s+kB", text, re.MULTILINE)
    return int(m.group(1)) if m else None


class ServerProcess:
    """``skyaccord serve`` on a free loopback port; logs go to files in ``workdir``."""

    def __init__(self, db: str, workdir: Path, *, name: str = "server") -> None:
        self.db = db
        self.workdir = workdir
        self.name = name
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def stderr_path(self) -> Path:
        return self.workdir / f"{self.name}-{self.starts}.err"

    def start(self, timeout_s: float = 120.0, *, port: int | None = None) -> None:
        """Starts the server (on ``port``, or a free one) and waits until it answers."""
        import httpx

        self.starts += 1
        self.port = port or free_port()
        out = (self.workdir / f"{self.name}-{self.starts}.out").open("wb")
        err = self.stderr_path.open("wb")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [
                *skyaccord_cmd(),
                "serve",
                "--db",
                self.db,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=out,
            stderr=err,
            env=env,
        )
        out.close()
        err.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.proc.returncode}: {self.stderr_path.read_text()}"
                )
            try:
                if httpx.get(self.url + "/readyz", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server did not answer /readyz within {timeout_s} s")

    def kill(self) -> None:
        """``kill -9``: no shutdown of any kind."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout_s: float = 30.0) -> int | None:
        """A clean shutdown (SIGINT, as Ctrl-C), then SIGKILL if it hangs; the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def error_lines(self) -> list[str]:
        """Lines of every run's stderr that report an error."""
        out: list[str] = []
        for k in range(1, self.starts + 1):
            path = self.workdir / f"{self.name}-{k}.err"
            if path.exists():
                for line in path.read_text(errors="replace").splitlines():
                    if "Traceback" in line or " ERROR " in line or '"level": "error"' in line:
                        out.append(line)
        return out


@contextlib.contextmanager
def database(args_db: str | None, use_pg: bool, workdir: Path) -> Iterator[str]:
    """A fresh store: a SQLite file, a new database on ``args_db``'s server, or a throwaway
    PostgreSQL server (``use_pg``)."""
    from skyaccord.testing import postgres

    if use_pg:
        with postgres.postgres_server() as url:
            yield postgres.fresh_database(url, "load_" + uuid.uuid4().hex[:10])
        return
    if args_db and "://" in args_db:
        yield postgres.fresh_database(args_db, "load_" + uuid.uuid4().hex[:10])
        return
    yield str(Path(args_db) if args_db else workdir / "load.db")


@dataclass
class Seeded:
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)  # party → role → token
    token_ids: dict[str, dict[str, str]] = field(default_factory=dict)
    operator: str = ""
    operator_id: str = ""
    client_tokens: list[str] = field(default_factory=list)


def seed(db: str, n_clients: int = 0, parties: tuple[str, ...] = PARTIES) -> Seeded:
    """Schema, parties, a token per role and party, one per client, sharing policies."""
    from skyaccord.services.auth import AuthService, Role
    from skyaccord.services.sharing import SharingService
    from skyaccord.store import Store

    store = Store(db)
    try:
        store.upgrade()
        auth = AuthService(store)
        out = Seeded()
        for p in parties:
            auth.add_party(p, p.title(), contact=f"{p} duty desk")
            out.tokens[p], out.token_ids[p] = {}, {}
            for role in ROLES:
                out.token_ids[p][role], out.tokens[p][role] = auth.issue_token(p, role, "load")
            out.token_ids[p]["feeder"], out.tokens[p]["feeder"] = auth.issue_token(
                p, Role.DUTY_OFFICER, "feeder"
            )
        out.operator_id, out.operator = auth.issue_token(None, Role.OPERATOR, "load")
        for j in range(n_clients):
            party, role = client_spec(j, parties)
            out.client_tokens.append(auth.issue_token(party, role, f"client {j}")[1])
        sharing = SharingService(store)
        modes = ("all", "near", "none")
        for i, owner in enumerate(parties):
            for k, viewer in enumerate(parties):
                if owner != viewer:
                    sharing.set(owner, viewer, modes[(i + k) % 3], 185_200.0)
        return out
    finally:
        store.dispose()


def client_spec(j: int, parties: tuple[str, ...] = PARTIES) -> tuple[str, str]:
    """Client ``j``'s party (round robin) and role (duty officers first)."""
    return parties[j % len(parties)], ROLES[(j // len(parties)) % len(ROLES)]


# -- the scenario ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Encounter:
    k: int
    start_s: int  # offset of its first tick from the feed's first tick
    parties: tuple[str, str]
    lat: float
    lon: float

    def tracks(self) -> list[str]:
        return [f"{p}/enc{self.k}" for p in self.parties]


def encounters(duration_s: int, every_s: int, first_s: int, tail_s: int) -> list[Encounter]:
    """Encounters every ``every_s`` from ``first_s`` to ``duration_s - tail_s``, cycling over the
    pairs of parties, each 1° of latitude from the last, far from the background grid."""
    out = []
    pairs = [(PARTIES[i], PARTIES[(i + 1) % len(PARTIES)]) for i in range(len(PARTIES))]
    for k, start in enumerate(range(first_s, max(first_s, duration_s - tail_s) + 1, every_s)):
        out.append(Encounter(k, start, pairs[k % len(pairs)], 2.0 + (k % 15), 5.0 + 2 * (k // 15)))
    return out


def wire_time(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def east(lat: float, lon: float, dist_m: float) -> float:
    """Longitude ``dist_m`` east of (lat, lon) along the parallel (rhumb line east)."""
    return lon + math.degrees(dist_m / (EARTH_R_M * math.cos(math.radians(lat))))


@dataclass
class FeedConfig:
    ws_url: str
    tokens: dict[str, str]  # party → feeder token
    n_tracks: int
    duration_s: int
    encounters: list[Encounter]
    enc_send_s: int
    out: str
    chunk: int = 2000


def _grid(n: int) -> dict[str, list[tuple[str, float, float]]]:
    """The background tracks of each party: (track id, lat, lon at the first tick)."""
    side = max(1, math.ceil(math.sqrt(n)))
    out: dict[str, list[tuple[str, float, float]]] = {p: [] for p in PARTIES}
    for i in range(n):
        row, col = divmod(i, side)
        out[PARTIES[i % len(PARTIES)]].append(
            (f"bg{i}", 20.0 + row * GRID_STEP_DEG, 30.0 + col * GRID_STEP_DEG)
        )
    return out


def _bg_frame_parts(grid: list[tuple[str, float, float]], dt: float, now: float) -> list[str]:
    t = wire_time(now)
    out = []
    for tid, lat, lon in grid:
        out.append(
            f'{{"track_id":"{tid}","time":"{t}","lat_deg":{lat:.6f},'
            f'"lon_deg":{east(lat, lon, BG_SPEED_MPS * dt):.6f},"alt_m":{BG_ALT_M},'
            f'"gs_mps":{BG_SPEED_MPS},"track_deg":90.0,"vrate_mps":0.0}}'
        )
    return out


def _enc_record(e: Encounter, party: str, dt: float, now: float) -> str:
    """The encounter's aircraft of ``party``: the first of the pair flies east, the other west,
    head-on along the parallel, ``ENC_SEPARATION_M`` apart at the start."""
    first = party == e.parties[0]
    x0 = -ENC_SEPARATION_M / 2 if first else ENC_SEPARATION_M / 2
    x = x0 + (ENC_SPEED_MPS * dt if first else -ENC_SPEED_MPS * dt)
    return (
        f'{{"track_id":"enc{e.k}","time":"{wire_time(now)}","lat_deg":{e.lat:.6f},'
        f'"lon_deg":{east(e.lat, e.lon, x):.6f},"alt_m":{ENC_ALT_M},"gs_mps":{ENC_SPEED_MPS},'
        f'"track_deg":{90.0 if first else 270.0},"vrate_mps":0.0}}'
    )


def run_feeder(cfg: FeedConfig) -> None:
    """Process entry: feeds for ``duration_s`` seconds, writes what it did to ``cfg.out``."""
    result = asyncio.run(_feed(cfg))
    Path(cfg.out).write_text(json.dumps(result))


class _FeedSocket:
    """One party's tracks WebSocket: sends frames, counts answers, reconnects if it drops."""

    def __init__(self, url: str, party: str, errors: list[str]) -> None:
        self.url = url
        self.party = party
        self.errors = errors
        self.ws: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.sent = 0
        self.answered = 0
        self.replies: list[dict[str, Any]] = []
        self.reconnects = 0

    async def connect(self) -> None:
        import websockets

        self.ws = await websockets.connect(
            self.url,
            max_size=2**24,
            ping_interval=20,
            ping_timeout=60,
            open_timeout=30,
            proxy=None,
        )
        self.sent = self.answered = 0
        self.reader = asyncio.create_task(self._read(self.ws))

    async def _read(self, ws: Any) -> None:
        import websockets

        try:
            async for raw in ws:
                self.replies.append(json.loads(raw))
                self.answered += 1
        except websockets.ConnectionClosed as e:
            self.errors.append(f"{self.party}: tracks socket closed: {e}")

    @property
    def busy(self) -> bool:
        """Frames of an earlier tick are still unanswered."""
        return self.answered < self.sent

    async def send(self, frame: str) -> bool:
        import websockets

        try:
            await self.ws.send(frame)
        except websockets.ConnectionClosed as e:
            self.errors.append(f"{self.party}: send failed, reconnecting: {e}")
            self.reconnects += 1
            await self.connect()
            return False
        self.sent += 1
        return True

    async def close(self) -> None:
        deadline = time.time() + 30
        while self.busy and time.time() < deadline:
            await asyncio.sleep(0.05)
        await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(BaseException):
                await self.reader


async def _feed(cfg: FeedConfig) -> dict[str, Any]:
    """Every tick, each party's frames, unless its previous tick is still unanswered: then the
    party skips this tick (a feed sends the newest positions, it does not queue stale ones)."""
    grid = _grid(cfg.n_tracks)
    errors: list[str] = []
    socks = {
        p: _FeedSocket(f"{cfg.ws_url}/v1/tracks/stream?access_token={cfg.tokens[p]}", p, errors)
        for p in PARTIES
    }
    for sock in socks.values():
        await sock.connect()
    first_sent: dict[int, dict[str, float]] = {e.k: {} for e in cfg.encounters}
    skipped = {p: 0 for p in PARTIES}
    records = {p: 0 for p in PARTIES}
    lag_max = 0.0
    late_ticks = 0
    t0 = math.ceil(time.time()) + 1.0
    for tick in range(cfg.duration_s):
        target = t0 + tick
        await asyncio.sleep(max(0.0, target - time.time()))
        now = time.time()
        lag = now - target
        lag_max = max(lag_max, lag)
        late_ticks += lag > 0.5
        active = [e for e in cfg.encounters if e.start_s <= tick < e.start_s + cfg.enc_send_s]
        # Alternate the order of the parties so that both members of a pair go first sometimes.
        order = PARTIES if tick % 2 == 0 else PARTIES[::-1]
        for p in order:
            sock = socks[p]
            if sock.busy:
                skipped[p] += 1
                continue
            mine = [e for e in active if p in e.parties]
            enc = [_enc_record(e, p, tick - e.start_s, now) for e in mine]
            parts = enc + _bg_frame_parts(grid[p], float(tick), now)
            for c in range(0, max(len(parts), 1), cfg.chunk):
                frame = '{"tracks":[' + ",".join(parts[c : c + cfg.chunk]) + "]}"
                sent_at = time.time()
                if not await sock.send(frame):
                    break
                records[p] += len(parts[c : c + cfg.chunk])
                if c == 0:
                    for e in mine:
                        first_sent[e.k].setdefault(p, sent_at)
    for sock in socks.values():
        await sock.close()
    replies = [r for sock in socks.values() for r in sock.replies]
    reasons: dict[str, int] = {}
    for r in replies:
        if "error" in r:
            errors.append(f"frame answered with an error: {r}")
        for k, v in (r.get("reasons") or {}).items():
            reasons[k] = reasons.get(k, 0) + int(v)
    return {
        "t0": t0,
        "records_sent": records,
        "accepted": sum(int(r.get("accepted", 0)) for r in replies),
        "rejected": sum(int(r.get("rejected", 0)) for r in replies),
        "reasons": reasons,
        "errors": errors,
        "skipped_ticks": skipped,
        "reconnects": {p: s.reconnects for p, s in socks.items()},
        # The trigger: the later of the two tracks' first sends.
        "triggers": {str(k): max(v.values()) for k, v in first_sent.items() if len(v) == 2},
        "lag_max_s": lag_max,
        "late_ticks": late_ticks,
    }


# -- the hotline clients ---------------------------------------------------------------------


@dataclass
class ClientsConfig:
    ws_url: str
    tokens: list[str]
    out: str


def run_clients(cfg: ClientsConfig, ready: Any, commands: Any) -> None:
    """Process entry: ``ready`` is set once every client is connected; ``commands`` brings the
    per-party head ``seq`` to read up to, then the clients close; results go to ``cfg.out``."""
    result = asyncio.run(_clients(cfg, ready, commands))
    Path(cfg.out).write_text(json.dumps(result))


async def _clients(cfg: ClientsConfig, ready: Any, commands: Any) -> dict[str, Any]:
    import websockets

    n = len(cfg.tokens)
    targets: dict[str, int] = {}
    finish = asyncio.Event()
    connected = 0
    all_connected = asyncio.Event()
    ackers: set[str] = set()
    give_up = [math.inf]  # once told to finish: how long to wait for the last entries

    async def one(j: int) -> dict[str, Any]:
        nonlocal connected
        party, role = client_spec(j)
        acker = role == "duty_officer" and party not in ackers
        if acker:
            ackers.add(party)
        res: dict[str, Any] = {
            "client": j,
            "party": party,
            "role": role,
            "acker": acker,
            "seqs": [],
            "created": {},  # item id → [arrival, kind, alert tracks, parties]
            "events": {},
            "errors": [],
            "acks_sent": 0,
            "reconnects": 0,
        }
        base = f"{cfg.ws_url}/v1/hotline/stream?access_token={cfg.tokens[j]}"
        first = True
        while True:
            cursor = res["seqs"][-1] if res["seqs"] else 0
            try:
                async with websockets.connect(
                    f"{base}&cursor={cursor}",
                    max_size=2**24,
                    ping_interval=20,
                    ping_timeout=60,
                    open_timeout=60,
                    proxy=None,
                ) as ws:
                    if first:
                        first = False
                        connected += 1
                        if connected == n:
                            all_connected.set()
                    await _read_stream(ws, res, party, acker)
                    return res
            except Exception as e:  # counted, then resumed from the last seq received
                res["errors"].append(f"{type(e).__name__}: {e}")
                res["reconnects"] += 1
                if finish.is_set() and time.time() > give_up[0]:
                    return res
                await asyncio.sleep(0.5)

    async def _read_stream(ws: Any, res: dict[str, Any], party: str, acker: bool) -> None:
        while True:
            if finish.is_set():
                last = res["seqs"][-1] if res["seqs"] else 0
                if last >= targets.get(party, 0) or time.time() > give_up[0]:
                    return
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            t = time.time()
            msg = json.loads(raw)
            if msg.get("event") == "error":
                res["errors"].append(f"error event: {msg}")
                continue
            res["seqs"].append(int(msg["seq"]))
            ev = str(msg["event"])
            res["events"][ev] = res["events"].get(ev, 0) + 1
            item = msg["item"]
            if ev == "item.created" and item["id"] not in res["created"]:
                alert = item.get("alert") or {}
                res["created"][item["id"]] = [
                    t,
                    item["kind"],
                    sorted(alert.get("tracks", [])),
                    sorted(p["party"] for p in item["parties"]),
                ]
                if acker and item["kind"] == "alert":
                    await ws.send(json.dumps({"type": "ack", "item_id": item["id"]}))
                    res["acks_sent"] += 1

    async def wait_commands() -> None:
        await all_connected.wait()
        ready.set()
        got = await asyncio.to_thread(commands.get)
        targets.update(got)
        give_up[0] = time.time() + 60.0
        finish.set()

    control = asyncio.create_task(wait_commands())
    tasks = [asyncio.create_task(one(j)) for j in range(n)]
    results = list(await asyncio.gather(*tasks))
    control.cancel()
    with contextlib.suppress(BaseException):
        await control
    return {"clients": results}


# -- checks and the report -------------------------------------------------------------------


def feed_state(db: str) -> tuple[int, dict[str, list[int]], dict[str, list[str]]]:
    """The global feed head, each party's feed ``seq`` up to it, and the items created up to it
    with their addressed parties."""
    import sqlalchemy as sa

    from skyaccord.store import Store
    from skyaccord.store.hotline_schema import hotline_feed

    store = Store(db)
    try:

        def run(conn: Any) -> tuple[int, dict[str, list[int]], dict[str, list[str]]]:
            head = int(
                conn.execute(
                    sa.select(sa.func.coalesce(sa.func.max(hotline_feed.c.seq), 0))
                ).scalar_one()
            )
            seqs: dict[str, list[int]] = {}
            created: dict[str, list[str]] = {}
            rows = conn.execute(
                sa.select(
                    hotline_feed.c.seq,
                    hotline_feed.c.party,
                    hotline_feed.c.item_id,
                    hotline_feed.c.event,
                )
                .where(hotline_feed.c.seq <= head)
                .order_by(hotline_feed.c.seq)
            )
            for seq, party, item_id, event in rows:
                seqs.setdefault(party, []).append(int(seq))
                if event == "item.created":
                    created.setdefault(item_id, []).append(party)
            return head, seqs, created

        out: tuple[int, dict[str, list[int]], dict[str, list[str]]] = store.transact(
            run, write=False
        )
        return out
    finally:
        store.dispose()


def check_streams(
    clients: list[dict[str, Any]], db_seqs: dict[str, list[int]], created: dict[str, list[str]]
) -> dict[str, Any]:
    """Per client: the ``seq`` it got are increasing and, up to the head, exactly its party's."""
    missing = 0
    duplicates = 0
    out_of_order = 0
    unexpected = 0
    missing_created = 0
    details: list[str] = []
    for c in clients:
        want = db_seqs.get(c["party"], [])
        head = want[-1] if want else 0
        got = [s for s in c["seqs"] if s <= head]
        out_of_order += sum(1 for a, b in itertools.pairwise(got) if b <= a)
        duplicates += len(got) - len(set(got))
        lost = sorted(set(want) - set(got))
        extra = sorted(set(got) - set(want))
        missing += len(lost)
        unexpected += len(extra)
        if lost or extra:
            details.append(
                f"client {c['client']} ({c['party']}): lost {lost[:10]} extra {extra[:10]}"
            )
        for item_id, parties in created.items():
            if c["party"] in parties and item_id not in c["created"]:
                missing_created += 1
                details.append(f"client {c['client']} ({c['party']}) never saw item {item_id}")
    return {
        "missing_entries": missing,
        "missing_created": missing_created,
        "duplicates": duplicates,
        "out_of_order": out_of_order,
        "foreign_entries": unexpected,
        "details": details[:50],
    }


def percentile(values: list[float], q: float) -> float:
    """The ``q``-quantile (0..1) by linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    v = sorted(values)
    pos = (len(v) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def latencies(
    encs: list[Encounter], triggers: dict[str, float], clients: list[dict[str, Any]]
) -> dict[str, Any]:
    samples: list[float] = []
    per_encounter = []
    not_alerted = 0
    undelivered = 0
    by_tracks = {tuple(sorted(e.tracks())): e for e in encs}
    alert_items: dict[tuple[str, ...], str] = {}
    unexpected_alerts: set[str] = set()
    for c in clients:
        for item_id, (_, kind, tracks, _) in c["created"].items():
            if kind != "alert":
                continue
            key = tuple(tracks)
            if key in by_tracks:
                alert_items.setdefault(key, item_id)
            else:
                unexpected_alerts.add(item_id)
    for e in encs:
        key = tuple(sorted(e.tracks()))
        trig = triggers.get(str(e.k))
        item_id = alert_items.get(key)
        if trig is None or item_id is None:
            not_alerted += 1
            per_encounter.append({"k": e.k, "parties": list(e.parties), "alerted": False})
            continue
        lat = []
        for c in clients:
            if c["party"] not in e.parties:
                continue
            got = c["created"].get(item_id)
            if got is None:
                undelivered += 1
                continue
            lat.append(got[0] - trig)
        samples += lat
        per_encounter.append(
            {
                "k": e.k,
                "parties": list(e.parties),
                "alerted": True,
                "clients": len(lat),
                "min_s": round(min(lat), 3) if lat else None,
                "max_s": round(max(lat), 3) if lat else None,
            }
        )
    return {
        "samples": len(samples),
        "p50_s": percentile(samples, 0.50),
        "p95_s": percentile(samples, 0.95),
        "p99_s": percentile(samples, 0.99),
        "max_s": max(samples) if samples else float("nan"),
        "mean_s": statistics.fmean(samples) if samples else float("nan"),
        "encounters": len(encs),
        "encounters_not_alerted": not_alerted,
        "alerts_not_delivered": undelivered,
        "unexpected_alerts": len(unexpected_alerts),
        "per_encounter": per_encounter,
    }


def slope_mib_per_min(samples: list[tuple[float, int]]) -> float:
    """Least-squares slope of RSS (KiB) over time (s), in MiB per minute."""
    if len(samples) < 2:
        return 0.0
    ts = [t for t, _ in samples]
    ys = [r / 1024 for _, r in samples]
    mt, my = statistics.fmean(ts), statistics.fmean(ys)
    den = sum((t - mt) ** 2 for t in ts)
    if den == 0:
        return 0.0
    return 60.0 * sum((t - mt) * (y - my) for t, y in zip(ts, ys, strict=True)) / den


def memory_report(
    samples: list[tuple[float, int]], feed_start: float, feed_end: float
) -> dict[str, Any]:
    fed = [(t, r) for t, r in samples if feed_start + 2.0 <= t <= feed_end]
    first = fed[0][1] if fed else (samples[0][1] if samples else 0)
    half = feed_start + (feed_end - feed_start) / 2
    second_half = [(t, r) for t, r in fed if t >= half]
    return {
        "samples": len(samples),
        "rss_start_mib": round(first / 1024, 1),
        "rss_max_mib": round(max((r for _, r in samples), default=0) / 1024, 1),
        "rss_end_mib": round(samples[-1][1] / 1024, 1) if samples else 0.0,
        "slope_second_half_mib_per_min": round(slope_mib_per_min(second_half), 3),
        "slope_whole_feed_mib_per_min": round(slope_mib_per_min(fed), 3),
    }


def metric(text: str, name: str) -> float | None:
    m = re.search(rf"^{re.escape(name)}(?:{{[^}}]*}})?\s+([0-9.eE+-]+)$", text, re.MULTILINE)
    return float(m.group(1)) if m else None


# -- the run ---------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    duration_s = round(args.minutes * 60)
    every = args.encounter_every or (6 if duration_s <= 60 else 20)
    encs = encounters(duration_s, every, first_s=min(5, duration_s // 4) or 1, tail_s=every + 5)
    enc_send_s = min(20, every + 2)
    ctx = mp.get_context("spawn")
    with contextlib.ExitStack() as stack:
        workdir = (
            Path(args.workdir)
            if args.workdir
            else Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="skyaccord-load-")))
        )
        workdir.mkdir(parents=True, exist_ok=True)
        db = stack.enter_context(database(args.db, args.pg, workdir))
        seeded = seed(db, args.clients)
        server = ServerProcess(db, workdir)
        server.start()
        stack.callback(server.stop)
        print(f"server pid {server.pid} on {server.url}, store {db}", flush=True)

        ready, commands = ctx.Event(), ctx.Queue()
        clients_out = workdir / "clients.json"
        clients = ctx.Process(
            target=run_clients,
            args=(
                ClientsConfig(server.ws_url, seeded.client_tokens, str(clients_out)),
                ready,
                commands,
            ),
            name="load-clients",
        )
        clients.start()
        stack.callback(_end_process, clients)
        if not ready.wait(120):
            raise RuntimeError("the hotline clients did not connect")

        samples: list[tuple[float, int]] = []
        feeder_out = workdir / "feeder.json"
        feeder = ctx.Process(
            target=run_feeder,
            args=(
                FeedConfig(
                    server.ws_url,
                    {p: seeded.tokens[p]["feeder"] for p in PARTIES},
                    args.tracks,
                    duration_s,
                    encs,
                    enc_send_s,
                    str(feeder_out),
                ),
            ),
            name="load-feeder",
        )
        load_before = os.getloadavg()
        feed_start = time.time()
        feeder.start()
        stack.callback(_end_process, feeder)
        period = 1.0 if duration_s <= 120 else 5.0
        next_report = time.time() + 60
        while feeder.is_alive():
            r = rss_kib(server.pid)
            if r is not None:
                samples.append((time.time(), r))
            if time.time() >= next_report:
                next_report += 60
                print(
                    f"  {int(time.time() - feed_start)} s: server RSS {r / 1024 if r else 0:.0f} MiB",
                    flush=True,
                )
            feeder.join(period)
        feed_end = time.time()
        load_after = os.getloadavg()
        if feeder.exitcode != 0:
            raise RuntimeError(f"the feeder failed (exit {feeder.exitcode})")
        fed = json.loads(feeder_out.read_text())

        time.sleep(args.settle)  # the last cycle's items reach the feed
        metrics_text = httpx.get(server.url + "/metrics", timeout=10).text
        head, db_seqs, created = feed_state(db)
        commands.put({p: (db_seqs.get(p) or [0])[-1] for p in PARTIES})
        clients.join(180)
        if clients.is_alive() or clients.exitcode != 0:
            raise RuntimeError(f"the clients did not finish (exit {clients.exitcode})")
        got = json.loads(clients_out.read_text())["clients"]
        r = rss_kib(server.pid)
        if r is not None:
            samples.append((time.time(), r))
        exit_code = server.stop()
        server_errors = server.error_lines()

    streams = check_streams(got, db_seqs, created)
    lat = latencies(encs, fed["triggers"], got)
    mem = memory_report(samples, feed_start, feed_end)
    tracks_gauge = metric(metrics_text, "skyaccord_tracks")
    client_errors = [f"client {c['client']}: {e}" for c in got for e in c["errors"]]
    errors = fed["errors"] + client_errors + [f"server: {x}" for x in server_errors]
    if exit_code not in (0, None):
        errors.append(f"server exit code {exit_code}")
    if fed["rejected"]:
        errors.append(f"{fed['rejected']} track records rejected: {fed['reasons']}")
    report = {
        "config": {
            "tracks": args.tracks,
            "clients": args.clients,
            "duration_s": duration_s,
            "encounters": len(encs),
            "encounter_every_s": every,
            "encounter_sent_s": enc_send_s,
            "store": "postgresql" if "://" in db else "sqlite",
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in load_after],
        },
        "feed": {
            k: fed[k]
            for k in (
                "records_sent",
                "accepted",
                "rejected",
                "skipped_ticks",
                "reconnects",
                "lag_max_s",
                "late_ticks",
            )
        },
        "updates_per_s": round(fed["accepted"] / duration_s, 1),
        "client_reconnects": sum(c["reconnects"] for c in got),
        "tracks_gauge_end": tracks_gauge,
        "tracks_fed": args.tracks + 2 * len(encs),
        "feed_head_seq": head,
        "feed_entries": {p: len(s) for p, s in db_seqs.items()},
        "items_created": len(created),
        "latency": lat,
        "streams": streams,
        "items_per_client": {
            "min": min((len(c["created"]) for c in got), default=0),
            "max": max((len(c["created"]) for c in got), default=0),
            "entries_min": min((len(c["seqs"]) for c in got), default=0),
            "entries_max": max((len(c["seqs"]) for c in got), default=0),
            "acks_sent": sum(c["acks_sent"] for c in got),
            "events": _sum_events(got),
        },
        "memory": mem,
        "cycle_seconds_sum": metric(metrics_text, "skyaccord_cycle_seconds_sum"),
        "cycle_seconds_count": metric(metrics_text, "skyaccord_cycle_seconds_count"),
        "errors": errors,
    }
    return report


def _sum_events(clients: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in clients:
        for k, v in c["events"].items():
            out[k] = out.get(k, 0) + v
    return out


def _end_process(p: Any) -> None:
    if p.is_alive():
        p.terminate()
        p.join(10)


def print_report(r: dict[str, Any]) -> None:
    c, lat, s, m = r["config"], r["latency"], r["streams"], r["memory"]
    print()
    print(
        f"skyaccord live load: {c['tracks']} tracks at 1 Hz, {c['clients']} hotline clients, "
        f"{c['duration_s']} s, {c['encounters']} scripted encounters, store {c['store']}"
    )
    print(
        f"host: {c['cpus']} CPUs, load average (1/5/15 min) {c['loadavg_before']} before the "
        f"feed, {c['loadavg_after']} after"
    )
    f = r["feed"]
    print(
        f"feed: {f['accepted']} track updates accepted ({r['updates_per_s']}/s of "
        f"{c['tracks']} nominal), {f['rejected']} rejected; ticks skipped while the previous "
        f"was unanswered {f['skipped_ticks']}; reconnects {f['reconnects']}; feeder timer lag max "
        f"{f['lag_max_s']:.3f} s"
    )
    print(
        f"latency track update -> alert at every addressed client ({lat['samples']} samples): "
        f"p50 {lat['p50_s']:.3f} s  p95 {lat['p95_s']:.3f} s  p99 {lat['p99_s']:.3f} s  "
        f"max {lat['max_s']:.3f} s   (target p99 <= 1 s: "
        f"{'met' if lat['p99_s'] <= 1.0 else 'NOT met'})"
    )
    print(
        f"encounters not alerted {lat['encounters_not_alerted']}, alerts not delivered "
        f"{lat['alerts_not_delivered']}, unexpected alerts {lat['unexpected_alerts']}"
    )
    ipc = r["items_per_client"]
    print(
        f"items per client {ipc['min']}..{ipc['max']}, feed entries per client "
        f"{ipc['entries_min']}..{ipc['entries_max']}, events {ipc['events']}, client "
        f"reconnects {r['client_reconnects']}"
    )
    print(
        f"streams: missing entries {s['missing_entries']}, missing items {s['missing_created']}, "
        f"duplicates {s['duplicates']}, out of order {s['out_of_order']}"
    )
    print(
        f"server RSS: start {m['rss_start_mib']} MiB, max {m['rss_max_mib']} MiB, end "
        f"{m['rss_end_mib']} MiB; slope {m['slope_second_half_mib_per_min']} MiB/min (second "
        f"half), {m['slope_whole_feed_mib_per_min']} MiB/min (whole feed); tracks gauge "
        f"{r['tracks_gauge_end']} of {r['tracks_fed']} fed"
    )
    if r["cycle_seconds_count"]:
        print(
            f"engine: {r['cycle_seconds_count']:.0f} cycles, mean "
            f"{r['cycle_seconds_sum'] / r['cycle_seconds_count'] * 1000:.0f} ms"
        )
    print(f"errors: {len(r['errors'])}")
    for e in r["errors"][:20]:
        print(f"  {e}")
    for d in s["details"][:20]:
        print(f"  {d}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tracks", type=int, default=10_000, help="background tracks (default 10000)")
    ap.add_argument("--clients", type=int, default=50, help="hotline WebSocket clients (50)")
    ap.add_argument("--minutes", type=float, default=10.0, help="feed duration (10)")
    ap.add_argument("--short", action="store_true", help="1,000 tracks, 5 clients, 30 s")
    ap.add_argument(
        "--db", help="SQLite file, or a postgresql:// server URL (a fresh database is made)"
    )
    ap.add_argument("--pg", action="store_true", help="a throwaway PostgreSQL server (Debian's)")
    ap.add_argument("--encounter-every", type=int, default=0, help="seconds between encounters")
    ap.add_argument("--settle", type=float, default=3.0, help="seconds to wait after the feed")
    ap.add_argument("--workdir", help="keep the store and the server's logs here")
    ap.add_argument("--json", help="write the report here")
    args = ap.parse_args(argv)
    if args.short:
        args.tracks, args.clients, args.minutes = 1000, 5, 0.5
    if args.clients < 1 or args.tracks < 0 or args.minutes <= 0:
        ap.error("need at least one client, no negative track count, a positive duration")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    s = report["streams"]
    bad = (
        s["missing_entries"]
        + s["missing_created"]
        + s["duplicates"]
        + s["out_of_order"]
        + report["latency"]["encounters_not_alerted"]
        + report["latency"]["alerts_not_delivered"]
        + len(report["errors"])
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
