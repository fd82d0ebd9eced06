"""Live stock for floor displays: pushed within a second of the commit, on any API process."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable
from decimal import Decimal

import strawberry
from graphql import GraphQLError

from api.context import Info
from api.live.feeds import Feed
from api.loaders import Loaders
from api.locations.types import Zone
from api.packages.types import Package
from api.pagination import query_id
from domain.broadcast import Broadcaster, Delivery
from domain.events import StockBalanceChanged
from domain.inventory import queries as inventory
from domain.organisation import queries as organisation
from domain.organisation.model import ZoneKind


@strawberry.type(description="A package's quantity in a zone changed (fresh values, not deltas).")
class StockChange:
    movement_id: strawberry.ID
    quantity: Decimal = strawberry.field(description="The package's quantity in the zone now.")
    product_quantity: Decimal = strawberry.field(
        description="All of this product in zones of this kind at the location, now."
    )
    zone: Zone
    package: Package


STOCK = Feed(StockBalanceChanged)


# How stale a subscriber's blind-count scope may get (see domain.counts.queries).
BLIND_REFRESH_SECONDS = 2.0


async def _snapshot(
    delivery: Delivery, event: StockBalanceChanged
) -> tuple[Zone, Package, Decimal, Decimal]:
    """Fresh rows for an event, read once per process however many subscribers see it."""

    async def load() -> tuple[Zone, Package, Decimal, Decimal]:
        zone = (await organisation.zones_by_ids([event.zone_id]))[0]
        package = (await inventory.packages_by_ids([event.package_id]))[0]
        stock = await inventory.product_stock_in_zone(
            package_id=event.package_id,
            zone_id=event.zone_id,
            product_id=event.product_id,
            location_id=event.location_id,
            zone_kind=event.zone_kind,
        )
        return (
            Zone.from_domain(zone),
            Package.from_domain(package),
            stock.quantity,
            stock.product_quantity,
        )

    return await delivery.shared(("stock", event.movement_id, event.zone_id), load)


async def _change(delivery: Delivery, event: StockBalanceChanged) -> StockChange:
    """The event as every local subscriber sees it: built once per event per process."""

    async def build() -> StockChange:
        zone, package, quantity, product_quantity = await _snapshot(delivery, event)
        return StockChange(
            movement_id=strawberry.ID(str(event.movement_id)),
            quantity=quantity,
            product_quantity=product_quantity,
            zone=zone,
            package=package,
        )

    return await delivery.shared("change", build)


def _loaders(delivery: Delivery) -> Loaders:
    loaders = delivery.memo.get(Loaders)
    if loaders is None:
        loaders = delivery.memo[Loaders] = Loaders()
    return loaders


async def _changes(
    info: Info, location_id: int, keep: Callable[[StockBalanceChanged], bool]
) -> AsyncGenerator[StockChange, None]:
    broadcaster: Broadcaster = info.context.broadcaster
    blind_read_at = float("-inf")
    async with broadcaster.listen(location_id) as queue:
        while True:
            delivery, event = await STOCK.next(queue)
            if not keep(event):
                continue
            # Re-read now and then: a count the subscriber joins or finishes changes what they
            # may see (once per event would be a query per event per display).
            if time.monotonic() - blind_read_at > BLIND_REFRESH_SECONDS:
                info.context.blind, blind_read_at = None, time.monotonic()
            if (await info.context.blind_scope()).hides(event.package_id, event.zone_id):
                continue
            change = await _change(delivery, event)
            # Every subscriber of this event in this process resolves nested fields (product,
            # batch, balances) through the same loaders: one query per entity per event, not
            # per display, and no per-display loader objects for the collector to chase.
            info.context.loaders = _loaders(delivery)
            yield change


@strawberry.type
class LiveSubscriptions:
    @strawberry.subscription(description="Sales-floor stock changes at a location.")
    async def floor_stock_changed(
        self, info: Info, location_id: strawberry.ID
    ) -> AsyncGenerator[StockChange, None]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        async for change in _changes(info, loc, lambda e: e.zone_kind == ZoneKind.SALES_FLOOR):
            yield change

    @strawberry.subscription(description="Any stock change in one zone.")
    async def stock_changed(
        self, info: Info, zone_id: strawberry.ID
    ) -> AsyncGenerator[StockChange, None]:
        zone = query_id(zone_id, "zone")
        row = await info.context.loaders.zone.load(zone)
        if row is None:
            raise GraphQLError("zone not found", extensions={"code": "NOT_FOUND"})
        await info.context.reader(row.location_id)
        async for change in _changes(info, row.location_id, lambda e: e.zone_id == zone):
            yield change
