"""Margins, turnover, GMROI, sell-through and shrink through GraphQL, against figures the test
works out itself from what it sold, received and wrote off (never by calling the analytics)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain import db
from domain.analytics import rollup
from domain.catalog.model import Category
from domain.inventory.model import AdjustmentReason as Why
from domain.roles import Role
from domain.shrinkage.report import KNOWN_CAUSES
from tests.analytics.seed import Books, Shop, days_ago, today
from tests.support.units import new_uow
from tests.support.world import add_product

CENT = Decimal("0.01")
SUNNY = ("C11-0000100-LIC", "Sunny Farms")
COAST = ("C11-0000200-LIC", "Coast Labs")

MARGINS = """query($locs: [ID!], $from: Date!, $to: Date!, $by: MarginDimension!) {
  salesMargins(locationIds: $locs, from: $from, to: $to, by: $by, first: 50) {
    __typename
    ... on MarginReport { lineCount
      total { unitsSold grossSales discounts netRevenue costOfGoodsSold grossMargin marginRate }
      lines { key label margin { unitsSold grossSales discounts netRevenue costOfGoodsSold
                                 grossMargin } } }
    ... on UserError { message } } }"""
TURNOVER = """query($locs: [ID!], $from: Date!, $to: Date!) {
  inventoryTurnover(locationIds: $locs, from: $from, to: $to) {
    __typename
    ... on TurnoverReport { days
      total { netRevenue costOfGoodsSold grossMargin averageInventoryValue turnover daysOnHand
              gmroi }
      byCategory { key figures { costOfGoodsSold averageInventoryValue } } }
    ... on UserError { message } } }"""
SELL_THROUGH = """query($locs: [ID!], $from: Date!, $to: Date!) {
  sellThrough(locationIds: $locs, from: $from, to: $to) {
    __typename
    ... on SellThroughReport { lines { batchId received sold sellThrough } }
    ... on UserError { message } } }"""
SHRINK = """query($locs: [ID!], $from: Date!, $to: Date!) {
  shrinkageRate(locationIds: $locs, from: $from, to: $to) {
    __typename
    ... on ShrinkageRateReport { lines { locationId lossValue knownLossValue unknownLossValue
                                         costOfGoodsSold rateOfCostOfSales } }
    ... on UserError { message } } }"""


async def trading(world) -> tuple[Shop, dict[str, int]]:
    """Forty days of a CA store: two vendors' flower and vapes, found stock, sales with
    discounts, a return, write-offs."""
    shop = Shop(world.ca)
    admin = shop.admin
    flower, flower_batch = await add_product(admin, "AN-FL-1")
    vape, vape_batch = await add_product(admin, "AN-VA-1", category=Category.VAPE)
    _, found_batch = await add_product(admin, "AN-FL-2")
    async with db.connection() as conn:
        await conn.execute("UPDATE product SET brand = 'Acme' WHERE id = $1", flower)
        await conn.execute("UPDATE product SET brand = 'Volt' WHERE id = $1", vape)
        # The found batch is another lot of the same flower.
        await conn.execute("UPDATE batch SET product = $1 WHERE id = $2", flower, found_batch)
    start = days_ago(40)
    a = await shop.receive(flower, flower_batch, "100", start, cost="4.0000", shipper=SUNNY)
    b = await shop.receive(vape, vape_batch, "50", start, cost="10.0000", shipper=COAST)
    c = await shop.receive(
        flower, found_batch, "20", start + timedelta(days=5), cost=None, shipper=None
    )  # costed at the product's 5.50
    for pkg, qty in ((a, "60"), (b, "30"), (c, "20")):
        await shop.to_floor(pkg, qty, start + timedelta(days=5))
    for n in range(6, 40, 3):
        day = start + timedelta(days=n)
        await shop.sell(a, "3.5", "12.00", day, discount="1.50" if n % 2 else "0")
        await shop.sell(b, "1", "30.00", day)
        if n % 9 == 0:
            await shop.sell(c, "2", "11.00", day, discount="2.00")
    returned = await shop.sell(b, "2", "30.00", days_ago(3), discount="6.00")
    await shop.take_back(returned, b, "1", days_ago(2))
    await shop.write_off(a, "2", days_ago(10), Why.THEFT)
    await shop.write_off(b, "1", days_ago(8), Why.SAMPLE)
    assert await rollup.roll_up(new_uow, shop.loc) > 0
    return shop, {"flower": flower, "vape": vape, "a": a.batch_id, "c": c.batch_id}


def expected_margins(books: Books, key) -> dict[str, dict[str, Decimal]]:
    lines: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for _day, pkg, qty, price, off in books.sales:
        line = lines[key(pkg)]
        line["units"] += qty
        line["gross"] += qty * price
        line["discounts"] += off
        line["cogs"] += qty * pkg.cost
    return lines


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


async def test_margins_by_product_brand_and_vendor_equal_the_receipts(api, world):
    shop, ids = await trading(world)
    token = world.ca.token(Role.MANAGER)
    base = {"locs": [str(shop.loc)], "from": days_ago(40).isoformat(), "to": today().isoformat()}
    brands = {ids["flower"]: "Acme", ids["vape"]: "Volt"}
    for by, key in (
        ("PRODUCT", lambda p: str(p.product_id)),
        ("BRAND", lambda p: brands[p.product_id]),
        ("VENDOR", lambda p: p.vendor),
        ("CATEGORY", lambda p: "flower" if p.product_id == ids["flower"] else "vape"),
    ):
        answer = (await api(MARGINS, {**base, "by": by}, token=token))["data"]["salesMargins"]
        assert answer["__typename"] == "MarginReport", answer
        expected = expected_margins(shop.books, key)
        got = {line["key"]: line["margin"] for line in answer["lines"]}
        assert set(got) == set(expected), by
        for k, e in expected.items():
            net = e["gross"] - e["discounts"]
            assert got[k] == {
                "unitsSold": str(e["units"].quantize(Decimal("0.001"))),
                "grossSales": money(e["gross"]),
                "discounts": money(e["discounts"]),
                "netRevenue": money(net),
                "costOfGoodsSold": money(e["cogs"]),
                "grossMargin": money(net - e["cogs"]),
            }, (by, k)
    answer = (await api(MARGINS, {**base, "by": "VENDOR"}, token=token))["data"]["salesMargins"]
    labels = {line["key"]: line["label"] for line in answer["lines"]}
    assert labels[SUNNY[0]] == "Sunny Farms"
    assert labels[COAST[0]] == "Coast Labs"
    assert labels[""] == "(not received from a vendor)"


async def test_turnover_days_on_hand_and_gmroi_equal_the_books(api, world):
    shop, _ = await trading(world)
    first, last = days_ago(30), today()
    days = (last - first).days + 1
    closing = Decimal(0)
    value_days = Decimal(0)
    by_day: dict[date, Decimal] = defaultdict(Decimal)
    for day, pkg, qty in shop.books.flows:
        by_day[day] += qty * pkg.cost
    by_day[last] += 10 * Decimal("5.50")  # the world's own package, registered today
    day = min(by_day)
    while day <= last:
        closing += by_day.get(day, Decimal(0))
        if day >= first:
            value_days += closing
        day += timedelta(days=1)
    average = value_days / days
    sold = [s for s in shop.books.sales if first <= s[0] <= last]
    cogs = sum((qty * pkg.cost for _, pkg, qty, _, _ in sold), Decimal(0))
    net = sum((qty * price - off for _, _, qty, price, off in sold), Decimal(0))
    variables = {"locs": [str(shop.loc)], "from": first.isoformat(), "to": last.isoformat()}
    token = world.ca.token(Role.MANAGER)
    answer = (await api(TURNOVER, variables, token=token))["data"]["inventoryTurnover"]
    assert answer["__typename"] == "TurnoverReport", answer
    assert answer["days"] == days
    assert answer["total"] == {
        "netRevenue": money(net),
        "costOfGoodsSold": money(cogs),
        "grossMargin": money(net - cogs),
        "averageInventoryValue": money(average),
        "turnover": str((cogs / average).quantize(Decimal("0.0001"))),
        "daysOnHand": str((average * days / cogs).quantize(Decimal("0.1"))),
        "gmroi": str(((net - cogs) / average).quantize(Decimal("0.0001"))),
    }
    assert {c["key"] for c in answer["byCategory"]} == {"flower", "vape"}


async def test_sell_through_is_sold_over_received_per_batch(api, world):
    shop, ids = await trading(world)
    variables = {
        "locs": [str(shop.loc)],
        "from": days_ago(40).isoformat(),
        "to": today().isoformat(),
    }
    token = world.ca.token(Role.MANAGER)
    lines = (await api(SELL_THROUGH, variables, token=token))["data"]["sellThrough"]["lines"]
    by_batch = {line["batchId"]: line for line in lines}
    # Batch a: 100 g received; 12 sales of 3.5 g.
    assert by_batch[str(ids["a"])] == {
        "batchId": str(ids["a"]),
        "received": "100.000",
        "sold": "42.000",
        "sellThrough": "0.4200",
    }
    # The found lot: 20 g registered, 2 g sold on the 4 sale days that fall on a ninth day.
    sold_c = sum(qty for _, pkg, qty, _, _ in shop.books.sales if pkg.batch_id == ids["c"])
    assert by_batch[str(ids["c"])]["sellThrough"] == str((sold_c / 20).quantize(Decimal("0.0001")))


async def test_shrink_is_write_offs_at_cost_against_cost_of_goods_sold(api, world):
    shop, _ = await trading(world)
    first, last = days_ago(40), today()
    loss = sum((qty * pkg.cost for _, pkg, qty, _ in shop.books.losses), Decimal(0))
    known = sum(
        (qty * pkg.cost for _, pkg, qty, why in shop.books.losses if why in KNOWN_CAUSES),
        Decimal(0),
    )
    cogs = sum((qty * pkg.cost for _, pkg, qty, _, _ in shop.books.sales), Decimal(0))
    variables = {"locs": [str(shop.loc)], "from": first.isoformat(), "to": last.isoformat()}
    answer = (await api(SHRINK, variables, token=world.ca.token(Role.AUDITOR)))["data"]
    here, everywhere = answer["shrinkageRate"]["lines"]
    assert here["locationId"] == str(shop.loc)
    assert everywhere["locationId"] is None
    assert here["lossValue"] == money(loss) == "18.00"  # 2 g at 4.00 and one vape at 10.00
    assert here["knownLossValue"] == money(known) == "10.00"
    assert here["unknownLossValue"] == "8.00"
    assert here["costOfGoodsSold"] == money(cogs)
    assert here["rateOfCostOfSales"] == str((loss / cogs).quantize(Decimal("0.0001")))


@pytest.mark.parametrize("role", [Role.BUDTENDER, Role.INVENTORY_LEAD, Role.COMPLIANCE])
async def test_floor_staff_and_compliance_do_not_read_margins(api, world, role):
    variables = {
        "locs": [str(world.ca.location_id)],
        "from": days_ago(7).isoformat(),
        "to": today().isoformat(),
        "by": "PRODUCT",
    }
    answer = (await api(MARGINS, variables, token=world.ca.token(role)))["data"]
    assert answer["salesMargins"]["__typename"] == "LocationsNotGranted"
