"""A package's history on one page, as GraphQL types."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.audit.types import user_or_none
from api.auth.types import User
from api.context import Info
from api.locations.types import Zone
from api.packages.types import Movement, Package
from api.pagination import Connection, connection
from domain.audit import history


@strawberry.type(description="A state report and what became of it.")
class StateReportOutcome:
    id: strawberry.ID
    kind: str
    status: str
    external_id: str
    attempts: int
    last_error: str | None
    state_ids: list[str]
    occurred_at: datetime
    sent_at: datetime | None
    outcome_unknown: bool

    @classmethod
    def from_domain(cls, r: history.StateReportOutcome) -> StateReportOutcome:
        return cls(
            id=strawberry.ID(str(r.id)),
            kind=r.kind,
            status=r.status,
            external_id=r.external_id,
            attempts=r.attempts,
            last_error=r.last_error,
            state_ids=list(r.state_ids),
            occurred_at=r.occurred_at,
            sent_at=r.sent_at,
            outcome_unknown=r.outcome_unknown,
        )


@strawberry.type(description="One movement, its sale receipt and the state reports it caused.")
class HistoryEntry:
    movement: Movement
    sale_id: strawberry.ID | None
    receipt: str | None = strawberry.field(description="The POS receipt of a sale, void, return.")
    register: str | None
    reports: list[StateReportOutcome]

    @classmethod
    def from_domain(cls, h: history.HistoryMovement) -> HistoryEntry:
        return cls(
            movement=Movement.from_domain(h.movement),
            sale_id=None if h.sale_id is None else strawberry.ID(str(h.sale_id)),
            receipt=h.receipt,
            register=h.register,
            reports=[StateReportOutcome.from_domain(r) for r in h.reports],
        )


@strawberry.type(description="The package on an inbound manifest.")
class PackageReceipt:
    shipment_id: strawberry.ID
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
    completed_at: datetime | None
    scanned_by_id: strawberry.Private[int | None]

    @strawberry.field
    async def scanned_by(self, info: Info) -> User | None:
        return await user_or_none(info, self.scanned_by_id)

    @classmethod
    def from_domain(cls, r: history.Receipt) -> PackageReceipt:
        values = {k: v for k, v in r.__dict__.items() if k != "shipment_id"}
        return cls(shipment_id=strawberry.ID(str(r.shipment_id)), **values)


@strawberry.type(description="One count line of the package.")
class PackageCount:
    session_id: strawberry.ID
    status: str
    counted_quantity: Decimal
    expected_quantity: Decimal | None
    variance: Decimal | None
    counted_at: datetime
    superseded: bool
    zone_id: strawberry.Private[int | None]
    counter_id: strawberry.Private[int]
    witness_id: strawberry.Private[int | None]

    @strawberry.field
    async def zone(self, info: Info) -> Zone | None:
        if self.zone_id is None:
            return None
        return Zone.from_domain(await info.context.loaders.zone.one(self.zone_id))

    @strawberry.field
    async def counter(self, info: Info) -> User | None:
        return await user_or_none(info, self.counter_id)

    @strawberry.field
    async def witness(self, info: Info) -> User | None:
        return await user_or_none(info, self.witness_id)

    @classmethod
    def from_domain(cls, r: history.CountRecord) -> PackageCount:
        values = {k: v for k, v in r.__dict__.items() if k != "session_id"}
        return cls(session_id=strawberry.ID(str(r.session_id)), **values)


@strawberry.type(description="A destruction of (part of) the package and its witnesses.")
class PackageDestruction:
    id: strawberry.ID
    quantity: Decimal
    reason: str
    status: str
    method: str | None
    scheduled_at: datetime
    destroyed_at: datetime | None
    waste_weight: Decimal | None
    destroyed_by_id: strawberry.Private[int | None]
    witness_ids: strawberry.Private[tuple[int, ...]]

    @strawberry.field
    async def destroyed_by(self, info: Info) -> User | None:
        return await user_or_none(info, self.destroyed_by_id)

    @strawberry.field
    async def witnesses(self, info: Info) -> list[User]:
        rows = await info.context.loaders.user.load_many(list(self.witness_ids))
        return [User.from_domain(r) for r in rows if r is not None]

    @classmethod
    def from_domain(cls, r: history.DestructionRecord) -> PackageDestruction:
        return cls(
            id=strawberry.ID(str(r.id)),
            quantity=r.quantity,
            reason=r.reason,
            status=r.status,
            method=r.method,
            scheduled_at=r.scheduled_at,
            destroyed_at=r.destroyed_at,
            waste_weight=r.waste_weight,
            destroyed_by_id=r.destroyed_by_id,
            witness_ids=r.witness_ids,
        )


@strawberry.type(description="A hold, release or recall of the package.")
class PackageStatusEvent:
    from_status: str
    to_status: str
    reason: str
    occurred_at: datetime
    actor_id: strawberry.Private[int]

    @strawberry.field
    async def actor(self, info: Info) -> User | None:
        return await user_or_none(info, self.actor_id)


@strawberry.type
class ReportCount:
    status: str
    reports: int


@strawberry.type(description="What the state showed at the last reconciliation.")
class StateNow:
    quantity: Decimal | None
    unit: str | None
    status: str | None
    last_modified: datetime | None
    synced_at: datetime | None
    problem: str | None
    open_discrepancies: list[str]


@strawberry.type
class AdjustedByReason:
    reason: str
    quantity: Decimal
    movements: int


@strawberry.type(
    description="received − sold − destroyed ± adjusted ± repackaged = on hand; what does not"
    " close is named in differences."
)
class PackageRollUp:
    received: Decimal
    sold: Decimal
    destroyed: Decimal
    adjusted: Decimal
    repackaged: Decimal
    expected_on_hand: Decimal
    on_hand: Decimal
    state_quantity: Decimal | None
    adjusted_by_reason: list[AdjustedByReason]
    differences: list[str]
    closes: bool

    @classmethod
    def from_domain(cls, r: history.RollUp) -> PackageRollUp:
        return cls(
            received=r.received,
            sold=r.sold,
            destroyed=r.destroyed,
            adjusted=r.adjusted,
            repackaged=r.repackaged,
            expected_on_hand=r.expected_on_hand,
            on_hand=r.on_hand,
            state_quantity=r.state_quantity,
            adjusted_by_reason=[
                AdjustedByReason(reason=a.reason, quantity=a.quantity, movements=a.movements)
                for a in r.adjusted_by_reason
            ],
            differences=list(r.differences),
            closes=r.closes,
        )


@strawberry.type(description="A package's life on one page.")
class PackageHistory:
    package: Package
    roll_up: PackageRollUp
    received: list[PackageReceipt]
    movements: Connection[HistoryEntry] = strawberry.field(
        description="Oldest first, a page at a time (packageHistory's first/after)."
    )
    counts: list[PackageCount] = strawberry.field(description="The latest 100 count lines.")
    destructions: list[PackageDestruction]
    status_changes: list[PackageStatusEvent]
    report_summary: list[ReportCount] = strawberry.field(
        description="Every state report naming the package, by status."
    )
    state_now: StateNow

    @classmethod
    def from_domain(cls, h: history.PackageHistory) -> PackageHistory:
        s = h.state_now
        return cls(
            package=Package.from_domain(h.package),
            roll_up=PackageRollUp.from_domain(h.roll_up),
            received=[PackageReceipt.from_domain(r) for r in h.received],
            movements=connection(h.movements, HistoryEntry.from_domain),
            counts=[PackageCount.from_domain(c) for c in h.counts],
            destructions=[PackageDestruction.from_domain(d) for d in h.destructions],
            status_changes=[PackageStatusEvent(**c.__dict__) for c in h.status_changes],
            report_summary=[
                ReportCount(status=r.status, reports=r.reports) for r in h.report_summary
            ],
            state_now=StateNow(
                quantity=s.quantity,
                unit=s.unit,
                status=s.status,
                last_modified=s.last_modified,
                synced_at=s.synced_at,
                problem=s.problem,
                open_discrepancies=list(s.open_discrepancies),
            ),
        )
