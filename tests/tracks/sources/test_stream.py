"""The TCP edge: a local server streams SBS-1 lines and raw AVR in odd chunks."""

from __future__ import annotations

import asyncio

from skyaccord.clock import ManualClock
from skyaccord.tracks.sources.modes import ModeSDecoder
from skyaccord.tracks.sources.sbs import SbsDecoder
from skyaccord.tracks.sources.stream import stream_tcp
from skyaccord.tracks.updates import IngestStats

LINE = (
    "MSG,3,1,1,738043,1,2015/11/24,07:24:{s:02d}.000,2015/11/24,07:24:{s:02d}.000,,19000,,,"
    "36.1,35.95,,,0,0,0,0\r\n"
)


async def serve_and_read(payload: bytes, decode: object, interval_s: float) -> tuple[int, int]:
    async def handler(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        for k in range(0, len(payload), 50):
            w.write(payload[k : k + 50])
            await w.drain()
            await asyncio.sleep(0.001)
        w.close()
        await w.wait_closed()

    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    batches = 0
    total = IngestStats()
    async with server:
        async for updates, stats in stream_tcp(
            "127.0.0.1",
            port,
            decode,  # type: ignore[arg-type]
            interval_s=interval_s,
            clock=ManualClock(1.0),
        ):
            batches += 1
            total.merge(stats)
            assert len(updates) == stats.accepted
    return batches, total.accepted


def test_sbs_over_tcp() -> None:
    payload = "".join(LINE.format(s=s) for s in range(40)).encode() + b"garbage\r\n"
    batches, accepted = asyncio.run(serve_and_read(payload, SbsDecoder().feed_bytes, 0.01))
    assert accepted == 40 and batches >= 1


def test_avr_over_tcp_timed_by_arrival() -> None:
    frame = "*8D40621D58C382D690C8AC2863A7;\n*8D40621D58C386435CC412692AD6;\n"
    dec = ModeSDecoder(reference=(52.0, 4.0))
    _, accepted = asyncio.run(serve_and_read((frame * 5).encode(), dec.feed_bytes, 5.0))
    assert accepted == 10
