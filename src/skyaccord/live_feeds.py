"""Live TCP feeds for the server: SBS-1 (dump1090 port 30003), reconnecting with back-off."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

from skyaccord.tracks.sources import SbsDecoder
from skyaccord.tracks.sources.stream import stream_tcp

log = logging.getLogger("skyaccord.feeds")


async def run_sbs_feed(runtime: Any, host: str, port: int) -> None:
    """Reads ``host:port`` forever; a dropped connection is retried after 1, 2, 4 … 30 s."""
    delay = 1.0
    while True:
        decoder = SbsDecoder(source=f"sbs:{host}:{port}")
        try:
            async for updates, stats in stream_tcp(
                host, port, decoder.feed_bytes, clock=runtime.services.clock
            ):
                delay = 1.0
                if len(updates) or stats.n_rejected:
                    await run_in_threadpool(runtime.ingest, updates, stats)
            log.warning("SBS feed %s:%d closed; reconnecting", host, port)
        except OSError as e:
            log.warning("SBS feed %s:%d: %s; retry in %.0f s", host, port, e, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 30.0)


def sbs_feeds(runtime: Any, specs: list[tuple[str, int]]) -> list[Callable[[], Awaitable[None]]]:
    """One coroutine factory per feed, for the app's lifespan to start and cancel."""
    return [functools.partial(run_sbs_feed, runtime, h, p) for h, p in specs]
