"""The ledger is tamper-evident: any edit to a past movement breaks the chain."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain import hashchain


def _chain(count: int) -> list[dict]:
    rows, previous = [], hashchain.GENESIS
    for sequence in range(1, count + 1):
        row = {
            "package_id": 7,
            "sequence": sequence,
            "kind": "transfer",
            "from_zone_id": 1,
            "to_zone_id": 2,
            "quantity": Decimal("1.000"),
            "reason": None,
            "note": None,
            "actor_id": 3,
            "witness_id": None,
            "occurred_at": datetime(2026, 11, 27, 12, sequence, tzinfo=UTC),
            "source_document": None,
            "idempotency_key": f"k{sequence}",
            "previous_hash": previous,
        }
        row["hash"] = hashchain.movement_hash(previous, row)
        previous = row["hash"]
        rows.append(row)
    return rows


def test_an_untouched_history_verifies():
    assert hashchain.verify(_chain(5)) is None


def test_editing_a_quantity_is_detected_at_that_movement():
    rows = _chain(5)
    rows[2]["quantity"] = Decimal("0.500")
    broken = hashchain.verify(rows)
    assert broken is not None
    assert broken.sequence == 3


def test_deleting_a_movement_is_detected():
    rows = _chain(5)
    del rows[1]
    broken = hashchain.verify(rows)
    assert broken is not None
    assert broken.sequence == 2


def test_the_same_quantity_written_differently_hashes_the_same():
    a = _chain(1)[0]
    b = dict(a, quantity=Decimal("1"))
    assert hashchain.movement_hash(hashchain.GENESIS, a) == hashchain.movement_hash(
        hashchain.GENESIS, b
    )
