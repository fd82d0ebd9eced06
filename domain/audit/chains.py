"""Walking hash chains one row at a time (pure: no I/O).

``domain.hashchain.verify`` takes a package's whole history; the nightly verification streams a
location's ledger ordered by (package, sequence) and must not hold any package's history in
memory, so it feeds rows to a ``ChainWalk`` one by one. The walk re-computes each link with the
same ``movement_hash`` the ledger wrote it with, remembers only the first break of each chain, and
folds every chain's head into one digest an inspector can re-compute from the ledger.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain import hashchain

# Breaks kept per check (each is also counted): a ledger broken everywhere is reported by its
# count and its first thousand breaks, not by a list as long as the store.
MAX_KEPT = 1000


@dataclass(frozen=True)
class Break:
    """The first broken link of one chain: which check found it, where, and why."""

    check: str
    tag: str
    sequence: int
    reason: str


_ascii = json.encoder.encode_basestring_ascii  # what json.dumps writes a str as
# ``movement_hash`` below writes these fields in this order; a field added to the chain must be
# added there too (the module refuses to load otherwise).
_SORTED_FIELDS = tuple(sorted(hashchain.CHAINED_FIELDS))
if _SORTED_FIELDS != (
    "actor_id",
    "from_zone_id",
    "idempotency_key",
    "kind",
    "note",
    "occurred_at",
    "package_id",
    "quantity",
    "reason",
    "sequence",
    "source_document",
    "to_zone_id",
    "witness_id",
):
    raise RuntimeError("hashchain.CHAINED_FIELDS changed: update domain.audit.chains.movement_hash")


def _json(value: Any) -> str:
    """One value as ``json.dumps`` writes it after ``hashchain._canonical``."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return _ascii(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, Decimal | datetime):
        return _ascii(hashchain._canonical(value))
    return json.dumps(hashchain._canonical(value), default=str)


def _int(value: Any) -> str:
    return int.__repr__(value) if type(value) is int else _json(value)


def _str(value: Any) -> str:
    return _ascii(value) if type(value) is str else _json(value)


def movement_hash(previous_hash: str, movement: Mapping[str, Any]) -> str:
    """``hashchain.movement_hash``, byte for byte, at about a third of its cost: the canonical
    JSON (keys sorted, compact) is written out directly instead of through a dict and
    ``json.dumps``, each value by the writer its column's type needs (any other type goes
    through the general one). The walk spends most of its time here; a generated test holds
    the two to the same answers."""
    get = movement.get
    payload = (
        f'{{"actor_id":{_int(get("actor_id"))},"from_zone_id":{_int(get("from_zone_id"))},'
        f'"idempotency_key":{_str(get("idempotency_key"))},"kind":{_str(get("kind"))},'
        f'"note":{_str(get("note"))},"occurred_at":{_json(get("occurred_at"))},'
        f'"package_id":{_int(get("package_id"))},"quantity":{_json(get("quantity"))},'
        f'"reason":{_str(get("reason"))},"sequence":{_int(get("sequence"))},'
        f'"source_document":{_str(get("source_document"))},'
        f'"to_zone_id":{_int(get("to_zone_id"))},"witness_id":{_int(get("witness_id"))}}}'
    )
    return hashlib.sha256(f"{previous_hash}|{payload}".encode()).hexdigest()


def head_line(tag: str, length: int, head: str) -> bytes:
    """One chain's contribution to a heads digest: ``"<tag>,<length>,<head hash>\\n"`` (the
    line the audit packet's ``chain_heads.csv`` digest is made of)."""
    return f"{tag},{length},{head}\n".encode()


class ChainWalk:
    """One location's package chains, fed in (package, sequence) order.

    ``start`` a package with what its row says about its head (``movement_count``,
    ``last_hash``), ``feed`` its movements in sequence order, and ``finish`` it: the first broken
    link (or a head that does not match the package row, which is how a deleted tail shows) is
    kept as a ``Break``. ``digest`` is the SHA-256 of the ``head_line`` of every package with
    movements, in the order they were walked (by tag): the same digest the audit packet prints
    for a period that runs to now.
    """

    def __init__(self, check: str = "movements") -> None:
        self.check = check
        self.chains = 0
        self.rows = 0
        self.breaks: list[Break] = []
        self.broken = 0
        self._digest = hashlib.sha256()
        self._tag = ""
        self._expected_count = 0
        self._expected_head = hashchain.GENESIS
        self._previous = hashchain.GENESIS
        self._sequence = 0
        self._broken = False
        self._open = False

    def start(self, tag: str, movement_count: int, last_hash: str) -> None:
        if self._open:
            self.finish()
        self._tag, self._expected_count, self._expected_head = tag, movement_count, last_hash
        self._previous, self._sequence, self._broken, self._open = hashchain.GENESIS, 0, False, True

    def feed(self, row: Mapping[str, Any]) -> None:
        """One movement of the package started last (the facts ``hashchain`` hashes)."""
        self.rows += 1
        expected = self._sequence + 1
        if not self._broken:
            if row["sequence"] != expected:
                self._break(expected, f"movement {expected} is missing")
            elif row["previous_hash"] != self._previous:
                self._break(row["sequence"], "previous_hash does not match the prior movement")
            elif movement_hash(self._previous, row) != row["hash"]:
                self._break(row["sequence"], "movement content does not match its hash")
        self._previous = row["hash"]
        self._sequence = row["sequence"]

    def finish(self) -> None:
        if not self._open:
            return
        self._open = False
        self.chains += 1
        if not self._broken and (
            self._sequence != self._expected_count or self._previous != self._expected_head
        ):
            self._break(self._sequence, "chain head does not match the package's last movement")
        if self._sequence:
            self._digest.update(head_line(self._tag, self._sequence, self._previous))

    @property
    def digest(self) -> str:
        return self._digest.hexdigest()

    def _break(self, sequence: int, reason: str) -> None:
        self._broken = True
        self.broken += 1
        if len(self.breaks) < MAX_KEPT:
            self.breaks.append(Break(self.check, self._tag, sequence, reason))
