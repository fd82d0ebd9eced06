"""A package's life on one page: received, moved, counted, sold, adjusted, destroyed, reported
to the state, what the state shows now, and the auditor's roll-up.

Why it exists: an inspector picks a tag and asks to see everything that happened to it, and
whether the numbers close: received − sold − destroyed ± adjusted = on hand. The roll-up is
summed from the ledger (one aggregate over the package's movements) and compared with the
balances and with the state's last known quantity; any difference is named. Movements come a
keyset page at a time (oldest first), each with its sale receipt and its state reports, so a
package with a long life costs a handful of statements like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain import db
from domain.audit import history_sql as sql
from domain.errors import NotFound, PermissionDenied
from domain.identity.principal import Principal
from domain.inventory.model import MovementKind
from domain.inventory.queries import MAX_PAGE, PACKAGE_COLUMNS, MovementRow, PackageRow, Page
from domain.roles import Capability
from domain.rows import returned

ZERO = Decimal(0)
COUNTS_SHOWN = 100


@dataclass(frozen=True)
class HistoryMovement:
    """One movement with what documents it: the sale's receipt, the state reports it caused."""

    movement: MovementRow
    sale_id: int | None
    receipt: str | None
    register: str | None
    reports: tuple[StateReportOutcome, ...]

    @property
    def id(self) -> int:
        # The page's cursor is the chain's sequence.
        return self.movement.sequence


@dataclass(frozen=True)
class StateReportOutcome:
    id: int
    kind: str
    status: str
    external_id: str
    attempts: int
    last_error: str | None
    state_ids: tuple[str, ...]
    occurred_at: datetime
    sent_at: datetime | None
    outcome_unknown: bool


@dataclass(frozen=True)
class Receipt:
    """The package on an inbound manifest: who shipped it, what was expected and accepted."""

    shipment_id: int
    manifest_number: str
    shipper_name: str | None
    shipper_license: str | None
    vendor_name: str | None
    purchase_order: str | None
    item_name: str
    expected_quantity: Decimal
    unit: str
    decision: str | None
    accepted_quantity: Decimal | None
    measured_quantity: Decimal | None
    reason: str | None
    scanned_at: datetime | None
    scanned_by_id: int | None
    completed_at: datetime | None


@dataclass(frozen=True)
class CountRecord:
    session_id: int
    status: str
    zone_id: int | None
    counted_quantity: Decimal
    expected_quantity: Decimal | None
    variance: Decimal | None
    counted_at: datetime
    counter_id: int
    witness_id: int | None
    superseded: bool


@dataclass(frozen=True)
class DestructionRecord:
    id: int
    quantity: Decimal
    reason: str
    status: str
    method: str | None
    scheduled_at: datetime
    destroyed_at: datetime | None
    destroyed_by_id: int | None
    witness_ids: tuple[int, ...]
    waste_weight: Decimal | None
    movement_id: int | None


@dataclass(frozen=True)
class StatusChange:
    from_status: str
    to_status: str
    reason: str
    actor_id: int
    occurred_at: datetime


@dataclass(frozen=True)
class ReportCount:
    status: str
    reports: int


@dataclass(frozen=True)
class StateNow:
    """What the state system showed at the last reconciliation (None fields: never seen)."""

    quantity: Decimal | None
    unit: str | None
    status: str | None
    last_modified: datetime | None
    synced_at: datetime | None
    problem: str | None
    open_discrepancies: tuple[str, ...]


@dataclass(frozen=True)
class AdjustedBy:
    reason: str
    quantity: Decimal
    movements: int


@dataclass(frozen=True)
class RollUp:
    """received − sold − destroyed ± adjusted ± repackaged = on hand, and what does not close."""

    received: Decimal
    sold: Decimal
    destroyed: Decimal
    adjusted: Decimal
    repackaged: Decimal
    expected_on_hand: Decimal
    on_hand: Decimal
    state_quantity: Decimal | None
    adjusted_by_reason: tuple[AdjustedBy, ...]
    differences: tuple[str, ...]

    @property
    def closes(self) -> bool:
        return not self.differences


@dataclass(frozen=True)
class PackageHistory:
    package: PackageRow
    roll_up: RollUp
    received: tuple[Receipt, ...]
    movements: Page[HistoryMovement]
    counts: tuple[CountRecord, ...]
    destructions: tuple[DestructionRecord, ...]
    status_changes: tuple[StatusChange, ...]
    report_summary: tuple[ReportCount, ...]
    state_now: StateNow


def roll_up(
    nets: Sequence[tuple[MovementKind, str | None, Decimal, int]],
    on_hand: Decimal,
    state_quantity: Decimal | None,
) -> RollUp:
    """The roll-up from each (kind, reason)'s net quantity (pure): which kinds count as what."""
    by_kind: dict[MovementKind, Decimal] = {}
    reasons: dict[str, tuple[Decimal, int]] = {}
    for kind, reason, net, movements in nets:
        by_kind[kind] = by_kind.get(kind, ZERO) + net
        if kind == MovementKind.ADJUST:
            quantity, count = reasons.get(reason or "none", (ZERO, 0))
            reasons[reason or "none"] = (quantity + net, count + movements)
    received = by_kind.get(MovementKind.REGISTER, ZERO) + by_kind.get(MovementKind.RECEIVE, ZERO)
    # Sales leave; voids and returns put back what a sale took.
    sold = -sum(
        (by_kind.get(k, ZERO) for k in (MovementKind.SALE, MovementKind.VOID, MovementKind.RETURN)),
        ZERO,
    )
    destroyed = -by_kind.get(MovementKind.DESTROY, ZERO)
    adjusted = by_kind.get(MovementKind.ADJUST, ZERO)
    repackaged = by_kind.get(MovementKind.REPACK, ZERO)
    expected = received - sold - destroyed + adjusted + repackaged
    differences: list[str] = []
    # Transfers, holds for orders and their release only move stock between zones.
    moved_only = (MovementKind.TRANSFER, MovementKind.RESERVE, MovementKind.RELEASE)
    for kind in moved_only:
        if by_kind.get(kind, ZERO) != ZERO:
            differences.append(f"{kind} movements change the total by {by_kind[kind]}")
    if on_hand != expected:
        differences.append(
            f"the balances hold {on_hand} but the ledger adds up to {expected}"
            f" ({on_hand - expected:+})"
        )
    if state_quantity is not None and state_quantity != on_hand:
        differences.append(
            f"the state shows {state_quantity}, we hold {on_hand} ({state_quantity - on_hand:+})"
        )
    return RollUp(
        received=received,
        sold=sold,
        destroyed=destroyed,
        adjusted=adjusted,
        repackaged=repackaged,
        expected_on_hand=expected,
        on_hand=on_hand,
        state_quantity=state_quantity,
        adjusted_by_reason=tuple(AdjustedBy(r, q, n) for r, (q, n) in sorted(reasons.items())),
        differences=tuple(differences),
    )


async def _find(principal: Principal, tag: str, location_id: int | None) -> PackageRow:
    """The newest package with this tag at a location the caller may read (or at the one
    named). A tag anywhere else is not found, whether it exists or not."""
    readable = [
        loc
        for loc in principal.location_ids
        if principal.can(Capability.READ, loc) and location_id in (None, loc)
    ]
    async with db.connection() as conn:
        row = await conn.fetchrow(
            f"SELECT {PACKAGE_COLUMNS} FROM package p WHERE p.tag = $1"
            " AND p.location = ANY($2::int[]) ORDER BY p.id DESC LIMIT 1",
            tag.strip(),
            readable,
        )
    if row is None:
        raise NotFound("package", tag)
    return PackageRow.from_record(row)


async def package_history(
    principal: Principal,
    tag: str,
    *,
    location_id: int | None = None,
    first: int = 50,
    after: int | None = None,
    hidden_packages: frozenset[int] = frozenset(),
) -> PackageHistory:
    """The package's history, with a page of its movements after sequence ``after``.

    ``hidden_packages``: packages under a blind count the caller takes part in; their history
    would give the counted quantity away, so it is refused.
    """
    package = await _find(principal, tag, location_id)
    if package.id in hidden_packages:
        raise PermissionDenied("read this package's history", "you are counting it blind")
    limit = max(1, min(first, MAX_PAGE))
    loc, pid = package.location_id, package.id
    async with db.connection() as conn:
        nets = await conn.fetch(sql.ROLL_UP, pid)
        on_hand = returned(await conn.fetchval(sql.ON_HAND, pid), "on hand")
        rows = await conn.fetch(sql.MOVEMENTS, pid, after or 0, limit + 1)
        page_ids = [r["id"] for r in rows[:limit]]
        reports = await conn.fetch(sql.REPORTS, loc, page_ids) if page_ids else []
        summary = await conn.fetch(sql.REPORT_SUMMARY, loc, package.tag)
        receipts = await conn.fetch(sql.RECEIPTS, loc, package.tag)
        counts = await conn.fetch(sql.COUNTS, pid, COUNTS_SHOWN)
        destructions = await conn.fetch(sql.DESTRUCTIONS, pid)
        changes = await conn.fetch(sql.STATUS_CHANGES, pid)
        state = await conn.fetchrow(sql.STATE_NOW, loc, package.tag)
    state_now = _state_now(state)
    by_movement: dict[int, list[StateReportOutcome]] = {}
    for r in reports:
        outcome = _report(r)
        for movement_id in r["movements"]:
            by_movement.setdefault(movement_id, []).append(outcome)
    movements = [
        HistoryMovement(
            movement=MovementRow.from_record(_movement_part(r)),
            sale_id=r["sale_id"],
            receipt=r["pos_receipt_id"],
            register=r["register"],
            reports=tuple(by_movement.get(r["id"], ())),
        )
        for r in rows[:limit]
    ]
    return PackageHistory(
        package=package,
        roll_up=roll_up(
            [(MovementKind(n["kind"]), n["reason"], n["net"], n["movements"]) for n in nets],
            on_hand,
            state_now.quantity,
        ),
        received=tuple(_receipt(r) for r in receipts),
        movements=Page(movements, len(rows) > limit),
        counts=tuple(CountRecord(**r) for r in counts),
        destructions=tuple(_destruction(r) for r in destructions),
        status_changes=tuple(StatusChange(**r) for r in changes),
        report_summary=tuple(ReportCount(**r) for r in summary),
        state_now=state_now,
    )


_HISTORY_EXTRAS = ("pos_receipt_id", "register", "sale_id")


def _movement_part(r: Any) -> dict[str, Any]:
    return {k: v for k, v in dict(r).items() if k not in _HISTORY_EXTRAS}


def _report(r: Any) -> StateReportOutcome:
    return StateReportOutcome(
        id=r["id"],
        kind=r["kind"],
        status=r["status"],
        external_id=r["external_id"],
        attempts=r["attempts"],
        last_error=r["last_error"],
        state_ids=tuple(r["state_ids"] or ()),
        occurred_at=r["occurred_at"],
        sent_at=r["sent_at"],
        outcome_unknown=r["outcome_unknown"],
    )


def _receipt(r: Any) -> Receipt:
    return Receipt(
        shipment_id=r["shipment_id"],
        manifest_number=r["manifest_number"],
        shipper_name=r["shipper_name"],
        shipper_license=r["shipper_license"],
        vendor_name=r["vendor_name"],
        purchase_order=r["purchase_order"],
        item_name=r["item_name"],
        expected_quantity=r["shipped_quantity"],
        unit=r["unit"],
        decision=r["decision"],
        accepted_quantity=r["received_quantity"],
        measured_quantity=r["measured_quantity"],
        reason=r["reason"],
        scanned_at=r["scanned_at"],
        scanned_by_id=r["scanned_by"],
        completed_at=r["completed_at"],
    )


def _destruction(r: Any) -> DestructionRecord:
    return DestructionRecord(
        id=r["id"],
        quantity=r["quantity"],
        reason=r["reason"],
        status=r["status"],
        method=r["method"],
        scheduled_at=r["scheduled_at"],
        destroyed_at=r["destroyed_at"],
        destroyed_by_id=r["destroyed_by"],
        witness_ids=tuple(r["witnesses"] or ()),
        waste_weight=r["waste_weight"],
        movement_id=r["movement"],
    )


def _state_now(r: Any) -> StateNow:
    return StateNow(
        quantity=r["quantity"],
        unit=r["unit"],
        status=r["status"],
        last_modified=r["last_modified"],
        synced_at=r["synced_at"],
        problem=r["problem"],
        open_discrepancies=tuple(r["open_discrepancies"] or ()),
    )
