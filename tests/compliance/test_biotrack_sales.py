"""Register sales at a BioTrack store: what BioTrack can record is refused or sent as it records
it (whole units, the price one unit was paid), and voids and returns made at the register reach
it against the right sale. Real sales service and sync engine, the BioTrack double over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from domain.catalog.model import Category
from domain.errors import StateCannotRecord
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.compliance.biotrack_fixtures import (
    FLOOR_TAG,
    BioTrackStore,
    assert_clean,
    build_nm_store,
    configure,
    counts,
    drain,
    give_back,
    reports,
    sell,
    void,
)
from tests.doubles.biotrack import BioTrackDouble, run_biotrack_double
from tests.support.world import add_package, add_product

EDIBLE_TAG = "4157360000000031"
RECORD = """mutation($input: RecordSaleInput!) { recordSale(input: $input) {
  __typename ... on StateCannotRecord { tag system reason } } }"""


@pytest.fixture
def bt() -> Iterator[BioTrackDouble]:
    with run_biotrack_double() as double:
        yield double


@pytest.fixture
async def nm(clean_db: str, bt: BioTrackDouble) -> BioTrackStore:
    # Illinois: a BioTrack state whose purchase limits we have (NM has none, so cannot sell).
    return await build_nm_store(bt, state="IL")


async def test_a_sale_is_dispensed_in_whole_units_at_the_unit_price_and_its_void_follows(nm, bt):
    await sell(nm, "2", "15.00")
    assert (await drain(nm)).sent == 1
    [dispensed] = bt.state.list_sales()
    assert dispensed.terminal_id == "1"
    assert bt.log.last("sale_dispense").body["data"] == [
        {"barcodeid": FLOOR_TAG, "quantity": 2, "price": 15}
    ]
    assert bt.state.quantity(FLOOR_TAG) == 3

    await void(nm)
    assert (await drain(nm)).sent == 1

    assert bt.log.last("sale_void").body["transactionid"] == dispensed.transactionid
    assert bt.state.sale(dispensed.transactionid).voided
    assert bt.state.quantity(FLOOR_TAG) == 5
    assert_clean(bt)


async def test_the_price_sent_is_what_one_unit_was_paid_after_the_discount(nm, bt):
    await sell(nm, "3", "10.00", discount="1.00")  # 29.00 for 3 g
    await drain(nm)
    [line] = bt.log.last("sale_dispense").body["data"]
    assert (line["quantity"], line["price"]) == (3, 9.67)
    assert_clean(bt)


async def test_a_return_at_the_register_is_refunded_at_biotrack_at_the_price_paid(nm, bt):
    await sell(nm, "2", "15.00")
    await give_back(nm, "1")

    assert (await drain(nm)).sent == 2

    [dispensed] = bt.state.list_sales()
    assert (await reports(nm))[0]["state_ids"] == [str(dispensed.transactionid)]
    refund = bt.log.last("sale_refund").body
    assert refund["transactionid"] == dispensed.transactionid
    assert refund["data"] == [{"barcodeid": FLOOR_TAG, "quantity": 1, "price": -15}]
    assert bt.state.quantity(FLOOR_TAG) == 4
    assert_clean(bt)


async def test_a_fractional_sale_is_refused_at_the_register_and_nothing_is_written(nm, bt):
    before = await counts(nm)
    with pytest.raises(StateCannotRecord) as refused:
        await sell(nm, "1.5")
    assert refused.value.tag == FLOOR_TAG
    assert refused.value.system == "BioTrack"
    assert "whole grams" in refused.value.reason
    assert await counts(nm) == before
    await drain(nm)
    assert bt.log.entries("sale_dispense") == []
    assert bt.state.quantity(FLOOR_TAG) == 5


async def test_a_fractional_return_is_refused_at_the_register_too(nm, bt):
    await sell(nm, "2", "15.00")
    before = await counts(nm)
    with pytest.raises(StateCannotRecord, match="whole grams"):
        await give_back(nm, "0.5")
    assert await counts(nm) == before
    await give_back(nm, "1")
    assert (await drain(nm)).sent == 2
    assert bt.log.last("sale_refund").body["data"][0]["quantity"] == 1


async def test_the_register_sees_the_refusal_as_a_typed_error(api, nm, bt):
    answer = await api(
        RECORD,
        {
            "input": {
                "locationId": str(nm.location_id),
                "register": "R1",
                "posReceiptId": "S-9",
                "customerType": "ADULT_USE",
                "customerKey": "cust-1",
                "lines": [{"tag": FLOOR_TAG, "quantity": "0.5", "unitPrice": "15.00"}],
            }
        },
        token=nm.store.token(Role.BUDTENDER),
    )
    assert answer["data"]["recordSale"]["__typename"] == "StateCannotRecord"
    assert answer["data"]["recordSale"]["tag"] == FLOOR_TAG


async def test_a_packaged_product_counted_by_weight_is_refused_but_may_be_allowed(clean_db, bt):
    nm = await build_nm_store(bt, state="IL")
    admin = nm.as_(Role.ADMIN)
    product_id, batch_id = await add_product(admin, "NM-ED-10", category=Category.EDIBLE)
    floor = nm.zone(ZoneKind.SALES_FLOOR)
    await add_package(admin, nm.location_id, EDIBLE_TAG, product_id, batch_id, {floor: Decimal(4)})
    bt.add_item(EDIBLE_TAG, 4, uom="g")

    with pytest.raises(StateCannotRecord, match="pre-packaged units"):
        await sell(nm, "2", "8.00", tag=EDIBLE_TAG)

    await configure(nm, sold_by_weight=["flower", "edible"])  # this licence's BioTrack set-up
    await sell(nm, "2", "8.00", tag=EDIBLE_TAG)
    assert (await drain(nm)).sent == 1
    assert bt.state.quantity(EDIBLE_TAG) == 2


async def test_a_void_of_a_sale_biotrack_refused_fails_with_words_not_a_request(nm, bt):
    bt.state.set_quantity(FLOOR_TAG, 1)  # BioTrack thinks only 1 g is left
    await sell(nm, "2", "15.00")
    await void(nm)

    assert (await drain(nm)).failed == 2

    refused, voided = await reports(nm)
    assert "BioTrack refused sale_dispense" in refused["last_error"]
    assert f"sale {refused['external_id']} was never accepted by BioTrack" in voided["last_error"]
    assert bt.log.entries("sale_void") == []
    assert_clean(bt)
