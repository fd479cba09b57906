"""Parties, their tokens and the notice rules between them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from skyaccord.airspace.model import Party
from skyaccord.errors import ConflictError
from skyaccord.store.schema import notice_rules, parties, tokens


def insert_party(conn: Connection, party: Party) -> None:
    if get_party(conn, party.id) is not None:
        raise ConflictError(f"id: party {party.id!r} already exists", field="id")
    conn.execute(parties.insert().values(**party.__dict__))


def get_party(conn: Connection, party_id: str) -> Party | None:
    r = conn.execute(sa.select(parties).where(parties.c.id == party_id)).first()
    return None if r is None else Party(r.id, r.name, r.contact, r.created_at)


def list_parties(conn: Connection) -> list[Party]:
    rows = conn.execute(sa.select(parties).order_by(parties.c.id)).all()
    return [Party(r.id, r.name, r.contact, r.created_at) for r in rows]


def insert_token(conn: Connection, **values: Any) -> None:
    conn.execute(tokens.insert().values(**values))


def token_by_hash(conn: Connection, token_hash: str) -> Any:
    return conn.execute(sa.select(tokens).where(tokens.c.token_hash == token_hash)).first()


def list_tokens(conn: Connection, party_id: str | None) -> list[Any]:
    q = sa.select(tokens).order_by(tokens.c.created_at)
    if party_id is not None:
        q = q.where(tokens.c.party_id == party_id)
    return list(conn.execute(q).all())


def revoke_token(conn: Connection, token_id: str, at: float) -> bool:
    res = conn.execute(
        tokens.update()
        .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return bool(res.rowcount)


def set_notice_rule(conn: Connection, from_party: str, to_party: str, min_notice_s: float) -> None:
    conn.execute(
        notice_rules.delete().where(
            notice_rules.c.from_party == from_party, notice_rules.c.to_party == to_party
        )
    )
    conn.execute(
        notice_rules.insert().values(
            from_party=from_party, to_party=to_party, min_notice_s=min_notice_s
        )
    )


_RULES_FROM = sa.select(notice_rules.c.to_party, notice_rules.c.min_notice_s).where(
    notice_rules.c.from_party == sa.bindparam("from_party")
)


def notice_rules_from(conn: Connection, from_party: str) -> dict[str, float]:
    rows = conn.execute(_RULES_FROM, {"from_party": from_party}).all()
    return {r.to_party: float(r.min_notice_s) for r in rows}


def all_notice_rules(conn: Connection) -> list[tuple[str, str, float]]:
    rows = conn.execute(sa.select(notice_rules).order_by(notice_rules.c.from_party)).all()
    return [(r.from_party, r.to_party, float(r.min_notice_s)) for r in rows]
