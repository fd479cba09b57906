"""Ownership rules: which party a track belongs to, decided for a whole batch at once.

A track's owner comes, in this order, from

1. an explicit party given by the source (a ``party`` column; a party's own feed);
2. the longest matching **callsign prefix** (``"ELY"`` → the party flying El Al);
3. the narrowest **ICAO 24-bit address block** containing the address (the state of registry);
4. otherwise :data:`~skyaccord.tracks.updates.UNKNOWN_PARTY`, a party of its own.

Callsigns come before address blocks because they name the operator, while the address only
names the state of registry (leased and foreign-registered aircraft are common).

Address blocks are those of ICAO Annex 10, Volume III, Part I, Chapter 9 ("Aircraft addressing
system"), as reproduced in public decoder tables (tar1090's ``icao_ranges``, dump1090's
country table); :data:`ICAO_COUNTRY_BLOCKS` lists the states of the reference case and their
neighbours, keyed by ISO 3166-1 alpha-2 code.  The Russian Federation holds the whole former
USSR block 0x100000–0x1FFFFF (0x140000–0x157FFF, sometimes quoted, is only a part of it).

>>> rules = OwnershipRules.by_country({"israel": ["IL"], "russia": ["RU"]},
...                                   callsign_prefixes={"ELY": "israel"})
>>> rules.resolve(np.array([0x738043, 0x151234, 0x4B1234, -1], dtype=np.int32),
...               np.array(["", "AFL123", "ELY1747", ""], dtype=object)).tolist()
['israel', 'russia', 'israel', 'unknown']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from skyaccord.errors import ValidationError
from skyaccord.tracks.updates import UNKNOWN_PARTY

ICAO_COUNTRY_BLOCKS: Final[Mapping[str, tuple[int, int]]] = {
    # The reference case (Annex 10 Vol. III, Ch. 9, Table 9-1), first and last address.
    "RU": (0x100000, 0x1FFFFF),  # Russian Federation
    "IL": (0x738000, 0x73FFFF),  # Israel
    "TR": (0x4B8000, 0x4BFFFF),  # Türkiye
    "SY": (0x778000, 0x77FFFF),  # Syrian Arab Republic
    "US": (0xA00000, 0xAFFFFF),  # United States
    # Neighbours and frequent visitors of the eastern Mediterranean.
    "LB": (0x748000, 0x74FFFF),  # Lebanon
    "JO": (0x740000, 0x747FFF),  # Jordan
    "IQ": (0x728000, 0x72FFFF),  # Iraq
    "IR": (0x730000, 0x737FFF),  # Iran
    "CY": (0x4C8000, 0x4C83FF),  # Cyprus
    "EG": (0x010000, 0x017FFF),  # Egypt
    "GR": (0x468000, 0x46FFFF),  # Greece
    "GB": (0x400000, 0x43FFFF),  # United Kingdom
    "FR": (0x380000, 0x3BFFFF),  # France
    "DE": (0x3C0000, 0x3FFFFF),  # Germany
    "IT": (0x300000, 0x33FFFF),  # Italy
    "NL": (0x480000, 0x487FFF),  # Netherlands
    "CH": (0x4B0000, 0x4B7FFF),  # Switzerland
}


@dataclass(frozen=True, slots=True)
class IcaoBlock:
    """Addresses ``start``..``end`` (inclusive) belong to ``party``."""

    start: int
    end: int
    party: str

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end <= 0xFFFFFF:
            raise ValidationError(
                "icao_blocks",
                f"block {self.start:#08x}-{self.end:#08x} is not within 0x000000-0xFFFFFF",
            )
        if not self.party:
            raise ValidationError("icao_blocks", "party must not be empty")


class OwnershipRules:
    """Callsign-prefix and ICAO-address-block rules, applied to whole arrays.

    ``icao_blocks`` may nest; the narrowest block containing an address wins.
    ``callsign_prefixes`` maps a prefix (compared upper-case) to a party; the longest wins.
    """

    __slots__ = ("_blocks", "_bounds", "_interval_party", "_prefix_lengths", "_prefixes")

    def __init__(
        self,
        icao_blocks: Iterable[IcaoBlock] = (),
        callsign_prefixes: Mapping[str, str] | None = None,
    ) -> None:
        self._blocks: tuple[IcaoBlock, ...] = tuple(icao_blocks)
        prefixes = {k.strip().upper(): v for k, v in (callsign_prefixes or {}).items()}
        if any(not k for k in prefixes):
            raise ValidationError("callsign_prefixes", "a prefix must not be empty")
        self._prefixes: dict[str, str] = prefixes
        self._prefix_lengths: tuple[int, ...] = tuple(
            sorted({len(k) for k in prefixes}, reverse=True)
        )
        # Elementary intervals between all block edges; each gets the narrowest covering block.
        edges = sorted({b.start for b in self._blocks} | {b.end + 1 for b in self._blocks})
        by_width = sorted(self._blocks, key=lambda b: b.end - b.start, reverse=True)
        owners: list[object] = []
        for lo in edges:
            owner: str | None = None
            for b in by_width:
                if b.start <= lo <= b.end:
                    owner = b.party
            owners.append(owner)
        self._bounds: NDArray[np.int64] = np.asarray(edges, dtype=np.int64)
        self._interval_party: NDArray[np.object_] = np.asarray([*owners, None], dtype=object)

    @classmethod
    def by_country(
        cls,
        parties: Mapping[str, Sequence[str]],
        callsign_prefixes: Mapping[str, str] | None = None,
    ) -> OwnershipRules:
        """Rules from ``{party: [ISO alpha-2 codes]}`` using :data:`ICAO_COUNTRY_BLOCKS`."""
        blocks = []
        for party, codes in parties.items():
            for code in codes:
                try:
                    start, end = ICAO_COUNTRY_BLOCKS[code.upper()]
                except KeyError:
                    valid = ", ".join(sorted(ICAO_COUNTRY_BLOCKS))
                    raise ValidationError(
                        "parties", f"no ICAO address block known for {code!r}; known: {valid}"
                    ) from None
                blocks.append(IcaoBlock(start, end, party))
        return cls(blocks, callsign_prefixes)

    @property
    def icao_blocks(self) -> tuple[IcaoBlock, ...]:
        """The address blocks, as given."""
        return self._blocks

    @property
    def callsign_prefixes(self) -> dict[str, str]:
        """The callsign prefixes (upper case) and their parties."""
        return dict(self._prefixes)

    def _party_of_callsign(self, callsign: str) -> str | None:
        for n in self._prefix_lengths:
            party = self._prefixes.get(callsign[:n])
            if party is not None:
                return party
        return None

    def by_icao(self, icao24: NDArray[np.int32]) -> NDArray[np.object_]:
        """Party of each address by block, ``None`` where no block applies (or address is -1)."""
        addr = np.asarray(icao24, dtype=np.int64)
        if len(self._bounds) == 0:
            return np.full(addr.shape, None, dtype=object)
        k = np.searchsorted(self._bounds, addr, side="right") - 1
        k = np.where((k < 0) | (addr < 0), len(self._interval_party) - 1, k)
        return self._interval_party[k]

    def by_callsign(self, callsign: NDArray[np.object_]) -> NDArray[np.object_]:
        """Party of each callsign by prefix, ``None`` where no prefix applies."""
        cs = np.asarray(callsign, dtype=object)
        if not self._prefixes or cs.size == 0:
            return np.full(cs.shape, None, dtype=object)
        text = cs.astype(str)
        uniq, inverse = np.unique(text, return_inverse=True)
        owners = np.array([self._party_of_callsign(str(s).upper()) for s in uniq], dtype=object)
        return owners[inverse.reshape(cs.shape)]

    def resolve(
        self,
        icao24: NDArray[np.int32],
        callsign: NDArray[np.object_],
        party: NDArray[np.object_] | None = None,
    ) -> NDArray[np.object_]:
        """Owner of each record: explicit party, else callsign prefix, else ICAO block, else unknown.

        ``party`` (optional) holds explicit owners; ``""``, ``None`` and ``"unknown"`` there mean
        "not given".
        """
        out = self.by_icao(icao24)
        by_cs = self.by_callsign(callsign)
        has_cs = by_cs != None  # noqa: E711 - element-wise comparison on an object array
        out[has_cs] = by_cs[has_cs]
        if party is not None:
            p = np.asarray(party, dtype=object)
            given = (p != None) & (p != "") & (p != UNKNOWN_PARTY)  # noqa: E711
            out[given] = p[given]
        out[out == None] = UNKNOWN_PARTY  # noqa: E711
        return out

    def __repr__(self) -> str:
        return (
            f"OwnershipRules({len(self._blocks)} ICAO blocks, "
            f"{len(self._prefixes)} callsign prefixes)"
        )
