"""Aging buckets, dead stock, expiring value and stock across licences, and who sees what."""

from __future__ import annotations

from datetime import timedelta

from domain import db
from domain.analytics import rollup
from domain.roles import Role
from tests.analytics.seed import Shop, days_ago, today
from tests.support.second_store import open_second_store
from tests.support.units import new_uow
from tests.support.world import add_product

AGING = """query($locs: [ID!], $dead: Int!) {
  stockAging(locationIds: $locs, deadAfterDays: $dead) {
    __typename
    ... on StockAgingReport { buckets { label packages value } deadValue
                              dead { productId quantity value } }
    ... on UserError { message } } }"""
EXPIRING = """query($locs: [ID!], $within: Int!) {
  expiringStock(locationIds: $locs, withinDays: $within) {
    __typename
    ... on ExpiringStockReport { expiredValue expiringValue
                                 lines { batchId expires quantity value } }
    ... on UserError { message } } }"""
ACROSS = """query($product: ID!, $locs: [ID!]) {
  stockAcrossLocations(productId: $product, locationIds: $locs) {
    __typename
    ... on StockAcrossLocations { locations { locationId quantity floorQuantity value }
                                  routes { fromLocationId toLocationId } }
    ... on LocationsNotGranted { locationIds }
    ... on UserError { message } } }"""
MARGINS = """query($locs: [ID!], $from: Date!, $to: Date!) {
  salesMargins(locationIds: $locs, from: $from, to: $to) {
    __typename ... on MarginReport { total { unitsSold } }
    ... on LocationsNotGranted { locationIds } ... on UserError { message } } }"""


async def test_on_hand_value_falls_into_aging_buckets_and_unsold_products_are_dead(api, world):
    shop = Shop(world.ca)
    admin = shop.admin
    fresh, fresh_batch = await add_product(admin, "AG-1")
    slow, slow_batch = await add_product(admin, "AG-2")
    # Received 10, 45, 75 and 120 days ago; 10 g each at 2, 3, 4 and 5 a gram.
    for age, cost, product, batch in (
        (10, "2", fresh, fresh_batch),
        (45, "3", fresh, fresh_batch),
        (75, "4", slow, slow_batch),
        (120, "5", slow, slow_batch),
    ):
        pkg = await shop.receive(product, batch, "10", days_ago(age), cost=cost, shipper=None)
        if product == fresh and age == 10:
            await shop.to_floor(pkg, "5", days_ago(9))
            await shop.sell(pkg, "1", "9.00", days_ago(5))
    await rollup.roll_up(new_uow, shop.loc)
    variables = {"locs": [str(shop.loc)], "dead": 60}
    answer = (await api(AGING, variables, token=world.ca.token(Role.MANAGER)))["data"]
    report = answer["stockAging"]
    buckets = {b["label"]: (b["packages"], b["value"]) for b in report["buckets"]}
    # The world's own package (10 g at the product's 5.50) was registered today.
    assert buckets == {
        "0-30": (2, "73.00"),  # 9 g at 2 on hand + the world's 55.00 package
        "31-60": (1, "30.00"),
        "61-90": (1, "40.00"),
        "90+": (1, "50.00"),
    }
    # AG-2 never sold and its oldest stock is 120 days old; AG-1 sold five days ago; the
    # world's product was received today, so it is not dead yet whatever it sold.
    assert report["dead"] == [{"productId": str(slow), "quantity": "20.000", "value": "90.00"}]
    assert report["deadValue"] == "90.00"


async def test_expiring_value_counts_batches_past_or_near_their_date(api, world):
    shop = Shop(world.ca)
    soon_product, soon = await add_product(shop.admin, "EX-1", expires_in_days=10)
    late_product, late = await add_product(shop.admin, "EX-2", expires_in_days=200)
    await shop.receive(soon_product, soon, "4", days_ago(3), cost="2.50", shipper=None)
    await shop.receive(late_product, late, "4", days_ago(3), cost="2.50", shipper=None)
    async with db.connection() as conn:
        past_product, past = await add_product(shop.admin, "EX-3")
        await conn.execute(
            "UPDATE batch SET expires_on = $2 WHERE id = $1", past, today() - timedelta(days=1)
        )
    await shop.receive(past_product, past, "2", days_ago(30), cost="1.00", shipper=None)
    variables = {"locs": [str(shop.loc)], "within": 30}
    report = (await api(EXPIRING, variables, token=world.ca.token(Role.MANAGER)))["data"][
        "expiringStock"
    ]
    assert report["expiringValue"] == "10.00"
    assert report["expiredValue"] == "2.00"
    assert [line["batchId"] for line in report["lines"]] == [str(past), str(soon)]


async def test_a_manager_granted_at_one_store_is_refused_the_other(api, world):
    """Choice: naming a store the caller holds no grant at refuses the whole question (a total
    silently missing a store would read as the chain's total); leaving locationIds out covers
    exactly the stores the caller holds."""
    oakland = await open_second_store(world)
    both = [str(world.ca.location_id), str(oakland.location_id)]
    window = {"from": days_ago(7).isoformat(), "to": today().isoformat()}
    manager = oakland.token(Role.MANAGER)
    refused = (await api(MARGINS, {**window, "locs": both}, token=manager))["data"]
    assert refused["salesMargins"]["__typename"] == "LocationsNotGranted"
    assert refused["salesMargins"]["locationIds"] == [world.ca.location_id]
    mine = (await api(MARGINS, {**window, "locs": None}, token=manager))["data"]
    assert mine["salesMargins"]["__typename"] == "MarginReport"
    across = await api(ACROSS, {"product": str(world.product_id), "locs": None}, token=manager)
    seen = across["data"]["stockAcrossLocations"]["locations"]
    assert [x["locationId"] for x in seen] == [str(oakland.location_id)]
    budtender = await api(MARGINS, {**window, "locs": None}, token=oakland.token(Role.BUDTENDER))
    assert budtender["data"]["salesMargins"]["__typename"] == "PermissionDenied"


async def test_stock_across_licences_shows_where_it_may_move(api, world):
    oakland = await open_second_store(world)
    shop = Shop(oakland)
    await shop.receive(world.product_id, world.batch_id, "3", days_ago(1), cost="5", shipper=None)
    answer = await api(
        ACROSS, {"product": str(world.product_id), "locs": None}, token=world.ca.token(Role.ADMIN)
    )
    found = answer["data"]["stockAcrossLocations"]
    assert found["locations"] == [
        {
            "locationId": str(world.ca.location_id),
            "quantity": "10.000",
            "floorQuantity": "0.000",
            "value": "55.00",
        },
        {
            "locationId": str(oakland.location_id),
            "quantity": "3.000",
            "floorQuantity": "0.000",
            "value": "15.00",
        },
    ]
    # Same operator, same state: either way. (The CO store is another operator's, and in
    # another state: the admin holds no grant there, and it could not receive it anyway.)
    assert sorted((r["fromLocationId"], r["toLocationId"]) for r in found["routes"]) == sorted(
        [
            (str(world.ca.location_id), str(oakland.location_id)),
            (str(oakland.location_id), str(world.ca.location_id)),
        ]
    )
