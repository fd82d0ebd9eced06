"""Property: whatever sequence of transfers and adjustments staff make, the books balance.

For every package and zone, the movements in minus the movements out equal the balance, no
balance is ever negative, and a refused operation changes nothing (checked against a model).
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import errors
from domain.inventory import stock
from domain.inventory.model import AdjustmentReason
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.ledger_checks import assert_ledger_balances, balances_of
from tests.support.units import new_uow
from tests.support.world import add_package

ZONES = [ZoneKind.VAULT, ZoneKind.SALES_FLOOR, ZoneKind.RESERVED, ZoneKind.QUARANTINE]
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(8), places=3)
transfers = st.tuples(
    st.just("transfer"), st.sampled_from(ZONES), st.sampled_from(ZONES), quantities
).filter(lambda op: op[1] != op[2])
adjustments = st.tuples(
    st.just("adjust"),
    st.sampled_from(ZONES),
    st.sampled_from([AdjustmentReason.DAMAGE, AdjustmentReason.COUNT_CORRECTION]),
    quantities,
)
_tags = (f"1A4FF01000000220000{n:05d}" for n in itertools.count(1))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(st.one_of(transfers, adjustments), min_size=1, max_size=12))
async def test_any_sequence_of_moves_keeps_ledger_and_balances_equal(world, operations):
    lead = world.as_(Role.INVENTORY_LEAD)
    zone = world.ca.zone
    tag = next(_tags)
    package_id = await add_package(
        lead,
        world.ca.location_id,
        tag,
        world.product_id,
        world.batch_id,
        {zone(ZoneKind.VAULT): Decimal(5)},
    )
    model = {zone(ZoneKind.VAULT): Decimal(5)}
    for op in operations:
        try:
            if op[0] == "transfer":
                _, src, dst, qty = op
                await stock.transfer_stock(
                    new_uow(),
                    lead,
                    stock.TransferStock(world.ca.location_id, tag, zone(src), zone(dst), qty),
                )
                model[zone(src)] -= qty
                model[zone(dst)] = model.get(zone(dst), Decimal(0)) + qty
            else:
                _, where, reason, qty = op
                delta = qty if reason == AdjustmentReason.COUNT_CORRECTION else -qty
                await stock.adjust_stock(
                    new_uow(),
                    lead,
                    stock.AdjustStock(world.ca.location_id, tag, zone(where), delta, reason),
                )
                model[zone(where)] = model.get(zone(where), Decimal(0)) + delta
        except errors.InsufficientStock:
            # Refused: the model says so too, and nothing changed.
            source = zone(op[1])
            assert model.get(source, Decimal(0)) < op[3]
    assert await balances_of(package_id) == {z: q for z, q in model.items() if q > 0}
    await assert_ledger_balances()
