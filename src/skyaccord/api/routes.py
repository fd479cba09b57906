"""``/v1`` routes for parties, protected airspace, operational intents and conflicts."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from skyaccord.api import schemas
from skyaccord.api.views import (
    airspace_json,
    airspace_summary,
    conflict_row_json,
    filing_json,
    intent_json,
    notice_json,
    overlap_json,
    party_json,
    ref_json,
)
from skyaccord.errors import PermissionDenied, ValidationError
from skyaccord.geo.validate import Limits
from skyaccord.geo.wire import volume_from_f3548
from skyaccord.intents.model import Filing, Intent, State
from skyaccord.intents.wire import filing_from_json
from skyaccord.services.auth import WRITE_AIRSPACE, WRITE_INTENTS, Principal, Role

router = APIRouter(prefix="/v1")
_bearer = HTTPBearer(auto_error=False, description="A party's token from `skyaccord party token`")


def services(request: Request) -> Any:
    return request.app.state.services


def principal(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, from ``Authorization: Bearer <token>``."""
    token = creds.credentials if creds is not None else None
    p: Principal = services(request).auth.authenticate(token)
    return p


Caller = Annotated[Principal, Depends(principal)]


def _check_finite(value: Any, path: str = "") -> None:
    """``NaN`` and ``±Infinity`` (which Python's JSON reader accepts) anywhere in a body are
    refused with their path: they could not be stored, signed or served back faithfully."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(path or "body", f"{value} is not a finite number")
    if isinstance(value, dict):
        for k, v in value.items():
            _check_finite(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_finite(v, f"{path}[{i}]")


async def lenient_json(request: Request) -> Any:
    """The body as parsed JSON.  For bodies of many records (track batches): a ``NaN`` is left
    to the per-record checks, which count and skip that record instead of refusing the batch."""
    try:
        return json.loads(await request.body())
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError: e.g. an empty body
        raise ValidationError("body", f"not valid JSON: {e}") from None


async def raw_json(request: Request) -> Any:
    """The request body exactly as sent (what a party signed), besides the pydantic model."""
    body = await lenient_json(request)
    _check_finite(body)
    return body


RawBody = Annotated[Any, Depends(raw_json)]
RecordsBody = Annotated[Any, Depends(lenient_json)]


def parse_filing(raw: Any, limits: Limits) -> Filing:
    """The request body as sent → a checked :class:`Filing` (after pydantic checked its shape)."""
    return filing_from_json(raw, limits).filing


# -- parties ------------------------------------------------------------------------------


@router.get("/me", tags=["parties"], summary="Who the token belongs to")
def me(caller: Caller) -> dict[str, Any]:
    return {"party": caller.party, "role": caller.role.value, "token_id": caller.token_id}


@router.get("/parties", tags=["parties"], summary="All parties (ids and names are shared)")
def list_parties(request: Request, caller: Caller) -> list[dict[str, Any]]:
    return [party_json(p) for p in services(request).auth.parties()]


@router.post("/parties", tags=["parties"], status_code=201, summary="Add a party (operator)")
def add_party(request: Request, caller: Caller, body: schemas.PartyIn) -> dict[str, Any]:
    if caller.role is not Role.OPERATOR:
        raise PermissionDenied("only the service operator may add parties")
    return party_json(services(request).auth.add_party(body.id, body.name, body.contact))


@router.get("/parties/{party_id}", tags=["parties"])
def get_party(request: Request, caller: Caller, party_id: str) -> dict[str, Any]:
    return party_json(services(request).auth.party(party_id))


@router.put("/notice-rules", tags=["parties"], summary="Set a minimum notice (operator)")
def set_notice_rule(request: Request, caller: Caller, body: schemas.NoticeRule) -> dict[str, Any]:
    if caller.role is not Role.OPERATOR:
        raise PermissionDenied("only the service operator may set notice rules")
    services(request).auth.set_notice(body.from_party, body.to_party, body.min_notice_s)
    return body.model_dump()


@router.get("/notice-rules", tags=["parties"])
def list_notice_rules(request: Request, caller: Caller) -> list[dict[str, Any]]:
    return [
        {"from_party": a, "to_party": b, "min_notice_s": s}
        for a, b, s in services(request).auth.notice_rules()
    ]


# -- protected airspace ---------------------------------------------------------------------


@router.get("/airspace", tags=["airspace"], summary="Protected airspace of every party")
def list_airspace(
    request: Request, caller: Caller, owner: str | None = None
) -> list[dict[str, Any]]:
    return [airspace_summary(a) for a in services(request).airspace.list(owner)]


@router.get("/airspace/{airspace_id}", tags=["airspace"], summary="One airspace as GeoJSON")
def get_airspace(request: Request, caller: Caller, airspace_id: str) -> dict[str, Any]:
    return airspace_json(services(request).airspace.get(airspace_id))


@router.post(
    "/airspace",
    tags=["airspace"],
    status_code=201,
    summary="Import protected airspace from a GeoJSON Feature(Collection)",
)
def import_airspace(
    request: Request, caller: Caller, body: dict[str, Any], raw: RawBody, replace: bool = False
) -> list[dict[str, Any]]:
    party = caller.require(WRITE_AIRSPACE, "import airspace")
    added = services(request).airspace.import_geojson(party, raw, replace=replace)
    return [airspace_summary(a) for a in added]


@router.post(
    "/airspace/country",
    tags=["airspace"],
    status_code=201,
    summary="Import a country's sovereign airspace from installed border data",
)
def import_country(request: Request, caller: Caller, body: schemas.CountryImport) -> dict[str, Any]:
    party = caller.require(WRITE_AIRSPACE, "import airspace")
    lo = (
        body.altitude_lower
        if isinstance(body.altitude_lower, str)
        else body.altitude_lower.model_dump()
    )
    hi = (
        body.altitude_upper
        if isinstance(body.altitude_upper, str)
        else body.altitude_upper.model_dump()
    )
    a = services(request).airspace.import_country(
        party,
        body.country,
        source=body.source,
        airspace_id=body.id,
        altitude_lower=lo,
        altitude_upper=hi,
        replace=body.replace,
    )
    return airspace_summary(a)


@router.delete("/airspace/{airspace_id}", tags=["airspace"], status_code=204)
def delete_airspace(request: Request, caller: Caller, airspace_id: str) -> None:
    party = caller.require(WRITE_AIRSPACE, "delete airspace")
    services(request).airspace.delete(party, airspace_id)


# -- operational intents --------------------------------------------------------------------


@router.post(
    "/intents",
    tags=["intents"],
    status_code=201,
    summary="File an operational intent",
    description=(
        "Checks the filing against every other party's intents and protected airspace. "
        "If it overlaps an intent whose current OVN is not in `key`, the filing is refused with "
        "409 listing what is missing (and the overlap). Otherwise it is stored and the result "
        "lists every conflict. `dry_run=true` checks without storing."
    ),
)
def file_intent(
    request: Request,
    caller: Caller,
    body: schemas.IntentFiling,
    raw: RawBody,
    dry_run: bool = False,
) -> dict[str, Any]:
    party = caller.require(WRITE_INTENTS, "file intents")
    svc = services(request).intents
    return filing_json(svc.file(party, parse_filing(raw, svc.limits), body.id, dry_run=dry_run))


@router.put("/intents/{intent_id}", tags=["intents"], summary="Modify an own intent")
def modify_intent(
    request: Request,
    caller: Caller,
    intent_id: str,
    body: schemas.IntentFiling,
    raw: RawBody,
    dry_run: bool = False,
) -> dict[str, Any]:
    party = caller.require(WRITE_INTENTS, "modify intents")
    if body.version is None:
        raise ValidationError("version", "the current version is required to modify an intent")
    svc = services(request).intents
    result = svc.modify(
        party, intent_id, body.version, parse_filing(raw, svc.limits), dry_run=dry_run
    )
    return filing_json(result)


@router.post("/intents/{intent_id}/state", tags=["intents"], summary="Activate, end, cancel …")
def change_state(
    request: Request, caller: Caller, intent_id: str, body: schemas.StateChange
) -> dict[str, Any]:
    party = caller.require(WRITE_INTENTS, "change intents")
    it = services(request).intents.set_state(
        party, intent_id, body.version, State(body.state), body.reason
    )
    return intent_json(it)


@router.get("/intents", tags=["intents"], summary="Own intents")
def list_intents(
    request: Request,
    caller: Caller,
    state: Annotated[list[State] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[dict[str, Any]]:
    party = caller.require_party()
    return [intent_json(i) for i in services(request).intents.list_own(party, state, limit)]


@router.get("/intents/{intent_id}", tags=["intents"])
def get_intent(request: Request, caller: Caller, intent_id: str) -> dict[str, Any]:
    """Own intents in full; another party's only as a reference, if it conflicts with yours."""
    party = caller.require_party()
    it = services(request).intents.get(party, intent_id)
    return intent_json(it) if isinstance(it, Intent) else ref_json(it)


@router.post("/intents/query", tags=["intents"], summary="Intents in an area and time window")
def query_intents(request: Request, caller: Caller, body: schemas.AreaQuery) -> dict[str, Any]:
    party = caller.require_party()
    svc = services(request).intents
    area = volume_from_f3548(body.area.model_dump(exclude_none=True), "area", svc.limits)
    own, others = svc.query(party, area)
    return {
        "own": [intent_json(i) for i in own],
        "others": [
            {**ref_json(r), "overlaps": [overlap_json(o) for o in ovs]} for r, ovs in others
        ],
    }


@router.get("/conflicts", tags=["intents"], summary="Conflicts the caller's party is part of")
def list_conflicts(
    request: Request, caller: Caller, intent_id: str | None = None
) -> list[dict[str, Any]]:
    party = caller.require_party()
    return [conflict_row_json(r) for r in services(request).intents.conflicts(party, intent_id)]


@router.get("/notices", tags=["intents"], summary="Minimum-notice violations involving the caller")
def list_notices(request: Request, caller: Caller) -> list[dict[str, Any]]:
    party = caller.require_party()
    return [notice_json(r) for r in services(request).intents.notices(party)]
