"""Count session and count line types. Expected quantities stay null while a count is blind."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.auth.types import User
from api.context import Info
from api.locations.types import Zone
from api.packages.types import Package
from domain.counts.queries import CountLineRow, CountSessionRow
from domain.identity.principal import Principal
from domain.roles import Capability


def expected_visible(row: CountSessionRow, viewer: Principal | None) -> bool:
    """Whether ``viewer`` may see the books' side of this count now.

    Not while the count is blind and open (or waiting for its recount), except to someone who
    may approve counts and takes no part in this one; never to its counter, recounter or witness.
    """
    if not row.hides_expected:
        return True
    return (
        viewer is not None
        and not row.takes_part(viewer.user_id)
        and viewer.can(Capability.APPROVE_COUNT, row.location_id)
    )


async def _user(info: Info, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    return User.from_domain(await info.context.loaders.user.one(user_id))


@strawberry.type(description="One scan: a tag counted in a zone, at a time, by whom.")
class CountLine:
    id: strawberry.ID
    line_key: str
    round: int = strawberry.field(description="1 for the first count, 2+ for recounts.")
    tag: str
    counted_quantity: Decimal
    unit: str
    counted_at: datetime
    received_at: datetime
    finding: str | None = strawberry.field(
        description="wrong_zone, other_location, unknown_tag or not_in_spot_list: a tag the"
        " count should not have found there (recorded, not refused)."
    )
    conflict: bool = strawberry.field(
        description="Stock moved between two scans of this package: recount it."
    )
    requires_recount: bool
    superseded: bool = strawberry.field(description="A later scan or recount replaced this one.")
    expected_at_start: Decimal | None = strawberry.field(
        description="Null while the count is blind (until it is submitted)."
    )
    netted_quantity: Decimal | None = strawberry.field(
        description="Movements in or out of the zone between the start and this scan."
    )
    expected_quantity: Decimal | None
    variance: Decimal | None
    variance_value: Decimal | None
    package_id: strawberry.Private[int | None]
    zone_id: strawberry.Private[int | None]
    counter_id: strawberry.Private[int]
    witness_id: strawberry.Private[int | None]

    @strawberry.field
    async def package(self, info: Info) -> Package | None:
        if self.package_id is None:
            return None
        return Package.from_domain(await info.context.loaders.package.one(self.package_id))

    @strawberry.field
    async def zone(self, info: Info) -> Zone | None:
        if self.zone_id is None:
            return None
        return Zone.from_domain(await info.context.loaders.zone.one(self.zone_id))

    @strawberry.field
    async def counter(self, info: Info) -> User:
        user = await _user(info, self.counter_id)
        assert user is not None
        return user

    @strawberry.field
    async def witness(self, info: Info) -> User | None:
        return await _user(info, self.witness_id)

    @classmethod
    def from_domain(cls, row: CountLineRow, visible: bool) -> CountLine:
        def shown(value: Decimal | None) -> Decimal | None:
            return value if visible else None

        return cls(
            id=strawberry.ID(str(row.id)),
            line_key=row.line_key,
            round=row.round,
            tag=row.tag,
            counted_quantity=row.counted_quantity,
            unit=row.unit,
            counted_at=row.counted_at,
            received_at=row.received_at,
            finding=row.finding,
            conflict=row.conflict,
            requires_recount=row.requires_recount,
            superseded=row.superseded,
            expected_at_start=shown(row.expected_at_start),
            netted_quantity=shown(row.netted_quantity),
            expected_quantity=shown(row.expected_quantity),
            variance=shown(row.variance),
            variance_value=shown(row.variance_value),
            package_id=row.package_id,
            zone_id=row.zone_id,
            counter_id=row.counter_id,
            witness_id=row.witness_id,
        )


@strawberry.type(description="A cycle count of zones or of a spot list, blind by default.")
class CountSession:
    id: strawberry.ID
    kind: str = strawberry.field(description="zones or spot.")
    status: str = strawberry.field(
        description="open, submitted, recount_required, approved, rejected or expired."
    )
    blind: bool
    round: int
    started_at: datetime
    expires_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    decision_note: str | None
    expected_visible: bool = strawberry.field(
        description="False while you may not see the books' quantities of this count."
    )
    variance_units: Decimal | None = strawberry.field(
        description="Total variance in the packages' own units (null while blind)."
    )
    variance_grams: Decimal | None
    variance_value: Decimal | None = strawberry.field(description="At cost.")
    row: strawberry.Private[CountSessionRow]

    @strawberry.field
    async def zones(self, info: Info) -> list[Zone]:
        return [Zone.from_domain(await info.context.loaders.zone.one(z)) for z in self.row.zones]

    @strawberry.field
    async def counter(self, info: Info) -> User:
        user = await _user(info, self.row.counter_id)
        assert user is not None
        return user

    @strawberry.field
    async def witness(self, info: Info) -> User | None:
        return await _user(info, self.row.witness_id)

    @strawberry.field
    async def recounter(self, info: Info) -> User | None:
        return await _user(info, self.row.recounter_id)

    @strawberry.field
    async def decided_by(self, info: Info) -> User | None:
        return await _user(info, self.row.decided_by_id)

    @strawberry.field(description="Every scan, in the order received.")
    async def lines(self) -> list[CountLine]:
        from domain.counts import queries

        return [
            CountLine.from_domain(line, self.expected_visible)
            for line in await queries.lines(self.row.id)
        ]

    @strawberry.field(
        description="Packages the books held in the counted scope that no line scanned (listed"
        " at submission; empty while blind)."
    )
    async def unscanned_packages(self, info: Info) -> list[Package]:
        if not self.expected_visible:
            return []
        rows = await info.context.loaders.package.load_many(self.row.unscanned_packages)
        return [Package.from_domain(r) for r in rows if r is not None]

    @classmethod
    def from_domain(cls, row: CountSessionRow, viewer: Principal | None) -> CountSession:
        visible = expected_visible(row, viewer)
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            status=row.status,
            blind=row.blind,
            round=row.round,
            started_at=row.started_at,
            expires_at=row.expires_at,
            submitted_at=row.submitted_at,
            decided_at=row.decided_at,
            decision_note=row.decision_note,
            expected_visible=visible,
            variance_units=row.variance_units if visible else None,
            variance_grams=row.variance_grams if visible else None,
            variance_value=row.variance_value if visible else None,
            row=row,
        )
