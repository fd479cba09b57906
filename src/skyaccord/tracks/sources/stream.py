"""The I/O edge for live feeds: read a TCP stream, hand its bytes to a decoder once per interval.

Decoders (:class:`~skyaccord.tracks.sources.sbs.SbsDecoder`,
:class:`~skyaccord.tracks.sources.modes.ModeSDecoder`) do all the parsing and keep partial lines or
frames between chunks; this module only moves bytes and stamps them with the arrival time.

Typical use (dump1090's SBS-1 port)::

    async for updates, stats in stream_tcp("localhost", 30003, SbsDecoder().feed_bytes):
        table.apply(updates)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from skyaccord.clock import Clock, SystemClock
from skyaccord.tracks.updates import IngestStats, TrackUpdates

ChunkDecoder = Callable[[bytes, float], tuple[TrackUpdates, IngestStats]]
"""``decode(chunk, arrival_time_s) -> (updates, stats)``, e.g. ``SbsDecoder().feed_bytes``."""


async def stream_reader(
    reader: asyncio.StreamReader,
    decode: ChunkDecoder,
    *,
    interval_s: float = 1.0,
    clock: Clock | None = None,
    read_size: int = 1 << 16,
) -> AsyncIterator[tuple[TrackUpdates, IngestStats]]:
    """Batches from an open stream: every ``interval_s`` seconds with data, and at its end."""
    clk = clock or SystemClock()
    loop = asyncio.get_running_loop()
    pending: list[bytes] = []
    deadline = loop.time() + interval_s
    while True:
        timeout = max(0.0, deadline - loop.time())
        try:
            chunk = await asyncio.wait_for(reader.read(read_size), timeout)
        except TimeoutError:
            chunk = None
        if chunk:
            pending.append(chunk)
        eof = chunk == b""
        if loop.time() >= deadline or eof:
            if pending:
                yield decode(b"".join(pending), clk.now())
                pending = []
            deadline = loop.time() + interval_s
        if eof:
            return


async def stream_tcp(
    host: str,
    port: int,
    decode: ChunkDecoder,
    *,
    interval_s: float = 1.0,
    clock: Clock | None = None,
) -> AsyncIterator[tuple[TrackUpdates, IngestStats]]:
    """Connect to ``host:port`` and yield a batch of updates every ``interval_s`` seconds."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        async for batch in stream_reader(reader, decode, interval_s=interval_s, clock=clock):
            yield batch
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
