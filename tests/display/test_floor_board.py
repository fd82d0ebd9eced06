"""What the sales-floor TV shows: sold out, low stock, expiring stock flagged or hidden, and
only for the store the display's key belongs to."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.catalog.model import Category
from domain.display import board, services
from domain.display.model import DisplaySettings, ExpiringMode, FloorLine
from domain.display.model import board as present
from domain.errors import PermissionDenied, ValidationError
from domain.inventory import stock
from domain.organisation.model import ZoneKind
from domain.quantities import Unit
from domain.roles import Role
from tests.support.units import new_uow

TODAY = date(2026, 12, 8)


def line(name: str, floor: str, expiring: str = "0", threshold: str | None = None, **kw):
    return FloorLine(
        product_id=kw.get("product_id", 1),
        name=name,
        brand=None,
        category=kw.get("category", Category.FLOWER),
        unit=Unit.GRAMS,
        price=Decimal("30"),
        floor_quantity=Decimal(floor),
        floor_expiring_quantity=Decimal(expiring),
        low_stock_threshold=Decimal(threshold) if threshold else None,
        soonest_expiry=kw.get("expires"),
    )


def test_a_product_with_nothing_on_the_floor_shows_sold_out_not_low():
    (item,) = present([line("Gelato", "0", threshold="5")], DisplaySettings(), TODAY)
    assert (item.sold_out, item.low_stock) == (True, False)


def test_at_or_under_the_threshold_is_low_stock():
    (item,) = present([line("Gelato", "5", threshold="5")], DisplaySettings(), TODAY)
    assert (item.sold_out, item.low_stock) == (False, True)


def test_expiring_stock_is_flagged_or_left_off_per_the_store():
    soon = line("Gelato", "10", expiring="4", expires=TODAY + timedelta(days=3))
    (flagged,) = present([soon], DisplaySettings(14, ExpiringMode.FLAG), TODAY)
    assert (flagged.quantity, flagged.expiring_soon) == (Decimal(10), True)
    (hidden,) = present([soon], DisplaySettings(14, ExpiringMode.HIDE), TODAY)
    assert (hidden.quantity, hidden.expiring_soon) == (Decimal(6), False)
    all_expiring = line("Gelato", "4", expiring="4", expires=TODAY)
    (gone,) = present([all_expiring], DisplaySettings(14, ExpiringMode.HIDE), TODAY)
    assert gone.sold_out


def test_items_come_by_category_then_name():
    items = present(
        [
            line("Zkittlez", "1", category=Category.FLOWER),
            line("Apple gummies", "1", category=Category.EDIBLE),
            line("Gelato", "1", category=Category.FLOWER),
        ],
        DisplaySettings(),
        TODAY,
    )
    assert [i.line.name for i in items] == ["Apple gummies", "Gelato", "Zkittlez"]


async def test_the_board_follows_the_ledger_and_the_stores_setting(world):
    before = await board.floor_board(world.ca.location_id)
    assert before is not None
    assert [(i.sold_out, i.quantity) for i in before.items] == [(True, Decimal(0))]
    await stock.transfer_stock(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        stock.TransferStock(
            world.ca.location_id,
            world.tag,
            world.ca.zone(ZoneKind.VAULT),
            world.ca.zone(ZoneKind.SALES_FLOOR),
            Decimal("2.5"),
        ),
    )
    after = await board.floor_board(world.ca.location_id)
    assert after is not None
    assert [(i.sold_out, i.quantity) for i in after.items] == [(False, Decimal("2.5"))]

    await services.set_floor_display(
        new_uow(),
        world.as_(Role.MANAGER),
        services.SetFloorDisplay(world.ca.location_id, expiring_days=120, expiring_mode="hide"),
    )
    hidden = await board.floor_board(world.ca.location_id)
    assert hidden is not None  # the world's batch expires in 90 days: within 120, so off the TV
    assert (hidden.settings.expiring_mode, [i.sold_out for i in hidden.items]) == (
        ExpiringMode.HIDE,
        [True],
    )


async def test_bad_settings_and_budtenders_change_nothing(world):
    with pytest.raises(ValidationError):
        await services.set_floor_display(
            new_uow(),
            world.as_(Role.MANAGER),
            services.SetFloorDisplay(world.ca.location_id, expiring_days=-1),
        )
    with pytest.raises(PermissionDenied):
        await services.set_floor_display(
            new_uow(),
            world.as_(Role.BUDTENDER),
            services.SetFloorDisplay(world.ca.location_id, expiring_mode="hide"),
        )
    shown = await board.floor_board(world.ca.location_id)
    assert shown is not None
    assert shown.settings == DisplaySettings()
