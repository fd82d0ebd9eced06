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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain import db, events, hashchain
from domain.catalog.model import LabStatus
from domain.compliance import reporting
from domain.errors import InsufficientStock, PackageNotSellable
from domain.inventory import ledger_sql
from domain.inventory.model import AdjustmentReason, MovementKind, PackageStatus
from domain.inventory.rules import PackageState, low_stock_crossings, movement_refusal
from domain.organisation.model import ZoneKind
from domain.unit_of_work import UnitOfWork


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
    # Facts a state report of this movement needs beyond the ledger's (a sale line's price).
    report_data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Posting:
    """What every movement of one post shares: who, when, on what authority."""

    actor_id: int
    witness_id: int | None = None
    occurred_at: datetime | None = None
    source_document: str | None = None
    idempotency_key: str | None = None
    # Document-level facts for state reports (customer type, our receipt number...).
    report_context: Mapping[str, Any] = field(default_factory=dict)
    # False only when the state already has this change (bringing our books to its number).
    report: bool = True


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
        state=row["state"],
        timezone=row["timezone"],
        state_system=row["state_system"],
        low_stock_threshold=row["low_stock_threshold"],
    )


async def lock_packages(package_ids: Sequence[int]) -> dict[int, PackageState]:
    """Lock packages (in id order) for the rest of the transaction and return their state."""
    async with db.connection() as conn:
        rows = await conn.fetch(ledger_sql.LOCK, sorted(set(package_ids)))
    return {row["id"]: _state(dict(row)) for row in rows}


async def post(
    uow: UnitOfWork,
    drafts: Sequence[Draft],
    posting: Posting,
    *,
    guard: Guard | None = None,
    locked: dict[int, PackageState] | None = None,
) -> list[Posted]:
    """Post ``drafts`` atomically; the only way stock changes.

    Joins ``uow`` (the caller's service opened it; the post commits with it). ``locked`` passes
    packages the caller already locked with ``lock_packages`` (to check them before building
    drafts). Two statements: lock the packages, then write balances, movements and chain heads
    together.
    """
    if not drafts:
        return []
    occurred_at = posting.occurred_at or datetime.now(UTC)
    async with uow:
        conn = uow.conn
        states = dict(locked or {})
        missing = [d.package_id for d in drafts if d.package_id not in states]
        if missing:
            states.update(await lock_packages(missing))
        chain = {pid: (s.movement_count, s.last_hash) for pid, s in states.items()}
        net: dict[tuple[int, int], Decimal] = {}
        planned: list[tuple[PackageState, Draft, int, str, str]] = []
        for draft in drafts:
            state = states[draft.package_id]
            _check(state, draft)
            if guard is not None:
                guard(state, draft)
            if draft.from_zone is not None:
                key = (draft.package_id, draft.from_zone.id)
                net[key] = net.get(key, Decimal(0)) - draft.quantity
            if draft.to_zone is not None:
                key = (draft.package_id, draft.to_zone.id)
                net[key] = net.get(key, Decimal(0)) + draft.quantity
            sequence, previous = chain[draft.package_id]
            sequence += 1
            digest = hashchain.movement_hash(
                previous, _facts(draft, sequence, posting, occurred_at)
            )
            chain[draft.package_id] = (sequence, digest)
            planned.append((state, draft, sequence, previous, digest))

        # Within one post, moves in and out of the same zone are netted: the post is atomic.
        down = [(k, v) for k, v in net.items() if v < 0]
        up = [(k, v) for k, v in net.items() if v > 0]
        touched = sorted({d.package_id for d in drafts})
        rows = await conn.fetch(
            ledger_sql.WRITE,
            [k[0] for k, _ in down],
            [k[1] for k, _ in down],
            [v for _, v in down],
            [k[0] for k, _ in up],
            [k[1] for k, _ in up],
            [states[k[0]].location_id for k, _ in up],
            [v for _, v in up],
            [p[0].location_id for p in planned],
            [p[1].package_id for p in planned],
            [p[2] for p in planned],
            [str(p[1].kind) for p in planned],
            [p[1].from_zone.id if p[1].from_zone else None for p in planned],
            [p[1].to_zone.id if p[1].to_zone else None for p in planned],
            [p[1].quantity for p in planned],
            [str(p[1].reason) if p[1].reason else None for p in planned],
            [p[1].note for p in planned],
            [p[3] for p in planned],
            [p[4] for p in planned],
            posting.actor_id,
            posting.witness_id,
            occurred_at,
            posting.source_document,
            posting.idempotency_key,
            touched,
            [chain[pid][0] for pid in touched],
            [chain[pid][1] for pid in touched],
        )
        balances = {
            (r["package"], r["zone"]): r["quantity"] for r in rows if r["part"] == "balance"
        }
        for (package_id, zone_id), delta in down:
            if (package_id, zone_id) not in balances:
                # Raising rolls back everything this statement wrote.
                await _refuse_shortage(conn, states[package_id], drafts, zone_id, -delta)
        ids = {(r["package"], r["sequence"]): r["id"] for r in rows if r["part"] == "movement"}
        if posting.report:
            await _write_reports(uow, conn, planned, ids, posting, occurred_at)
        await _announce_low_floors(uow, conn, planned)
    posted = [
        Posted(
            id=ids[(draft.package_id, sequence)],
            package_id=draft.package_id,
            tag=state.tag,
            product_id=state.product_id,
            sequence=sequence,
            kind=draft.kind,
            quantity=draft.quantity,
            from_zone_id=draft.from_zone.id if draft.from_zone else None,
            to_zone_id=draft.to_zone.id if draft.to_zone else None,
            hash=digest,
            balances={
                zone.id: balances.get((draft.package_id, zone.id), Decimal(0))
                for zone in (draft.from_zone, draft.to_zone)
                if zone is not None
            },
        )
        for state, draft, sequence, _previous, digest in planned
    ]
    _record_events(uow, posted, drafts)
    return posted


async def _write_reports(
    uow: UnitOfWork,
    conn: Any,
    planned: Sequence[tuple[PackageState, Draft, int, str, str]],
    ids: Mapping[tuple[int, int], int],
    posting: Posting,
    occurred_at: datetime,
) -> None:
    """The state-report outbox rows these movements owe, in the same transaction."""
    moved = [
        reporting.Moved(
            movement_id=ids[(draft.package_id, sequence)],
            location_id=state.location_id,
            state=state.state,
            timezone=state.timezone,
            state_system=state.state_system,
            tag=state.tag,
            unit=state.unit,
            kind=draft.kind,
            quantity=draft.quantity,
            from_zone=draft.from_zone.name if draft.from_zone else None,
            to_zone=draft.to_zone.name if draft.to_zone else None,
            reason=str(draft.reason) if draft.reason else None,
            note=draft.note,
            occurred_at=occurred_at,
            source_document=posting.source_document,
            report_data=draft.report_data,
        )
        for state, draft, sequence, _previous, _digest in planned
    ]
    rows = reporting.derive(uow.registry, moved, posting.report_context)
    if not rows:
        return
    inserted = await conn.fetch(reporting.INSERT, reporting.insert_args(rows))
    for location_id in sorted({r["location"] for r in inserted}):
        uow.record(events.StateReportsQueued(location_id=location_id))


async def _announce_low_floors(
    uow: UnitOfWork, conn: Any, planned: Sequence[tuple[PackageState, Draft, Any, Any, Any]]
) -> None:
    """A lowStock event for each product this post took below its threshold on the sales floor
    (a sale, a reservation, a move to the back, an adjustment: whatever the movement).

    Reads the floor totals (one query) only when the post took stock of a product that has a
    threshold off a floor; the quantity before is the one after plus what this post took.
    """
    taken: dict[int, dict[int, Decimal]] = {}
    thresholds: dict[int, dict[int, Decimal | None]] = {}
    for state, draft, *_ in planned:
        if state.low_stock_threshold is None:
            continue
        delta = Decimal(0)
        if draft.from_zone is not None and draft.from_zone.kind == ZoneKind.SALES_FLOOR:
            delta += draft.quantity
        if draft.to_zone is not None and draft.to_zone.kind == ZoneKind.SALES_FLOOR:
            delta -= draft.quantity
        by_product = taken.setdefault(state.location_id, {})
        by_product[state.product_id] = by_product.get(state.product_id, Decimal(0)) + delta
        thresholds.setdefault(state.location_id, {})[state.product_id] = state.low_stock_threshold
    wanted = [(loc, pid) for loc, products in taken.items() for pid, q in products.items() if q > 0]
    if not wanted:
        return
    rows = await conn.fetch(
        ledger_sql.FLOOR_TOTALS, [loc for loc, _ in wanted], [pid for _, pid in wanted]
    )
    before: dict[int, dict[int, Decimal]] = {}
    for row in rows:
        took = taken[row["location"]][row["product"]]
        before.setdefault(row["location"], {})[row["product"]] = row["quantity"] + took
    for location_id, floor_before in before.items():
        crossed = low_stock_crossings(floor_before, taken[location_id], thresholds[location_id])
        for product_id, after in crossed.items():
            threshold = thresholds[location_id][product_id]
            assert threshold is not None  # low_stock_crossings skips products without one
            uow.record(
                events.FloorStockLow(
                    location_id=location_id,
                    product_id=product_id,
                    floor_quantity=after,
                    threshold=threshold,
                )
            )


def _facts(draft: Draft, sequence: int, posting: Posting, occurred_at: datetime) -> dict:
    """What the hash covers (see ``domain.hashchain.CHAINED_FIELDS``)."""
    return {
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


async def _refuse_shortage(
    conn, state: PackageState, drafts: Sequence[Draft], zone_id: int, requested: Decimal
) -> None:
    available = await conn.fetchval(ledger_sql.AVAILABLE, state.id, zone_id)
    zone = next(
        d.from_zone
        for d in drafts
        if d.package_id == state.id and d.from_zone is not None and d.from_zone.id == zone_id
    )
    raise InsufficientStock(
        tag=state.tag,
        zone_id=zone_id,
        zone_name=zone.name,
        requested=requested,
        available=available or Decimal(0),
    )


def _check(state: PackageState, draft: Draft) -> None:
    for zone in (draft.from_zone, draft.to_zone):
        if zone is not None and zone.location_id != state.location_id:
            # Services resolve zones within the package's location; reaching here is a bug.
            raise AssertionError(f"zone {zone.id} is not at package {state.tag}'s location")
    to_kind = draft.to_zone.kind if draft.to_zone else None
    from_kind = draft.from_zone.kind if draft.from_zone else None
    refusal = movement_refusal(state, draft.kind, to_kind, from_kind)
    if refusal is not None:
        raise PackageNotSellable(tag=state.tag, reason=refusal)


def _record_events(uow: UnitOfWork, posted: Sequence[Posted], drafts: Sequence[Draft]) -> None:
    for movement, draft in zip(posted, drafts, strict=True):
        for zone in (draft.from_zone, draft.to_zone):
            if zone is None:
                continue
            uow.record(
                events.StockBalanceChanged(
                    location_id=zone.location_id,
                    zone_id=zone.id,
                    zone_kind=zone.kind,
                    package_id=movement.package_id,
                    product_id=movement.product_id,
                    movement_id=movement.id,
                    quantity=movement.balances[zone.id],
                )
            )
