"""A GraphQL field following a stored id to a row that is not there answers NotFound, never a
server error from building a type out of None; a query naming an id still reads None. The rows
the loaders answer are the domain's frozen dataclasses, in the catalogue's own words."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from api.loaders import Loaders
from domain.catalog.model import Category, LabStatus
from domain.errors import NotFound
from domain.organisation.model import ZoneKind
from domain.organisation.queries import ZoneTotalRow
from domain.quantities import Unit
from domain.sales.model import FefoPolicy

MISSING = 987_654_321


async def test_a_zone_a_balance_points_at_that_is_gone_is_not_found(clean_db: str) -> None:
    loaders = Loaders()

    assert await loaders.zone.load(MISSING) is None
    with pytest.raises(NotFound) as refused:
        await loaders.zone.one(MISSING)
    assert (refused.value.entity, refused.value.key) == ("zone", str(MISSING))


async def test_a_stores_rows_arrive_typed_and_cannot_be_changed_on_the_way(world) -> None:
    loaders = Loaders()
    vault = world.ca.zone(ZoneKind.VAULT)

    location = await loaders.location.one(world.ca.location_id)
    zones = await loaders.zones_of_location.load(world.ca.location_id)
    product = await loaders.product.one(world.product_id)
    [batch] = await loaders.batches_of_product.load(world.product_id)

    assert location.fefo_policy is FefoPolicy.WARN
    assert {z.kind for z in zones} >= {ZoneKind.VAULT, ZoneKind.SALES_FLOOR}
    assert (product.category, product.unit) == (Category.FLOWER, Unit.GRAMS)
    assert (batch.id, batch.lab_status) == (world.batch_id, LabStatus.PASSED)
    # The 10 g package the store holds, as the vault's totals show it.
    assert await loaders.zone_totals.load(vault) == [
        ZoneTotalRow(zone_id=vault, unit=Unit.GRAMS, package_count=1, quantity=Decimal(10))
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        product.price = Decimal(0)  # type: ignore[misc]
