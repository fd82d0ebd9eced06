"""The side doors of a blind count: a refusal, the state-report outbox and the low-stock feed
tell the counter nothing about the quantity they count, and tell everyone else as before."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

from domain.catalog import services as catalog
from domain.inventory import stock
from domain.inventory.model import AdjustmentReason
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.counts.test_blind_api import BOOKS, START, _ok
from tests.sales.helpers import floor_package
from tests.support.units import new_uow, publishing
from tests.support.world import add_product

MOVE = """mutation($input: TransferStockInput!) { transferStock(input: $input) {
  __typename ... on InsufficientStock { available requested message } } }"""
REPORTS = """query($loc: ID!, $tag: String!) { stateReports(locationId: $loc, tag: $tag) {
  nodes { tags payloadJson } } }"""


async def _count_the_floor(api, world, token: str) -> None:
    loc, floor = str(world.ca.location_id), str(world.ca.zone(ZoneKind.SALES_FLOOR))
    await _ok(api, START, {"input": {"locationId": loc, "zoneIds": [floor]}}, token)


async def test_moving_too_much_out_of_a_counted_zone_does_not_say_how_much_is_there(api, world):
    tag, _ = await floor_package(world, BOOKS)
    counter = world.ca.token(Role.INVENTORY_LEAD)
    await _count_the_floor(api, world, counter)
    move = {
        "locationId": str(world.ca.location_id),
        "tag": tag,
        "fromZoneId": str(world.ca.zone(ZoneKind.SALES_FLOOR)),
        "toZoneId": str(world.ca.zone(ZoneKind.VAULT)),
        "quantity": "100",
    }

    refused = (await _ok(api, MOVE, {"input": move}, counter))["transferStock"]
    assert refused["__typename"] == "InsufficientStock"
    assert refused["available"] is None
    assert BOOKS not in json.dumps(refused)
    assert "less than 100" in refused["message"]

    # The manager, who takes no part in the count, is told as always.
    told = (await _ok(api, MOVE, {"input": move}, world.ca.token(Role.MANAGER)))["transferStock"]
    assert Decimal(told["available"]) == Decimal(BOOKS)


async def test_the_counter_reads_no_state_report_of_a_counted_package(api, world):
    tag, _ = await floor_package(world, BOOKS)
    await stock.adjust_stock(
        new_uow(),
        world.as_(Role.MANAGER),
        stock.AdjustStock(
            world.ca.location_id,
            tag,
            world.ca.zone(ZoneKind.SALES_FLOOR),
            Decimal(-1),
            AdjustmentReason.DAMAGE,
            note="dropped",
        ),
    )
    counter = world.ca.token(Role.INVENTORY_LEAD)
    manager = world.ca.token(Role.MANAGER)
    asked = {"loc": str(world.ca.location_id), "tag": tag}
    before = (await _ok(api, REPORTS, asked, counter))["stateReports"]["nodes"]
    assert before
    assert all(r["payloadJson"] for r in before)  # not counting yet: all there

    await _count_the_floor(api, world, counter)
    during = (await _ok(api, REPORTS, asked, counter))["stateReports"]["nodes"]
    assert [r["payloadJson"] for r in during] == [None] * len(before)
    others = (await _ok(api, REPORTS, asked, manager))["stateReports"]["nodes"]
    assert [r["payloadJson"] for r in others] == [r["payloadJson"] for r in before]


LOW = """subscription($loc: ID!) { lowStock(locationId: $loc) { productId floorQuantity } }"""


async def test_the_low_stock_feed_stays_quiet_about_a_product_being_counted(clean_db, api, world):
    from api.app import create_app
    from api.context import Context
    from api.schema import schema
    from domain import settings

    lead = world.as_(Role.INVENTORY_LEAD)
    product, batch = await add_product(lead, "LOW-BLIND")
    await catalog.update_product(
        new_uow(),
        world.as_(Role.MANAGER),
        catalog.UpdateProduct(product, {"low_stock_threshold": Decimal("10")}),
    )
    tag, _ = await floor_package(world, "12", product=(product, batch))
    counter = world.ca.token(Role.INVENTORY_LEAD)
    floor, vault = world.ca.zone(ZoneKind.SALES_FLOOR), world.ca.zone(ZoneKind.VAULT)

    async def move(from_zone: int, to_zone: int) -> None:
        moved = stock.TransferStock(world.ca.location_id, tag, from_zone, to_zone, Decimal("3"))
        await stock.transfer_stock(new_uow(), world.as_(Role.MANAGER), moved)

    app = create_app(settings.load())
    graphql = app.graphql
    await graphql.broadcaster.start()
    seen: dict[str, list[dict]] = {"counter": [], "manager": []}

    async def heard(n: int) -> None:
        for _ in range(100):
            if len(seen["manager"]) >= n:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # time enough for the counter's screen to hear it too

    try:
        with publishing(graphql.broadcaster.publish):
            tasks = []
            for who, token in (("counter", counter), ("manager", world.ca.token(Role.MANAGER))):
                context = Context(
                    codec=graphql.codec,
                    token=token,
                    broadcaster=graphql.broadcaster,
                    units=graphql.units,
                )
                feed = await schema.subscribe(
                    LOW, variable_values={"loc": str(world.ca.location_id)}, context_value=context
                )

                async def screen(feed=feed, who=who) -> None:
                    async for update in feed:  # type: ignore[union-attr]
                        seen[who].append(update.data["lowStock"])

                tasks.append(asyncio.ensure_future(screen()))
            await asyncio.sleep(0.5)  # both are listening
            await move(floor, vault)  # 12 -> 9: low, and nobody is counting yet
            await heard(1)
            await move(vault, floor)  # back to 12
            await _count_the_floor(api, world, counter)
            await asyncio.sleep(2.5)  # the screens re-read who counts what every 2 seconds
            await move(floor, vault)  # 12 -> 9 again, during the count
            await heard(2)
            for task in tasks:
                task.cancel()
    finally:
        await graphql.broadcaster.stop()
    low = {"productId": str(product), "floorQuantity": "9.000"}
    assert seen["manager"] == [low, low]
    assert seen["counter"] == [low]  # before the count only


RESOLVE = """mutation($input: ResolveDiscrepancyInput!) { resolveDiscrepancy(input: $input) {
  __typename ... on DiscrepancyPayload {
    discrepancy { tag status ourQuantity stateQuantity } } } }"""


async def test_a_witness_resolving_a_counted_packages_discrepancy_is_not_told_its_quantities(
    api, world
):
    from domain import db
    from tests.counts.test_blind_api import WITNESS
    from tests.support.world import PASSWORD

    tag, _ = await floor_package(world, BOOKS)
    loc, floor = str(world.ca.location_id), str(world.ca.zone(ZoneKind.SALES_FLOOR))
    counter = world.ca.token(Role.BUDTENDER)
    started = await _ok(api, START, {"input": {"locationId": loc, "zoneIds": [floor]}}, counter)
    session_id = started["startCount"]["session"]["id"]
    manager = world.as_(Role.MANAGER)
    witness = {"sessionId": session_id, "email": manager.email, "secret": PASSWORD}
    await _ok(api, WITNESS, {"input": witness}, counter)
    async with db.connection() as conn:
        discrepancy_id = await conn.fetchval(
            "INSERT INTO discrepancy (location, tag, kind, our_quantity, state_quantity,"
            " difference, first_seen_run, last_seen_run, first_seen_at, last_seen_at, status)"
            " VALUES ($1, $2, 'quantity', $3, 9, 1, 0, 0, now(), now(), 'open') RETURNING id",
            world.ca.location_id,
            tag,
            Decimal(BOOKS),
        )

    resolve = {"discrepancyId": str(discrepancy_id), "resolution": "explain", "note": "seen"}
    answer = await _ok(api, RESOLVE, {"input": resolve}, world.ca.token(Role.MANAGER))

    resolved = answer["resolveDiscrepancy"]
    assert resolved["__typename"] == "DiscrepancyPayload"
    assert resolved["discrepancy"]["tag"] == tag
    assert resolved["discrepancy"]["ourQuantity"] is None
    assert resolved["discrepancy"]["stateQuantity"] is None
    assert BOOKS not in json.dumps(answer)
