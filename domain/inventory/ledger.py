"""The ledger: the only code that changes a quantity.

``post`` locks the packages it touches, checks every movement against the package rules, then in
the same transaction decrements and increments the per-zone balances, appends the hash-chained
movement rows, advances each package's chain head and records the events (and, through the state
reporting hook, any state-report rows). A refusal raises before anything is written, and the
surrounding transaction rolls back whatever an earlier movement in the same call wrote.

Concurrency: packages are locked in id order (no deadlocks between multi-package posts), and the
decrement is a conditional UPDATE (``quantity >= n``), with the table's CHECK behind it, so stock
cannot go negative however many requests race.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from domain import db, events, hashchain
from domain.catalog.model import LabStatus
from domain.errors import InsufficientStock, PackageNotSellable
from domain.inventory.model import AdjustmentReason, MovementKind, PackageStatus
from domain.inventory.rules import PackageState, movement_refusal
from domain.organisation.model import ZoneKind


@dataclass(frozen=True)
class ZoneRef:
    id: int
    location_id: int
    kind: ZoneKind
    name: str


@dataclass(frozen=True)
class Draft:
    """A movement to post. ``quantity`` is already validated (positive, 3 places)."""

    package_id: int
    kind: MovementKind
    quantity: Decimal
    from_zone: ZoneRef | None = None
    to_zone: ZoneRef | None = None
    reason: AdjustmentReason | None = None
    note: str | None = None


@dataclass(frozen=True)
class Posting:
    """What every movement of one post shares: who, when, on what authority."""

    actor_id: int
    witness_id: int | None = None
    occurred_at: datetime | None = None
    source_document: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Posted:
    id: int
    package_id: int
    tag: str
    product_id: int
    sequence: int
    kind: MovementKind
    quantity: Decimal
    from_zone_id: int | None
    to_zone_id: int | None
    hash: str
    balances: dict[int, Decimal] = field(default_factory=dict)


# Extra checks a caller needs under the same lock (e.g. a sale's lab and expiry rules).
Guard = Callable[[PackageState, Draft], None]

_LOCK_SQL = """
SELECT p.id, p.tag, p.location AS location_id, p.product AS product_id, p.unit, p.status,
       p.movement_count, p.last_hash, b.lab_status, b.expires_on, b.sell_by,
       (now() AT TIME ZONE l.timezone)::date AS local_today
FROM package p
JOIN location l ON l.id = p.location
LEFT JOIN batch b ON b.id = p.batch
WHERE p.id = ANY($1::int[])
ORDER BY p.id
FOR UPDATE OF p
"""

_DECREMENT_SQL = """
UPDATE stock_balance SET quantity = quantity - $3, updated_at = now()
WHERE package = $1 AND zone = $2 AND quantity >= $3
RETURNING quantity
"""

_INCREMENT_SQL = """
INSERT INTO stock_balance (package, zone, location, quantity, updated_at)
VALUES ($1, $2, $3, $4, now())
ON CONFLICT (package, zone)
DO UPDATE SET quantity = stock_balance.quantity + EXCLUDED.quantity, updated_at = now()
RETURNING quantity
"""

_INSERT_MOVEMENTS_SQL = """
INSERT INTO movement (location, package, sequence, kind, from_zone, to_zone, quantity, reason,
                      note, actor, witness, occurred_at, recorded_at, source_document,
                      idempotency_key, previous_hash, hash)
SELECT m.location, m.package, m.sequence, m.kind, m.from_zone, m.to_zone, m.quantity, m.reason,
       m.note, $9, $10, $11, now(), $12, $13, m.previous_hash, m.hash
FROM unnest($1::int[], $2::int[], $3::int[], $4::text[], $5::int[], $6::int[], $7::numeric[],
            $8::text[], $14::text[], $15::text[], $16::text[])
     AS m(location, package, sequence, kind, from_zone, to_zone, quantity, reason, note,
          previous_hash, hash)
RETURNING id
"""

_ADVANCE_CHAIN_SQL = """
UPDATE package SET movement_count = c.count, last_hash = c.hash
FROM unnest($1::int[], $2::int[], $3::text[]) AS c(id, count, hash)
WHERE package.id = c.id
"""


def _state(row: dict) -> PackageState:
    return PackageState(
        id=row["id"],
        tag=row["tag"],
        location_id=row["location_id"],
        product_id=row["product_id"],
        unit=row["unit"],
        status=PackageStatus(row["status"]),
        lab_status=LabStatus(row["lab_status"]) if row["lab_status"] else None,
        expires_on=row["expires_on"],
        sell_by=row["sell_by"],
        movement_count=row["movement_count"],
        last_hash=row["last_hash"],
        local_today=row["local_today"],
    )


async def lock_packages(package_ids: Sequence[int]) -> dict[int, PackageState]:
    """Lock packages (in id order) for the rest of the transaction and return their state."""
    async with db.connection() as conn:
        rows = await conn.fetch(_LOCK_SQL, sorted(set(package_ids)))
    return {row["id"]: _state(dict(row)) for row in rows}


async def post(
    drafts: Sequence[Draft],
    posting: Posting,
    *,
    guard: Guard | None = None,
    locked: dict[int, PackageState] | None = None,
) -> list[Posted]:
    """Post ``drafts`` atomically; the only way stock changes.

    Must run inside ``events.unit_of_work()``. ``locked`` passes packages the caller already
    locked with ``lock_packages`` (to check them before building drafts).
    """
    if not drafts:
        return []
    occurred_at = posting.occurred_at or datetime.now(UTC)
    async with db.transaction(), db.connection() as conn:
        states = dict(locked or {})
        missing = [d.package_id for d in drafts if d.package_id not in states]
        if missing:
            states.update(await lock_packages(missing))
        chain = {pid: (s.movement_count, s.last_hash) for pid, s in states.items()}
        rows: list[tuple] = []
        balances: list[dict[int, Decimal]] = []
        for draft in drafts:
            state = states[draft.package_id]
            _check(state, draft)
            if guard is not None:
                guard(state, draft)
            after: dict[int, Decimal] = {}
            if draft.from_zone is not None:
                left = await conn.fetchval(
                    _DECREMENT_SQL, draft.package_id, draft.from_zone.id, draft.quantity
                )
                if left is None:
                    available = await conn.fetchval(
                        "SELECT quantity FROM stock_balance WHERE package = $1 AND zone = $2",
                        draft.package_id,
                        draft.from_zone.id,
                    )
                    raise InsufficientStock(
                        tag=state.tag,
                        zone_id=draft.from_zone.id,
                        zone_name=draft.from_zone.name,
                        requested=draft.quantity,
                        available=available or Decimal(0),
                    )
                after[draft.from_zone.id] = left
            if draft.to_zone is not None:
                after[draft.to_zone.id] = await conn.fetchval(
                    _INCREMENT_SQL,
                    draft.package_id,
                    draft.to_zone.id,
                    state.location_id,
                    draft.quantity,
                )
            sequence, previous = chain[draft.package_id]
            sequence += 1
            facts = {
                "package_id": draft.package_id,
                "sequence": sequence,
                "kind": str(draft.kind),
                "from_zone_id": draft.from_zone.id if draft.from_zone else None,
                "to_zone_id": draft.to_zone.id if draft.to_zone else None,
                "quantity": draft.quantity,
                "reason": str(draft.reason) if draft.reason else None,
                "note": draft.note,
                "actor_id": posting.actor_id,
                "witness_id": posting.witness_id,
                "occurred_at": occurred_at,
                "source_document": posting.source_document,
                "idempotency_key": posting.idempotency_key,
            }
            digest = hashchain.movement_hash(previous, facts)
            chain[draft.package_id] = (sequence, digest)
            rows.append((state, draft, sequence, previous, digest))
            balances.append(after)

        ids = await conn.fetch(
            _INSERT_MOVEMENTS_SQL,
            [r[0].location_id for r in rows],
            [r[1].package_id for r in rows],
            [r[2] for r in rows],
            [str(r[1].kind) for r in rows],
            [r[1].from_zone.id if r[1].from_zone else None for r in rows],
            [r[1].to_zone.id if r[1].to_zone else None for r in rows],
            [r[1].quantity for r in rows],
            [str(r[1].reason) if r[1].reason else None for r in rows],
            posting.actor_id,
            posting.witness_id,
            occurred_at,
            posting.source_document,
            posting.idempotency_key,
            [r[1].note for r in rows],
            [r[3] for r in rows],
            [r[4] for r in rows],
        )
        touched = sorted({d.package_id for d in drafts})
        await conn.execute(
            _ADVANCE_CHAIN_SQL,
            touched,
            [chain[pid][0] for pid in touched],
            [chain[pid][1] for pid in touched],
        )
    posted = [
        Posted(
            id=record["id"],
            package_id=draft.package_id,
            tag=state.tag,
            product_id=state.product_id,
            sequence=sequence,
            kind=draft.kind,
            quantity=draft.quantity,
            from_zone_id=draft.from_zone.id if draft.from_zone else None,
            to_zone_id=draft.to_zone.id if draft.to_zone else None,
            hash=digest,
            balances=after,
        )
        for record, (state, draft, sequence, _prev, digest), after in zip(
            ids, rows, balances, strict=True
        )
    ]
    _record_events(posted, drafts)
    return posted


def _check(state: PackageState, draft: Draft) -> None:
    for zone in (draft.from_zone, draft.to_zone):
        if zone is not None and zone.location_id != state.location_id:
            # Services resolve zones within the package's location; reaching here is a bug.
            raise AssertionError(f"zone {zone.id} is not at package {state.tag}'s location")
    to_kind = draft.to_zone.kind if draft.to_zone else None
    refusal = movement_refusal(state, draft.kind, to_kind)
    if refusal is not None:
        raise PackageNotSellable(tag=state.tag, reason=refusal)


def _record_events(posted: Sequence[Posted], drafts: Sequence[Draft]) -> None:
    for movement, draft in zip(posted, drafts, strict=True):
        for zone in (draft.from_zone, draft.to_zone):
            if zone is None:
                continue
            events.record(
                events.Event(
                    topic="stock",
                    location_id=zone.location_id,
                    data={
                        "zone_id": zone.id,
                        "zone_kind": str(zone.kind),
                        "package_id": movement.package_id,
                        "product_id": movement.product_id,
                        "movement_id": movement.id,
                        "quantity": str(movement.balances[zone.id]),
                    },
                )
            )
