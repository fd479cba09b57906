"""The ledger as the services see it: a hook that appends inside the caller's transaction."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.engine import Connection


class LedgerHook(Protocol):
    """Appends an event to the ledger inside the caller's transaction (see :mod:`skyaccord.ledger`)."""

    def __call__(
        self,
        conn: Connection,
        kind: str,
        actor: str,
        payload: dict[str, Any],
        time: float,
        signature: str | None = None,
        key_id: str | None = None,
    ) -> None: ...


def ledger_hook() -> LedgerHook:
    """The ledger of :mod:`skyaccord.ledger` as a hook."""
    from skyaccord.ledger import store as ledger_store

    def hook(
        conn: Connection,
        kind: str,
        actor: str,
        payload: dict[str, Any],
        time: float,
        signature: str | None = None,
        key_id: str | None = None,
    ) -> None:
        ledger_store.append(
            conn, kind, actor, payload, time=time, signature=signature, key_id=key_id
        )

    return hook
