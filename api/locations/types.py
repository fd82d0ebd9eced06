"""Location and zone types."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry

from api.context import Info
from api.enums import ZoneKind
from domain.organisation.model import is_sellable
from domain.organisation.queries import LocationRow, ZoneRow
from domain.sales import model as sales

# The domain enum itself, registered with strawberry (see api/enums.py).
FefoPolicy = sales.FefoPolicy
strawberry.enum(
    FefoPolicy,
    description="Whether a sale of a later-expiring lot while an earlier one is on the floor is"
    " only warned about or refused.",
)


@strawberry.type(description="Stock of one unit held in a zone.")
class ZoneTotal:
    unit: str
    package_count: int
    quantity: Decimal


@strawberry.type(description="A room or area stock is kept in: vault, sales floor, reserved...")
class Zone:
    id: strawberry.ID
    name: str
    kind: ZoneKind
    active: bool
    location_id: strawberry.Private[int]

    @strawberry.field(description="Whether registers may sell from this zone.")
    def sellable(self) -> bool:
        return is_sellable(self.kind)

    @strawberry.field
    async def location(self, info: Info) -> Location:
        return Location.from_domain(await info.context.loaders.location.one(self.location_id))

    @strawberry.field(description="Packages and quantity held here, per unit.")
    async def totals(self, info: Info) -> list[ZoneTotal]:
        if int(self.id) in (await info.context.blind_scope()).zones:
            return []  # under a blind count the caller takes part in
        rows = await info.context.loaders.zone_totals.load(int(self.id))
        return [
            ZoneTotal(unit=str(r.unit), package_count=r.package_count, quantity=r.quantity)
            for r in rows
        ]

    @classmethod
    def from_domain(cls, row: ZoneRow) -> Zone:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            kind=row.kind,
            active=row.active,
            location_id=row.location_id,
        )


@strawberry.type(description="One licence: the unit the state regulates and audits.")
class Location:
    id: strawberry.ID
    name: str
    license_number: str
    state: str
    timezone: str
    state_system: str
    fefo_policy: FefoPolicy = strawberry.field(
        description="WARN or REFUSE when a later-expiring lot is sold first"
    )
    reserve_from_vault: bool
    reservation_hold_minutes: int
    receiving_tolerance_pct: Decimal
    receiving_requires_signoff: bool
    created_at: datetime

    @strawberry.field
    async def zones(self, info: Info) -> list[Zone]:
        rows = await info.context.loaders.zones_of_location.load(int(self.id))
        return [Zone.from_domain(r) for r in rows]

    @classmethod
    def from_domain(cls, row: LocationRow) -> Location:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            license_number=row.license_number,
            state=row.state,
            timezone=row.timezone,
            state_system=row.state_system,
            fefo_policy=row.fefo_policy,
            reserve_from_vault=row.reserve_from_vault,
            reservation_hold_minutes=row.reservation_hold_minutes,
            receiving_tolerance_pct=row.receiving_tolerance_pct,
            receiving_requires_signoff=row.receiving_requires_signoff,
            created_at=row.created_at,
        )


ZoneRef = Annotated["Zone", strawberry.lazy("api.locations.types")]
