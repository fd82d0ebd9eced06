"""What a backup promises: the stock and the ledger's chain heads at the instant of the dump.

Pure: building the comparison between the promise and a restored database needs no I/O, so the
restore drill's verdict ("the restored stock is the stock at backup time") is a plain function.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

FORMAT = 1


@dataclass(frozen=True, order=True)
class StockLine:
    """One package's quantity in one zone."""

    location_id: int
    tag: str
    zone_id: int
    quantity: Decimal


@dataclass(frozen=True)
class LedgerHead:
    """A location's ledger at the dump: how many movements, and one digest of every package's
    chain head (a restored ledger with a row missing, added or altered gives another digest)."""

    location_id: int
    movements: int
    packages: int
    digest: str


def heads_digest(heads: Iterable[tuple[str, int, str | None]]) -> str:
    """sha256 over ``tag:movement_count:last_hash`` lines, in tag order."""
    lines = sorted(f"{tag}:{count}:{last or ''}" for tag, count, last in heads)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@dataclass(frozen=True)
class Manifest:
    format: int
    created_at: str
    server_version: str
    migration: str | None
    heads: tuple[LedgerHead, ...]
    files: dict[str, str] = field(default_factory=dict)  # member name -> sha256


@dataclass(frozen=True)
class Difference:
    what: str
    expected: str
    found: str


def compare_stock(expected: Iterable[StockLine], found: Iterable[StockLine]) -> list[Difference]:
    """Every (location, tag, zone) whose quantity differs, is missing or is extra."""
    want = {(s.location_id, s.tag, s.zone_id): s.quantity for s in expected}
    have = {(s.location_id, s.tag, s.zone_id): s.quantity for s in found}
    differences = []
    for key in sorted(want.keys() | have.keys()):
        a, b = want.get(key), have.get(key)
        if a != b:
            where = f"location {key[0]} package {key[1]} zone {key[2]}"
            differences.append(Difference(where, str(a or 0), str(b or 0)))
    return differences


def compare_heads(expected: Iterable[LedgerHead], found: Iterable[LedgerHead]) -> list[Difference]:
    want = {h.location_id: h for h in expected}
    have = {h.location_id: h for h in found}
    differences = []
    for location in sorted(want.keys() | have.keys()):
        a, b = want.get(location), have.get(location)
        if a != b:
            differences.append(
                Difference(
                    f"location {location} ledger",
                    f"{a.movements} movements, {a.digest[:12]}" if a else "absent",
                    f"{b.movements} movements, {b.digest[:12]}" if b else "absent",
                )
            )
    return differences
