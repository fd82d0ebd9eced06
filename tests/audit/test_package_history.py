"""A tag's life on one page: the manifest it came on, every movement with its receipt, witness
and state reports, what the state shows, and a roll-up that closes or names what does not."""

from __future__ import annotations

from decimal import Decimal

from domain import db
from domain.audit.history import roll_up
from domain.inventory import stock
from domain.inventory.model import AdjustmentReason, MovementKind
from domain.organisation.model import ZoneKind
from domain.receiving import completion
from domain.roles import Role
from tests.receiving.test_receiving import SHORT, _manifest, _open, _scan_all
from tests.support.units import new_uow
from tests.support.world import OTHER_TAG

HISTORY = """query($tag: String!, $first: Int!, $after: String) {
  packageHistory(tag: $tag, first: $first, after: $after) {
    package { tag }
    received { manifestNumber shipperName shipperLicense expectedQuantity acceptedQuantity
               decision reason scannedBy { name } }
    movements {
      edges { node { receipt register
        movement { sequence kind quantity reason witness { name } fromZone { kind }
                   toZone { kind } }
        reports { kind status externalId } } }
      pageInfo { hasNextPage endCursor } }
    reportSummary { status reports }
    stateNow { quantity status openDiscrepancies }
    rollUp { received sold destroyed adjusted repackaged expectedOnHand onHand stateQuantity
             adjustedByReason { reason quantity movements } differences closes } } }"""
SELL = """mutation($input: RecordSaleInput!) { recordSale(input: $input) { __typename } }"""


async def _life(world, metrc, api) -> None:
    """Received short (95 of 100 g), 10 g restocked to the floor, 3.5 g sold on receipt H-1,
    1 g written off as damaged with the manager as witness."""
    session_id = await _open(world, await _manifest(world, metrc))
    await _scan_all(world, session_id)
    lead = world.as_(Role.INVENTORY_LEAD)
    await completion.complete_receiving(new_uow(), lead, completion.CompleteReceiving(session_id))
    floor, vault = world.ca.zone(ZoneKind.SALES_FLOOR), world.ca.zone(ZoneKind.VAULT)
    await stock.transfer_stock(
        new_uow(),
        lead,
        stock.TransferStock(world.ca.location_id, SHORT, vault, floor, Decimal(10)),
    )
    sale = {
        "locationId": str(world.ca.location_id),
        "register": "R1",
        "posReceiptId": "H-1",
        "customerType": "ADULT_USE",
        "customerKey": "id-hash-1",
        "lines": [{"tag": SHORT, "quantity": "3.5", "unitPrice": "9.50"}],
    }
    sold = await api(SELL, {"input": sale}, token=world.ca.token(Role.BUDTENDER))
    assert sold["data"]["recordSale"]["__typename"] == "SalePayload"
    await stock.adjust_stock(
        new_uow(),
        lead,
        stock.AdjustStock(
            world.ca.location_id,
            SHORT,
            floor,
            Decimal(-1),
            AdjustmentReason.DAMAGE,
            note="jar dropped",
            witness_id=world.ca.users[Role.MANAGER].user_id,
        ),
    )


async def _history(api, world, role: Role = Role.AUDITOR, **page) -> dict:
    variables = {"tag": SHORT, "first": 50, "after": None, **page}
    return await api(HISTORY, variables, token=world.ca.token(role))


async def test_an_auditor_reads_a_tags_life_and_the_roll_up_closes(api, world, metrc):
    await _life(world, metrc, api)

    found = (await _history(api, world))["data"]["packageHistory"]

    [receipt] = found["received"]
    assert receipt["manifestNumber"] == "0000012345"
    assert (receipt["expectedQuantity"], receipt["acceptedQuantity"]) == ("100.000", "95.000")
    assert (receipt["decision"], receipt["reason"]) == ("partial", "bag weighed 95 g")
    assert receipt["scannedBy"]["name"]
    rows = [e["node"] for e in found["movements"]["edges"]]
    assert [(r["movement"]["kind"], r["movement"]["quantity"]) for r in rows] == [
        ("RECEIVE", "95.000"),
        ("TRANSFER", "10.000"),
        ("SALE", "3.500"),
        ("ADJUST", "1.000"),
    ]
    sale, adjustment = rows[2], rows[3]
    assert (sale["receipt"], sale["register"]) == ("H-1", "R1")
    assert [r["kind"] for r in sale["reports"]] == ["sale"]
    assert adjustment["movement"]["reason"] == "DAMAGE"
    assert adjustment["movement"]["witness"]["name"] == world.ca.users[Role.MANAGER].name
    assert sum(s["reports"] for s in found["reportSummary"]) >= 2
    assert found["rollUp"] == {
        "received": "95.000",
        "sold": "3.500",
        "destroyed": "0",
        "adjusted": "-1.000",
        "repackaged": "0",
        "expectedOnHand": "90.500",
        "onHand": "90.500",
        "stateQuantity": None,
        "adjustedByReason": [{"reason": "damage", "quantity": "-1.000", "movements": 1}],
        "differences": [],
        "closes": True,
    }


async def test_what_does_not_close_is_named(api, world, metrc):
    await _life(world, metrc, api)
    async with db.connection() as conn:
        # The state still shows the manifest's number; and someone edits a balance by hand.
        await conn.execute(
            "INSERT INTO state_package (location, tag, quantity, unit, status, synced_at)"
            " VALUES ($1, $2, 95, 'Grams', 'active', now())",
            world.ca.location_id,
            SHORT,
        )
        await conn.execute(
            "UPDATE stock_balance SET quantity = quantity + 2 WHERE package ="
            " (SELECT id FROM package WHERE tag = $1) AND zone = $2",
            SHORT,
            world.ca.zone(ZoneKind.VAULT),
        )

    roll = (await _history(api, world))["data"]["packageHistory"]["rollUp"]

    assert roll["closes"] is False
    assert (roll["onHand"], roll["expectedOnHand"], roll["stateQuantity"]) == (
        "92.500",
        "90.500",
        "95.000",
    )
    assert roll["differences"] == [
        "the balances hold 92.500 but the ledger adds up to 90.500 (+2.000)",
        "the state shows 95.000, we hold 92.500 (+2.500)",
    ]


async def test_a_long_life_comes_a_page_at_a_time(api, world, metrc):
    await _life(world, metrc, api)
    sequences, after = [], None
    while True:
        page = (await _history(api, world, first=3, after=after))["data"]["packageHistory"]
        sequences += [e["node"]["movement"]["sequence"] for e in page["movements"]["edges"]]
        if not page["movements"]["pageInfo"]["hasNextPage"]:
            break
        after = page["movements"]["pageInfo"]["endCursor"]
    assert sequences == [1, 2, 3, 4]


async def test_a_tag_at_a_store_the_caller_has_no_grant_at_is_not_found(api, world):
    for tag in (OTHER_TAG, "1A4FF0100000022999999999"):
        result = await api(HISTORY, {"tag": tag, "first": 5}, token=world.ca.token(Role.COMPLIANCE))
        assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    mine = await api(HISTORY, {"tag": world.tag, "first": 5}, token=world.ca.token(Role.BUDTENDER))
    assert mine["data"]["packageHistory"]["rollUp"]["closes"] is True


def test_the_roll_up_counts_voids_returns_destruction_and_repacks_where_they_belong():
    nets = [
        (MovementKind.REGISTER, None, Decimal(10), 1),
        (MovementKind.RECEIVE, None, Decimal(90), 1),
        (MovementKind.TRANSFER, None, Decimal(0), 4),
        (MovementKind.SALE, None, Decimal(-30), 6),
        (MovementKind.VOID, None, Decimal(5), 1),
        (MovementKind.RETURN, None, Decimal(2), 1),
        (MovementKind.DESTROY, None, Decimal(-4), 1),
        (MovementKind.ADJUST, "count_correction", Decimal(1), 1),
        (MovementKind.ADJUST, "theft", Decimal(-3), 1),
        (MovementKind.REPACK, None, Decimal(-20), 1),
    ]
    roll = roll_up(nets, on_hand=Decimal(51), state_quantity=Decimal(51))
    assert (roll.received, roll.sold, roll.destroyed) == (100, 23, 4)
    assert (roll.adjusted, roll.repackaged, roll.expected_on_hand) == (-2, -20, 51)
    assert roll.closes
    assert [(a.reason, a.quantity) for a in roll.adjusted_by_reason] == [
        ("count_correction", 1),
        ("theft", -3),
    ]
