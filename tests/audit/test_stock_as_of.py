"""What did you hold on the 1st? Stock rebuilt from the ledger at a past instant equals the
stock an independent replay of the same moves gives, and nothing after the instant counts."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain import db
from domain.audit import as_of
from domain.inventory import stock
from domain.inventory.model import AdjustmentReason
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.rows import returned
from tests.support.units import new_uow
from tests.support.world import add_package

T2 = "1A4FF0100000022000000201"
T3 = "1A4FF0100000022000000202"
AS_OF = """query($loc: ID!, $at: DateTime!, $first: Int!, $after: String) {
  stockAsOf(locationId: $loc, at: $at, first: $first, after: $after) {
    at costValue
    totals { unit packageCount quantity costValue }
    lines { edges { node { tag quantity unitCost costValue zone { kind } } }
            pageInfo { hasNextPage endCursor } } } }"""


class Replay:
    """The test's own books: every move it makes, with when it made it."""

    def __init__(self) -> None:
        self.moves: list[tuple[datetime, str, int | None, int | None, Decimal]] = []

    def held_at(self, at: datetime) -> dict[tuple[str, int], Decimal]:
        held: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        for when, tag, source, target, quantity in self.moves:
            if when <= at:
                if source is not None:
                    held[(tag, source)] -= quantity
                if target is not None:
                    held[(tag, target)] += quantity
        return {k: v for k, v in held.items() if v}


async def _occurred(tag: str) -> datetime:
    async with db.connection() as conn:
        return returned(
            await conn.fetchval(
                "SELECT max(m.occurred_at) FROM movement m JOIN package p ON p.id = m.package"
                " WHERE p.tag = $1",
                tag,
            )
        )


async def _transfer(world, books: Replay, tag: str, source: ZoneKind, target: ZoneKind, q: str):
    zones = world.ca.zone(source), world.ca.zone(target)
    await stock.transfer_stock(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        stock.TransferStock(world.ca.location_id, tag, *zones, Decimal(q)),
    )
    books.moves.append((await _occurred(tag), tag, *zones, Decimal(q)))


async def _adjust(world, books: Replay, tag: str, zone: ZoneKind, q: str):
    await stock.adjust_stock(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        stock.AdjustStock(
            world.ca.location_id, tag, world.ca.zone(zone), Decimal(q), AdjustmentReason.DAMAGE
        ),
    )
    signed = Decimal(q)
    source, target = (world.ca.zone(zone), None) if signed < 0 else (None, world.ca.zone(zone))
    books.moves.append((await _occurred(tag), tag, source, target, abs(signed)))


async def _history(world) -> tuple[Replay, datetime]:
    """Two packages moved and written off before the instant; more moves and a new package
    after it."""
    books = Replay()
    vault = world.ca.zone(ZoneKind.VAULT)
    books.moves.append((await _occurred(world.tag), world.tag, None, vault, Decimal(10)))
    await add_package(
        world.as_(Role.ADMIN),
        world.ca.location_id,
        T2,
        world.product_id,
        world.batch_id,
        {vault: Decimal(20)},
    )
    books.moves.append((await _occurred(T2), T2, None, vault, Decimal(20)))
    async with db.connection() as conn:  # this package was bought dearer than its product
        await conn.execute("UPDATE package SET unit_cost = 7.25 WHERE tag = $1", T2)
    await _transfer(world, books, world.tag, ZoneKind.VAULT, ZoneKind.SALES_FLOOR, "3")
    await _adjust(world, books, T2, ZoneKind.VAULT, "-2")
    await _transfer(world, books, T2, ZoneKind.VAULT, ZoneKind.SALES_FLOOR, "5")
    at = datetime.now(UTC)
    await _transfer(world, books, world.tag, ZoneKind.SALES_FLOOR, ZoneKind.VAULT, "1")
    await _adjust(world, books, world.tag, ZoneKind.SALES_FLOOR, "-2")
    await _transfer(world, books, T2, ZoneKind.SALES_FLOOR, ZoneKind.VAULT, "5")
    await add_package(
        world.as_(Role.ADMIN),
        world.ca.location_id,
        T3,
        world.product_id,
        world.batch_id,
        {vault: Decimal(4)},
    )
    books.moves.append((await _occurred(T3), T3, None, vault, Decimal(4)))
    assert all(when > at for when, *_ in books.moves[-4:])
    return books, at


async def test_stock_as_of_an_instant_equals_the_replayed_moves_up_to_it(world):
    books, at = await _history(world)
    auditor = world.ca.users[Role.AUDITOR]

    found = await as_of.stock_as_of(auditor, world.ca.location_id, at, 100, None)

    got = {(line.tag, line.zone_id): line.quantity for line in found.lines.rows}
    assert got == books.held_at(at)
    assert got == {
        (world.tag, world.ca.zone(ZoneKind.VAULT)): Decimal(7),
        (world.tag, world.ca.zone(ZoneKind.SALES_FLOOR)): Decimal(3),
        (T2, world.ca.zone(ZoneKind.VAULT)): Decimal(13),
        (T2, world.ca.zone(ZoneKind.SALES_FLOOR)): Decimal(5),
    }
    [grams] = found.totals
    assert (grams.package_count, grams.quantity) == (2, Decimal(28))
    # 10 g at the product's 5.50, 18 g at the package's own 7.25.
    assert grams.cost_value == Decimal("185.5") == found.cost_value
    # Now is just the balances (T3 included, moves after the instant counted).
    now = await as_of.stock_as_of(auditor, world.ca.location_id, datetime.now(UTC), 100, None)
    assert {(r.tag, r.zone_id): r.quantity for r in now.lines.rows} == books.held_at(
        datetime.now(UTC)
    )


async def test_an_auditor_pages_through_the_lines_and_sees_only_their_store(api, world):
    books, at = await _history(world)
    token = world.ca.token(Role.AUDITOR)
    seen: dict[tuple[str, str], Decimal] = {}
    after, pages = None, 0
    while True:
        variables = {"loc": str(world.ca.location_id), "at": at.isoformat(), "first": 1}
        result = (await api(AS_OF, {**variables, "after": after}, token=token))["data"]
        connection = result["stockAsOf"]["lines"]
        for edge in connection["edges"]:
            node = edge["node"]
            seen[(node["tag"], node["zone"]["kind"])] = Decimal(node["quantity"])
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    kinds = {world.ca.zone(k): k.name for k in ZoneKind if k in world.ca.zones}
    assert seen == {(tag, kinds[zone]): q for (tag, zone), q in books.held_at(at).items()}
    assert pages == 4
    assert result["stockAsOf"]["costValue"] == "185.50"

    before_anything = {
        "loc": str(world.ca.location_id),
        "at": (at - timedelta(days=365)).isoformat(),
        "first": 10,
    }
    empty = (await api(AS_OF, before_anything, token=token))["data"]["stockAsOf"]
    assert empty["lines"]["edges"] == []
    assert empty["totals"] == []
    elsewhere = await api(AS_OF, {**before_anything, "loc": str(world.co.location_id)}, token=token)
    assert elsewhere["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_zones_under_a_blind_count_leave_lines_and_totals(world):
    """A counter counting the floor blind learns nothing of the floor, past or present."""
    books, at = await _history(world)
    floor = world.ca.zone(ZoneKind.SALES_FLOOR)
    found = await as_of.stock_as_of(
        world.ca.users[Role.AUDITOR], world.ca.location_id, at, 100, None, hidden_zones={floor}
    )
    expected = {k: v for k, v in books.held_at(at).items() if k[1] != floor}
    assert {(r.tag, r.zone_id): r.quantity for r in found.lines.rows} == expected
    [grams] = found.totals
    assert grams.quantity == sum(expected.values()) == Decimal(20)
