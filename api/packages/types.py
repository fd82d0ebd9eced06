"""Package, balance and movement types."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.auth.types import User
from api.catalog.types import Batch, Product
from api.context import Info
from api.enums import AdjustmentReason, MovementKind, PackageStatus, Unit
from api.locations.types import Location, Zone
from api.pagination import Connection, connection, decode_cursor
from domain.inventory import audit, queries


@strawberry.type(description="How much of a package sits in one zone.")
class Balance:
    quantity: Decimal
    zone_id: strawberry.Private[int]

    @strawberry.field
    async def zone(self, info: Info) -> Zone:
        return Zone.from_domain(await info.context.loaders.zone.one(self.zone_id))


@strawberry.type(description="One change of stock in the append-only, hash-chained ledger.")
class Movement:
    id: strawberry.ID
    sequence: int = strawberry.field(description="Position in the package's hash chain.")
    kind: MovementKind
    quantity: Decimal
    reason: AdjustmentReason | None
    note: str | None
    occurred_at: datetime
    recorded_at: datetime
    source_document: str | None
    idempotency_key: str | None
    previous_hash: str
    hash: str
    package_id: strawberry.Private[int]
    from_zone_id: strawberry.Private[int | None]
    to_zone_id: strawberry.Private[int | None]
    actor_id: strawberry.Private[int]
    witness_id: strawberry.Private[int | None]

    @strawberry.field
    async def package(self, info: Info) -> Package:
        return Package.from_domain(await info.context.loaders.package.one(self.package_id))

    @strawberry.field
    async def from_zone(self, info: Info) -> Zone | None:
        if self.from_zone_id is None:
            return None
        return Zone.from_domain(await info.context.loaders.zone.one(self.from_zone_id))

    @strawberry.field
    async def to_zone(self, info: Info) -> Zone | None:
        if self.to_zone_id is None:
            return None
        return Zone.from_domain(await info.context.loaders.zone.one(self.to_zone_id))

    @strawberry.field
    async def actor(self, info: Info) -> User:
        return User.from_domain(await info.context.loaders.user.one(self.actor_id))

    @strawberry.field
    async def witness(self, info: Info) -> User | None:
        if self.witness_id is None:
            return None
        return User.from_domain(await info.context.loaders.user.one(self.witness_id))

    @classmethod
    def from_domain(cls, row: queries.MovementRow) -> Movement:
        return cls(
            id=strawberry.ID(str(row.id)),
            sequence=row.sequence,
            kind=row.kind,
            quantity=row.quantity,
            reason=row.reason,
            note=row.note,
            occurred_at=row.occurred_at,
            recorded_at=row.recorded_at,
            source_document=row.source_document,
            idempotency_key=row.idempotency_key,
            previous_hash=row.previous_hash,
            hash=row.hash,
            package_id=row.package_id,
            from_zone_id=row.from_zone_id,
            to_zone_id=row.to_zone_id,
            actor_id=row.actor_id,
            witness_id=row.witness_id,
        )


@strawberry.type(description="The outcome of re-computing a package's hash chain.")
class ChainCheck:
    intact: bool
    movements: int
    broken_at_sequence: int | None
    reason: str | None


async def _visible_balances(info: Info, package_id: int) -> list[queries.BalanceRow]:
    """The package's balances, less those under a blind count the caller takes part in."""
    rows = await info.context.loaders.balances.load(package_id)
    blind = await info.context.blind_scope()
    return [r for r in rows if not blind.hides(package_id, r.zone_id)] if blind else rows


async def visible_movements(info: Info, page: queries.Page) -> queries.Page:
    """A page of movements, less those that would tell a blind counter their zone's numbers."""
    blind = await info.context.blind_scope()
    if not blind:
        return page
    kept = [
        r
        for r in page.rows
        if not (
            blind.hides(r.package_id, r.from_zone_id) or blind.hides(r.package_id, r.to_zone_id)
        )
    ]
    return queries.Page(kept, page.has_next)


@strawberry.type(description="A state-tagged package of one product from one batch.")
class Package:
    id: strawberry.ID
    tag: str
    unit: Unit
    status: PackageStatus
    status_reason: str | None
    unit_cost: Decimal | None
    last_counted_at: datetime | None
    created_at: datetime
    location_id: strawberry.Private[int]
    product_id: strawberry.Private[int]
    batch_id: strawberry.Private[int | None]

    @strawberry.field
    async def product(self, info: Info) -> Product:
        return Product.from_domain(await info.context.loaders.product.one(self.product_id))

    @strawberry.field
    async def batch(self, info: Info) -> Batch | None:
        if self.batch_id is None:
            return None
        return Batch.from_domain(await info.context.loaders.batch.one(self.batch_id))

    @strawberry.field
    async def location(self, info: Info) -> Location:
        return Location.from_domain(await info.context.loaders.location.one(self.location_id))

    @strawberry.field(description="Non-empty balances, zone by zone.")
    async def balances(self, info: Info) -> list[Balance]:
        rows = await _visible_balances(info, int(self.id))
        return [Balance(quantity=r.quantity, zone_id=r.zone_id) for r in rows]

    @strawberry.field(description="Total on hand across every zone.")
    async def quantity(self, info: Info) -> Decimal:
        rows = await _visible_balances(info, int(self.id))
        return sum((r.quantity for r in rows), Decimal(0))

    @strawberry.field(description="The package's ledger, newest first.")
    async def movements(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> Connection[Movement]:
        page = await queries.movements_page(
            queries.MovementFilter(location_id=self.location_id, package_id=int(self.id)),
            first,
            decode_cursor(after),
        )
        return connection(await visible_movements(info, page), Movement.from_domain)

    @strawberry.field(description="Re-compute the hash chain: false means the ledger was altered.")
    async def chain_check(self) -> ChainCheck:
        chain = await audit.package_chain(int(self.id))
        broken = chain.broken
        return ChainCheck(
            intact=broken is None,
            movements=chain.movements,
            broken_at_sequence=broken.sequence if broken else None,
            reason=broken.reason if broken else None,
        )

    @classmethod
    def from_domain(cls, row: queries.PackageRow) -> Package:
        return cls(
            id=strawberry.ID(str(row.id)),
            tag=row.tag,
            unit=row.unit,
            status=row.status,
            status_reason=row.status_reason,
            unit_cost=row.unit_cost,
            last_counted_at=row.last_counted_at,
            created_at=row.created_at,
            location_id=row.location_id,
            product_id=row.product_id,
            batch_id=row.batch_id,
        )
