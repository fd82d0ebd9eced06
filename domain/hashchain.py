"""Tamper evidence for the ledger: each package's movements form a SHA-256 hash chain.

Every movement's hash covers its own facts and the previous movement's hash for the same package,
so editing, deleting or reordering any past row breaks every later link. The chain is per package
(not per location) because the package row is already locked for every movement; a location-wide
chain would serialise every transaction in the store on one row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64

# The fields the hash covers, in order. Adding a field changes every hash: version the chain then.
CHAINED_FIELDS = (
    "package_id",
    "sequence",
    "kind",
    "from_zone_id",
    "to_zone_id",
    "quantity",
    "reason",
    "note",
    "actor_id",
    "witness_id",
    "occurred_at",
    "source_document",
    "idempotency_key",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        # Postgres hands timestamptz back in UTC; hash the same instant the same way.
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def movement_hash(previous_hash: str, movement: Mapping[str, Any]) -> str:
    """The hash of ``movement`` chained onto ``previous_hash``."""
    body = {name: _canonical(movement.get(name)) for name in CHAINED_FIELDS}
    payload = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{previous_hash}|{payload}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    reason: str


def verify(movements: Iterable[Mapping[str, Any]]) -> ChainBreak | None:
    """Walk one package's movements in sequence order; return the first broken link, if any."""
    previous = GENESIS
    expected_sequence = 1
    for row in movements:
        if row["sequence"] != expected_sequence:
            return ChainBreak(expected_sequence, f"movement {expected_sequence} is missing")
        if row["previous_hash"] != previous:
            return ChainBreak(row["sequence"], "previous_hash does not match the prior movement")
        if movement_hash(previous, row) != row["hash"]:
            return ChainBreak(row["sequence"], "movement content does not match its hash")
        previous = row["hash"]
        expected_sequence += 1
    return None
