"""Seeding a store's history for the diversion tests: movements posted through the ledger at
chosen local times, door events and shifts through the services."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.diversion import access
from domain.identity.principal import Principal
from domain.inventory import ledger, lookup
from domain.inventory.model import AdjustmentReason, MovementKind
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.units import new_uow
from tests.support.world import World, add_package

LA = ZoneInfo("America/Los_Angeles")


def monday(weeks_ago: int) -> date:
    today = datetime.now(LA).date()
    return today - timedelta(days=today.weekday() + 7 * weeks_ago)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LA)


class History:
    """One CA package with plenty of stock in the vault and on the floor."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.loc = world.ca.location_id
        self.package_id = 0
        self._n = 0

    async def stock(self, grams: int = 5000) -> History:
        store = self.world.ca
        self.package_id = await add_package(
            store.users[Role.ADMIN],
            self.loc,
            "1A4FF0100000022000077777",
            self.world.product_id,
            self.world.batch_id,
            {
                store.zone(ZoneKind.VAULT): Decimal(grams),
                store.zone(ZoneKind.SALES_FLOOR): Decimal(grams),
            },
        )
        return self

    async def post(
        self,
        who: Role,
        kind: MovementKind,
        when: datetime,
        quantity: str = "1",
        *,
        source: ZoneKind | None = None,
        to: ZoneKind | None = None,
        reason: AdjustmentReason | None = None,
        document: str | None = None,
    ) -> int:
        store = self.world.ca
        ids = [store.zone(k) for k in (source, to) if k is not None]
        zones = await lookup.zones(self.loc, ids)
        self._n += 1
        async with new_uow() as uow:
            [posted] = await ledger.post(
                uow,
                [
                    ledger.Draft(
                        self.package_id,
                        kind,
                        Decimal(quantity),
                        zones[store.zone(source)] if source else None,
                        zones[store.zone(to)] if to else None,
                        reason,
                        "seeded"
                        if reason in (AdjustmentReason.OTHER, AdjustmentReason.THEFT)
                        else None,
                    )
                ],
                ledger.Posting(
                    actor_id=store.users[who].user_id,
                    occurred_at=when,
                    source_document=document,
                    report=False,
                ),
            )
        return posted.id

    def user(self, who: Role) -> Principal:
        return self.world.ca.users[who]


async def doors(
    world: World, *events: tuple[str, datetime, str, str, str], source: str = "lobby"
) -> access.AccessEventsSaved:
    outcome = await access.record_access_events(
        new_uow(),
        world.as_(Role.MANAGER),
        access.RecordAccessEvents(
            world.ca.location_id,
            source,
            [access.AccessEventInput(*e) for e in events],
        ),
    )
    return outcome.value


async def badge(world: World, code: str, who: Role) -> None:
    await access.assign_badge(
        new_uow(),
        world.as_(Role.MANAGER),
        access.AssignBadge(world.ca.location_id, code, world.as_(who).user_id),
    )


async def shift(world: World, who: Role, start: datetime, hours: int = 9) -> None:
    await access.schedule_shift(
        new_uow(),
        world.as_(Role.MANAGER),
        access.ScheduleShift(
            world.ca.location_id, world.as_(who).user_id, start, start + timedelta(hours=hours)
        ),
    )
