"""A stocked sales floor and terse ways to sell from it."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from domain import db
from domain.catalog.model import LabStatus
from domain.inventory import stock
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.sales import sales
from domain.sales.model import CustomerType
from tests.support.units import new_uow
from tests.support.world import add_package, add_product

_receipts = itertools.count(1000)
_tags = itertools.count(1)


def tag() -> str:
    return f"1A4FF01000000330000{next(_tags):05d}"


async def floor_package(
    world,
    grams: str,
    *,
    product: tuple[int, int] | None = None,
    expires_in: int = 90,
    lab: LabStatus = LabStatus.PASSED,
) -> tuple[str, int]:
    """A package with ``grams`` on the sales floor (via the vault, as a real restock is)."""
    lead = world.as_(Role.INVENTORY_LEAD)
    product_id, batch_id = product or await add_product(
        lead, f"SKU-{next(_tags)}", expires_in_days=expires_in, lab=lab
    )
    new_tag = tag()
    package_id = await add_package(
        lead,
        world.ca.location_id,
        new_tag,
        product_id,
        batch_id,
        {world.ca.zone(ZoneKind.VAULT): Decimal(grams)},
    )
    await stock.transfer_stock(
        new_uow(),
        lead,
        stock.TransferStock(
            world.ca.location_id,
            new_tag,
            world.ca.zone(ZoneKind.VAULT),
            world.ca.zone(ZoneKind.SALES_FLOOR),
            Decimal(grams),
        ),
    )
    return new_tag, package_id


def sale(
    world,
    *lines: tuple[str, str],
    customer: str = "cust-1",
    receipt: str | None = None,
    kind: CustomerType = CustomerType.ADULT_USE,
    **extra,
) -> sales.RecordSale:
    return sales.RecordSale(
        location_id=world.ca.location_id,
        register="R1",
        pos_receipt_id=receipt or str(next(_receipts)),
        customer_type=kind,
        lines=[sales.SaleLineInput(t, Decimal(q), Decimal("10.00")) for t, q in lines],
        customer_key=customer,
        **extra,
    )


async def floor_quantity(world, package_id: int) -> Decimal:
    async with db.connection() as conn:
        return await conn.fetchval(
            "SELECT coalesce(sum(quantity), 0) FROM stock_balance WHERE package = $1 AND zone = $2",
            package_id,
            world.ca.zone(ZoneKind.SALES_FLOOR),
        )


async def age_sales(days: int) -> None:
    """Move every sale back in time (yesterday's purchases no longer count today)."""
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE sale SET occurred_at = occurred_at - $1::interval", timedelta(days=days)
        )


def today() -> date:
    return date.today()
