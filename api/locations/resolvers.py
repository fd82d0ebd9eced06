"""Location and zone queries and administration mutations."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from api.context import Info
from api.enums import ZoneKind
from api.errors import CommonError
from api.locations.types import FefoPolicy, Location, Zone
from api.mutation import mutate
from api.pagination import parse_id, query_id
from domain.organisation import services
from domain.service import Outcome


@strawberry.input
class CreateLocationInput:
    name: str
    license_number: str
    state: str = strawberry.field(description="Two-letter state code, e.g. CA.")
    timezone: str = strawberry.field(description="IANA time zone, e.g. America/Los_Angeles.")
    state_system: str = strawberry.field(description="metrc, biotrack, ccrs or none.")
    with_default_zones: bool = True
    idempotency_key: str | None = None


@strawberry.input(description="Only the fields you send are changed; licence and state are fixed.")
class UpdateLocationInput:
    id: strawberry.ID
    name: str | None = None
    timezone: str | None = None
    state_system: str | None = None
    fefo_policy: FefoPolicy | None = None
    reserve_from_vault: bool | None = None
    reservation_hold_minutes: int | None = strawberry.field(
        default=None, description="How long a reservation holds stock: 1 minute to 7 days."
    )
    receiving_tolerance_pct: Decimal | None = strawberry.field(
        default=None, description="0 to 100, at most 2 decimal places."
    )
    receiving_requires_signoff: bool | None = None
    idempotency_key: str | None = None


@strawberry.input
class CreateZoneInput:
    location_id: strawberry.ID
    name: str
    kind: ZoneKind
    idempotency_key: str | None = None


@strawberry.input
class UpdateZoneInput:
    zone_id: strawberry.ID
    name: str | None = None
    active: bool | None = None
    idempotency_key: str | None = None


@strawberry.type
class LocationPayload:
    location: Location
    replayed: bool


@strawberry.type
class ZonePayload:
    zone: Zone
    replayed: bool


LocationResult = Annotated[LocationPayload | CommonError, strawberry.union("LocationResult")]
ZoneResult = Annotated[ZonePayload | CommonError, strawberry.union("ZoneResult")]


@strawberry.type
class LocationQueries:
    @strawberry.field(description="Locations you hold a grant at.")
    async def locations(self, info: Info) -> list[Location]:
        principal = await info.context.principal()
        if principal is None:
            return []
        rows = await info.context.loaders.location.load_many(principal.location_ids)
        return [Location.from_domain(r) for r in rows if r is not None]

    @strawberry.field
    async def location(self, info: Info, id: strawberry.ID) -> Location:
        location_id = query_id(id, "location")
        await info.context.reader(location_id)
        return Location.from_domain(await info.context.loaders.location.one(location_id))

    @strawberry.field
    async def zones(self, info: Info, location_id: strawberry.ID) -> list[Zone]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        return [Zone.from_domain(r) for r in await info.context.loaders.zones_of_location.load(loc)]


async def _location_payload(info: Info, outcome: Outcome) -> LocationPayload:
    info.context.refresh()
    row = await info.context.loaders.location.one(outcome.value.location_id)
    return LocationPayload(location=Location.from_domain(row), replayed=outcome.replayed)


async def _zone_payload(info: Info, outcome: Outcome) -> ZonePayload:
    info.context.refresh()
    row = await info.context.loaders.zone.one(outcome.value.zone_id)
    return ZonePayload(zone=Zone.from_domain(row), replayed=outcome.replayed)


@strawberry.type
class LocationMutations:
    @strawberry.mutation(description="Open a licence (operator admins only).")
    async def create_location(self, info: Info, input: CreateLocationInput) -> LocationResult:
        return await mutate(
            info,
            services.create_location,
            lambda: services.CreateLocation(
                name=input.name,
                license_number=input.license_number,
                state=input.state,
                timezone=input.timezone,
                state_system=input.state_system,
                with_default_zones=input.with_default_zones,
                idempotency_key=input.idempotency_key,
            ),
            lambda o: _location_payload(info, o),
        )

    @strawberry.mutation
    async def update_location(self, info: Info, input: UpdateLocationInput) -> LocationResult:
        return await mutate(
            info,
            services.update_location,
            lambda: services.UpdateLocation(
                location_id=parse_id(input.id, "location"),
                name=input.name,
                timezone=input.timezone,
                state_system=input.state_system,
                fefo_policy=input.fefo_policy,
                reserve_from_vault=input.reserve_from_vault,
                reservation_hold_minutes=input.reservation_hold_minutes,
                receiving_tolerance_pct=input.receiving_tolerance_pct,
                receiving_requires_signoff=input.receiving_requires_signoff,
                idempotency_key=input.idempotency_key,
            ),
            lambda o: _location_payload(info, o),
        )

    @strawberry.mutation
    async def create_zone(self, info: Info, input: CreateZoneInput) -> ZoneResult:
        return await mutate(
            info,
            services.create_zone,
            lambda: services.CreateZone(
                location_id=parse_id(input.location_id, "location"),
                name=input.name,
                kind=input.kind,
                idempotency_key=input.idempotency_key,
            ),
            lambda o: _zone_payload(info, o),
        )

    @strawberry.mutation(description="Rename or (de)activate a zone.")
    async def update_zone(self, info: Info, input: UpdateZoneInput) -> ZoneResult:
        return await mutate(
            info,
            services.update_zone,
            lambda: services.UpdateZone(
                zone_id=parse_id(input.zone_id, "zone"),
                name=input.name,
                active=input.active,
                idempotency_key=input.idempotency_key,
            ),
            lambda o: _zone_payload(info, o),
        )
