"""Webhook delivery of each party's hotline feed, with retries and exponential back-off.

Each party may register one URL.  A worker posts the party's feed entries after the last
delivered ``seq`` as ``{"party", "entries": [...]}``, signed with HMAC-SHA256 of the body under
the party's secret (header ``X-Skyaccord-Signature: sha256=<hex>``).  A 2xx answer advances the
cursor; anything else is retried after 1, 2, 4 … 300 s.  The cursor lives in the store, so a
restart resumes where delivery stopped and nothing is skipped.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from typing import Any

import httpx

from skyaccord.clock import Clock, SystemClock
from skyaccord.errors import ValidationError
from skyaccord.services.hotline import HotlineService
from skyaccord.store import Store
from skyaccord.store import hotline as repo

log = logging.getLogger("skyaccord.delivery")
MAX_BACKOFF_S = 300.0


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff_s(attempts: int) -> float:
    """Seconds to wait after ``attempts`` consecutive failures."""
    return float(min(2.0 ** max(attempts - 1, 0), MAX_BACKOFF_S))


class DeliveryService:
    def __init__(
        self,
        store: Store,
        hotline: HotlineService,
        clock: Clock | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.store = store
        self.hotline = hotline
        self.clock = clock or SystemClock()
        self.client = client or httpx.Client(timeout=5.0)
        self.delivered = 0
        self.failures = 0

    def set_webhook(self, party: str, url: str, secret: str | None = None) -> dict[str, Any]:
        if not url.startswith(("http://", "https://")):
            raise ValidationError("url", "must be an http:// or https:// URL")
        key = secret or secrets.token_urlsafe(24)
        now = self.clock.now()
        self.store.transact(lambda c: repo.set_webhook(c, party, url, key, now, 0))
        return {"party": party, "url": url, "secret": key}

    def delete_webhook(self, party: str) -> None:
        self.store.transact(lambda c: repo.delete_webhook(c, party))

    def _update(self, party: str, **values: Any) -> None:
        self.store.transact(lambda c: repo.update_webhook(c, party, **values))

    def run_once(self) -> int:
        """One pass over every due webhook; returns how many entries were delivered."""
        now = self.clock.now()
        total = 0
        for hook in self.store.transact(repo.webhook_rows, write=False):
            if hook.next_attempt_at > now:
                continue
            entries = self.hotline.feed(hook.party, int(hook.delivered_seq), limit=100)
            if not entries:
                continue
            body = json.dumps(
                {"party": hook.party, "entries": entries}, separators=(",", ":")
            ).encode()
            try:
                r = self.client.post(
                    hook.url,
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Skyaccord-Signature": signature(hook.secret, body),
                    },
                )
                ok, err = 200 <= r.status_code < 300, f"HTTP {r.status_code}"
            except httpx.HTTPError as e:
                ok, err = False, f"{type(e).__name__}: {e}"
            if ok:
                last = int(entries[-1]["seq"])
                self._update(
                    hook.party, delivered_seq=last, attempts=0, next_attempt_at=0.0, last_error=None
                )
                self.hotline.delivered(hook.party, sorted({e["item"]["id"] for e in entries}))
                self.delivered += len(entries)
                total += len(entries)
            else:
                attempts = int(hook.attempts) + 1
                self.failures += 1
                log.warning(
                    "webhook for %s failed (%s); retry in %.0f s",
                    hook.party,
                    err,
                    backoff_s(attempts),
                )
                self._update(
                    hook.party,
                    attempts=attempts,
                    next_attempt_at=now + backoff_s(attempts),
                    last_error=err,
                )
        return total
