"""Products, packages and repacks as a store makes them, for the repackaging tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain import db
from domain.catalog import services as catalog
from domain.catalog.model import Category
from domain.organisation.model import ZoneKind
from domain.quantities import Unit
from domain.repackaging import services
from domain.roles import Role
from tests.support.units import new_uow
from tests.support.world import Store


def tag(n: int) -> str:
    """A METRC-shaped tag of our own numbering."""
    return f"1A4FF0100000022{n + 500_000_000:09d}"


async def pre_roll_product(store: Store, sku: str = "PR-1G", grams: str = "1") -> int:
    """Pre-rolls sold by the each, each holding ``grams`` of flower."""
    outcome = await catalog.create_product(
        new_uow(),
        store.users[Role.ADMIN],
        catalog.CreateProduct(
            catalog.ProductFields(
                sku=sku,
                name=f"Pre-roll {grams} g",
                category=Category.PRE_ROLL,
                unit=Unit.EACH,
                price=Decimal("8.00"),
                unit_cost=Decimal("2.0000"),
                unit_weight_grams=Decimal(grams),
            )
        ),
    )
    return outcome.value.product_id


async def repack(
    store: Store,
    inputs: list[tuple[str, str]],
    outputs: list[tuple[str, int, str]],
    *,
    loss: str = "0",
    by: Role = Role.INVENTORY_LEAD,
    zone: ZoneKind = ZoneKind.VAULT,
    **extra: Any,
) -> services.Repackaged:
    """``inputs`` (tag, quantity) and ``outputs`` (tag, product, quantity), all in ``zone``."""
    outcome = await services.repackage(
        new_uow(),
        store.users[by],
        services.Repackage(
            location_id=store.location_id,
            inputs=[services.RepackInput(t, store.zone(zone), Decimal(q)) for t, q in inputs],
            outputs=[
                services.RepackOutput(p, store.zone(zone), Decimal(q), t) for t, p, q in outputs
            ],
            packaging_loss=Decimal(loss),
            **extra,
        ),
    )
    return outcome.value


async def package(tag_: str) -> dict[str, Any]:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT p.id, p.product, p.batch, p.unit, p.unit_cost, b.expires_on,"
            " coalesce((SELECT sum(quantity) FROM stock_balance WHERE package = p.id), 0) AS qty"
            " FROM package p LEFT JOIN batch b ON b.id = p.batch WHERE p.tag = $1",
            tag_,
        )
    return dict(row)


async def counts(location_id: int) -> tuple[int, int]:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM movement WHERE location = $1) AS movements,"
            " (SELECT count(*) FROM package WHERE location = $1) AS packages",
            location_id,
        )
    return row["movements"], row["packages"]
