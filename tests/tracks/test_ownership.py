"""Ownership rules: explicit party, then callsign prefix, then ICAO block, else unknown."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from skyaccord.errors import ValidationError
from skyaccord.tracks.ownership import ICAO_COUNTRY_BLOCKS, IcaoBlock, OwnershipRules


def arr(*v: object) -> np.ndarray:
    a = np.empty(len(v), dtype=object)
    a[:] = v
    return a


def test_reference_case_blocks() -> None:
    # Annex 10 Vol. III Ch. 9: first and last addresses of each state's block.
    assert ICAO_COUNTRY_BLOCKS["RU"] == (0x100000, 0x1FFFFF)
    assert ICAO_COUNTRY_BLOCKS["IL"] == (0x738000, 0x73FFFF)
    assert ICAO_COUNTRY_BLOCKS["TR"] == (0x4B8000, 0x4BFFFF)
    assert ICAO_COUNTRY_BLOCKS["SY"] == (0x778000, 0x77FFFF)
    assert ICAO_COUNTRY_BLOCKS["US"] == (0xA00000, 0xAFFFFF)
    blocks = sorted(ICAO_COUNTRY_BLOCKS.values())
    assert all(a[1] < b[0] for a, b in itertools.pairwise(blocks))  # no overlap


def test_by_country_resolves_block_edges() -> None:
    rules = OwnershipRules.by_country(
        {"russia": ["RU"], "israel": ["IL"], "turkey": ["TR"], "syria": ["sy"], "usa": ["US"]}
    )
    icao = np.array(
        [0x100000, 0x1FFFFF, 0x200000, 0x737FFF, 0x738000, 0x73FFFF, 0x4B8000, 0x778123,
         0xAFFFFF, 0xB00000, -1, 0],
        dtype=np.int32,
    )  # fmt: skip
    got = rules.resolve(icao, arr(*[""] * len(icao))).tolist()
    assert got == [
        "russia", "russia", "unknown", "unknown", "israel", "israel", "turkey", "syria",
        "usa", "unknown", "unknown", "unknown",
    ]  # fmt: skip


def test_narrowest_block_and_longest_prefix_win() -> None:
    rules = OwnershipRules(
        [IcaoBlock(0x100000, 0x1FFFFF, "wide"), IcaoBlock(0x140000, 0x157FFF, "narrow")],
        {"A": "a-party", "AFL": "aeroflot", "afr": "air-france"},
    )
    icao = np.array([0x100001, 0x150000, 0x160000, 0x150000, -1], dtype=np.int32)
    cs = arr("", "", "", "AFL123", "AFR1")
    assert rules.resolve(icao, cs).tolist() == ["wide", "narrow", "wide", "aeroflot", "air-france"]
    assert rules.by_callsign(arr("AB", "", "XYZ")).tolist() == ["a-party", None, None]


def test_explicit_party_wins_and_unknown_means_not_given() -> None:
    rules = OwnershipRules.by_country({"israel": ["IL"]}, {"ELY": "israel"})
    icao = np.array([0x738043, 0x738043, 0x738043, 5], dtype=np.int32)
    got = rules.resolve(icao, arr("ELY1", "", "", ""), arr("russia", "unknown", None, "")).tolist()
    assert got == ["russia", "israel", "israel", "unknown"]


def test_no_rules_and_empty_batches() -> None:
    rules = OwnershipRules()
    assert rules.resolve(np.array([1], dtype=np.int32), arr("X")).tolist() == ["unknown"]
    assert rules.resolve(np.array([], dtype=np.int32), arr()).tolist() == []
    assert "0 ICAO blocks" in repr(rules)


def test_bad_rules_are_rejected() -> None:
    with pytest.raises(ValidationError, match="known"):
        OwnershipRules.by_country({"x": ["ZZ"]})
    with pytest.raises(ValidationError):
        IcaoBlock(5, 4, "x")
    with pytest.raises(ValidationError):
        IcaoBlock(0, 0x1000000, "x")
    with pytest.raises(ValidationError):
        OwnershipRules(callsign_prefixes={" ": "x"})
