"""Parties, roles and bearer tokens (stored as SHA-256 hashes, never in clear)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from skyaccord.airspace.model import Party, check_id
from skyaccord.clock import Clock, SystemClock
from skyaccord.errors import AuthenticationError, NotFound, PermissionDenied, ValidationError
from skyaccord.store import Store
from skyaccord.store import parties as repo

TOKEN_PREFIX = "sky_"


class Role(StrEnum):
    OPERATOR = "operator"  # runs the service; belongs to no party
    ADMIN = "admin"
    PLANNER = "planner"
    DUTY_OFFICER = "duty_officer"
    OBSERVER = "observer"


WRITE_INTENTS = frozenset({Role.ADMIN, Role.PLANNER})
WRITE_AIRSPACE = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    """Who is calling: a party in a role (or the service operator, whose party is None)."""

    party: str | None
    role: Role
    token_id: str

    def require(self, roles: frozenset[Role], action: str) -> str:
        """The caller's party, if its role may do ``action``; otherwise PermissionDenied."""
        if self.role not in roles or self.party is None:
            allowed = ", ".join(sorted(r.value for r in roles))
            raise PermissionDenied(f"role {self.role.value} may not {action} (needs: {allowed})")
        return self.party

    def require_party(self) -> str:
        if self.party is None:
            raise PermissionDenied("this action needs a party's token, not the operator's")
        return self.party


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AuthService:
    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()

    def add_party(self, party_id: str, name: str, contact: str = "") -> Party:
        check_id(party_id, "id")
        if not name.strip():
            raise ValidationError("name", "is required")
        p = Party(party_id, name.strip(), contact, self.clock.now())
        self.store.transact(lambda c: repo.insert_party(c, p))
        return p

    def parties(self) -> list[Party]:
        return self.store.transact(repo.list_parties, write=False)

    def party(self, party_id: str) -> Party:
        p = self.store.transact(lambda c: repo.get_party(c, party_id), write=False)
        if p is None:
            raise NotFound(f"party {party_id!r} does not exist")
        return p

    def issue_token(
        self,
        party_id: str | None,
        role: Role | str,
        label: str = "",
        ttl_s: float | None = None,
        *,
        replacing: str | None = None,
    ) -> tuple[str, str]:
        """A new token for ``party_id`` in ``role``: returns (token id, secret token).  With
        ``replacing``, that token is revoked in the same transaction (rotation)."""
        try:
            r = Role(role)
        except ValueError:
            valid = ", ".join(x.value for x in Role)
            raise ValidationError("role", f"unknown role {role!r}; valid: {valid}") from None
        if (r is Role.OPERATOR) != (party_id is None):
            raise ValidationError(
                "role", "the operator role has no party; every other role has one"
            )
        if party_id is not None:
            self.party(party_id)
        if ttl_s is not None and not ttl_s > 0:
            raise ValidationError("ttl", "must be positive")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        tid = uuid.uuid4().hex[:16]
        now = self.clock.now()

        def run(c: Connection) -> None:
            if replacing is not None and not repo.revoke_token(c, replacing, now):
                raise NotFound(f"token {replacing!r} does not exist or is already revoked")
            repo.insert_token(
                c,
                id=tid,
                party_id=party_id,
                role=r.value,
                token_hash=hash_token(token),
                label=label,
                created_at=now,
                expires_at=None if ttl_s is None else now + ttl_s,
                revoked_at=None,
            )

        self.store.transact(run)
        return tid, token

    def authenticate(self, token: str | None) -> Principal:
        if not token:
            raise AuthenticationError("missing bearer token")
        row = self.store.transact(lambda c: repo.token_by_hash(c, hash_token(token)), write=False)
        if row is None:
            raise AuthenticationError("unknown token")
        if row.revoked_at is not None:
            raise AuthenticationError("token revoked")
        if row.expires_at is not None and row.expires_at <= self.clock.now():
            raise AuthenticationError("token expired")
        return Principal(row.party_id, Role(row.role), row.id)

    def tokens(self, party_id: str | None) -> list[Any]:
        """Token records (never secrets) of a party, or of everyone for None."""
        return self.store.transact(lambda c: repo.list_tokens(c, party_id), write=False)

    def rotate(self, token_id: str, label: str = "rotated") -> tuple[str, str]:
        """Replaces token ``token_id`` (revoked) by a new one with the same party, role and
        remaining lifetime: rotation changes the secret, it never extends a token's life."""
        old = next((t for t in self.tokens(None) if t.id == token_id), None)
        if old is None or old.revoked_at is not None:
            raise NotFound(f"token {token_id!r} does not exist or is already revoked")
        ttl = None if old.expires_at is None else old.expires_at - self.clock.now()
        if ttl is not None and ttl <= 0:
            raise AuthenticationError("token expired")
        return self.issue_token(old.party_id, old.role, label, ttl, replacing=token_id)

    def revoke(self, token_id: str) -> None:
        if not self.store.transact(lambda c: repo.revoke_token(c, token_id, self.clock.now())):
            raise NotFound(f"token {token_id!r} does not exist or is already revoked")

    def set_notice(self, from_party: str, to_party: str, min_notice_s: float) -> None:
        """``from_party`` must give ``to_party`` at least ``min_notice_s`` seconds of notice."""
        self.party(from_party)
        self.party(to_party)
        if from_party == to_party:
            raise ValidationError("to_party", "a party owes no notice to itself")
        if not min_notice_s >= 0:
            raise ValidationError("min_notice", "must be zero or positive")
        self.store.transact(lambda c: repo.set_notice_rule(c, from_party, to_party, min_notice_s))

    def notice_rules(self) -> list[tuple[str, str, float]]:
        return self.store.transact(repo.all_notice_rules, write=False)
