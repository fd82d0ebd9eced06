"""Seeding a store's past for ordering tests: hand-written days, or the demo's simulation,
written as a ledger by the demo's own bulk writer (hash chains and balances as ``ledger.post``
keeps them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from domain import db
from domain.demo.history import Event, History, Lot, Stocked
from domain.demo.history_copy import HistoryStore, ProductFacts, write
from domain.organisation.model import ZoneKind
from domain.quantities import Unit
from domain.roles import Role
from tests.support.world import Store, add_product

FACILITY = "FF0100077"


async def local_today(location_id: int) -> date:
    async with db.connection() as conn:
        return await conn.fetchval(
            "SELECT (now() AT TIME ZONE timezone)::date FROM location WHERE id = $1", location_id
        )


def history_store(store: Store, first_tag: int = 1) -> HistoryStore:
    return HistoryStore(
        location_id=store.location_id,
        timezone="America/Los_Angeles",
        vault_zone=store.zone(ZoneKind.VAULT),
        floor_zone=store.zone(ZoneKind.SALES_FLOOR),
        facility_code=FACILITY,
        receiver_id=store.users[Role.MANAGER].user_id,
        seller_id=store.users[Role.BUDTENDER].user_id,
        first_tag=first_tag,
    )


async def product(store: Store, sku: str, **options) -> int:
    product_id, _ = await add_product(store.users[Role.ADMIN], sku, unit=Unit.EACH, **options)
    return product_id


def facts(product_ids: Sequence[int]) -> dict[int, ProductFacts]:
    return {
        pid: ProductFacts("each", Decimal("12.00"), Decimal("5.5000"), {}, "T")
        for pid in product_ids
    }


def steady_days(
    first: date,
    days: int,
    per_day: int,
    empty: Sequence[int],
    delivered: int = 200,
    shelf_life: int = 365,
) -> History:
    """One product: a delivery on day 0, the floor topped up to 10 each morning and
    ``per_day`` sold, except around the days in ``empty``: the day before, a rush sells the whole
    floor (it closes empty), and on the day itself nothing reaches the floor and nothing sells."""
    history = History(first, days)
    history.lots.append(
        Lot(0, 0, 0, first - timedelta(days=5), first + timedelta(days=shelf_life - 5), delivered)
    )
    history.events.append(Event(0, "receive", 0, delivered))
    floor = 0
    for d in range(days):
        if d in empty:
            continue
        if floor < 10:
            history.events.append(Event(d, "transfer", 0, 10 - floor))
            floor = 10
        sold = floor if d + 1 in empty else per_day
        history.events.append(Event(d, "sale", 0, sold))
        floor -= sold
    return history


async def seed(
    store: Store, stocked: Sequence[Stocked], history: History, first_tag: int = 1
) -> None:
    async with db.transaction(), db.connection() as conn:
        await write(
            conn,
            history_store(store, first_tag),
            stocked,
            facts([s.product_id for s in stocked]),
            history,
            first_tag,
        )
