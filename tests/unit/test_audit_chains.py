"""The verification's chain walk (pure): the same hashes as the ledger writes, the first break of
each chain, a deleted tail, and a heads digest anyone can recompute."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import hashchain
from domain.audit import chains

TEXT = st.none() | st.text(max_size=30)
MOVEMENT = st.fixed_dictionaries(
    {
        "package_id": st.integers(1, 2**31 - 1),
        "sequence": st.integers(1, 10**6),
        "kind": st.sampled_from(["register", "transfer", "sale", "adjust"]),
        "from_zone_id": st.none() | st.integers(1, 2**31 - 1),
        "to_zone_id": st.none() | st.integers(1, 2**31 - 1),
        "quantity": st.decimals(
            min_value=Decimal("0.001"), max_value=Decimal("99999999999.999"), places=3
        ),
        "reason": st.none() | st.sampled_from(["damage", "theft", "other"]),
        "note": TEXT,
        "actor_id": st.integers(1, 2**31 - 1),
        "witness_id": st.none() | st.integers(1, 2**31 - 1),
        "occurred_at": st.datetimes(
            min_value=datetime(2000, 1, 1),
            max_value=datetime(2999, 1, 1),
            timezones=st.sampled_from([UTC, timezone(timedelta(hours=-7))]),
        ),
        "source_document": TEXT,
        "idempotency_key": TEXT,
    }
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(MOVEMENT, st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))
def test_the_walks_hash_is_the_ledgers_hash(movement, previous):
    assert chains.movement_hash(previous, movement) == hashchain.movement_hash(previous, movement)


def _chain(package_id: int, length: int) -> list[dict]:
    rows, previous = [], hashchain.GENESIS
    for sequence in range(1, length + 1):
        row = {
            "package_id": package_id,
            "sequence": sequence,
            "kind": "transfer",
            "from_zone_id": 1,
            "to_zone_id": 2,
            "quantity": Decimal("1.5"),
            "actor_id": 9,
            "occurred_at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=sequence),
            "previous_hash": previous,
        }
        row["hash"] = previous = hashchain.movement_hash(previous, row)
        rows.append(row)
    return rows


def _walk(packages: list[tuple[str, int, str, list[dict]]]) -> chains.ChainWalk:
    walk = chains.ChainWalk()
    for tag, count, head, rows in packages:
        walk.start(tag, count, head)
        for row in rows:
            walk.feed(row)
    walk.finish()
    return walk


def test_intact_chains_give_no_break_and_a_digest_of_their_heads():
    a, b = _chain(1, 3), _chain(2, 2)
    walk = _walk([("A", 3, a[-1]["hash"], a), ("B", 2, b[-1]["hash"], b), ("C", 0, "0" * 64, [])])
    assert (walk.chains, walk.rows, walk.breaks) == (3, 5, [])
    # A package without movements is walked (and its head checked) but not in the digest.
    lines = f"A,3,{a[-1]['hash']}\nB,2,{b[-1]['hash']}\n".encode()
    assert walk.digest == hashlib.sha256(lines).hexdigest()


def test_an_edited_row_breaks_its_chain_once_and_the_next_chain_still_counts():
    a, b = _chain(1, 4), _chain(2, 2)
    a[1] = {**a[1], "quantity": Decimal("0.5")}
    walk = _walk([("A", 4, a[-1]["hash"], a), ("B", 2, b[-1]["hash"], b)])
    assert walk.breaks == [
        chains.Break("movements", "A", 2, "movement content does not match its hash")
    ]
    assert walk.broken == 1


def test_a_missing_row_and_a_deleted_tail_are_named():
    a, b = _chain(1, 4), _chain(2, 3)
    walk = _walk([("A", 4, a[-1]["hash"], [a[0], a[2], a[3]]), ("B", 3, b[-1]["hash"], b[:2])])
    assert [(x.tag, x.sequence, x.reason) for x in walk.breaks] == [
        ("A", 2, "movement 2 is missing"),
        ("B", 2, "chain head does not match the package's last movement"),
    ]
