"""Reading the floor display's board: one statement for the lines, one for the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from domain import db
from domain.catalog.model import Category
from domain.display.model import (
    BoardItem,
    DisplaySettings,
    ExpiringMode,
    FloorLine,
    board,
)
from domain.quantities import Unit

# Products the store carries (stock anywhere at the location), with what is on its sales floors:
# a product with stock only in the vault is on the board as sold out, one with none anywhere is
# not on it at all. Held and recalled packages are not sellable, so not on the floor's count.
_LINES = """
WITH floor AS (
    SELECT p.product, b.quantity, bt.expires_on
    FROM stock_balance b
    JOIN zone z ON z.id = b.zone
    JOIN package p ON p.id = b.package
    LEFT JOIN batch bt ON bt.id = p.batch
    WHERE z.location = $1 AND z.kind = 'sales_floor' AND z.active AND b.quantity > 0
      AND p.status = 'active'
), carried AS (
    SELECT DISTINCT p.product
    FROM stock_balance b JOIN package p ON p.id = b.package
    WHERE p.location = $1 AND b.quantity > 0 AND p.status IN ('active', 'on_hold')
)
SELECT pr.id, pr.name, pr.brand, pr.category, pr.unit, pr.price, pr.low_stock_threshold,
       coalesce(sum(f.quantity), 0) AS floor_quantity,
       coalesce(sum(f.quantity) FILTER (WHERE f.expires_on <= $2), 0) AS expiring_quantity,
       min(f.expires_on) AS soonest_expiry
FROM carried c
JOIN product pr ON pr.id = c.product
LEFT JOIN floor f ON f.product = pr.id
WHERE pr.active
GROUP BY pr.id
"""


@dataclass(frozen=True)
class FloorBoard:
    location_id: int
    location_name: str
    timezone: str
    today: date
    settings: DisplaySettings
    items: list[BoardItem]


async def floor_board(location_id: int) -> FloorBoard | None:
    """The board for ``location_id`` (None: no such location)."""
    async with db.connection() as conn:
        head = await conn.fetchrow(
            "SELECT l.name, l.timezone, (now() AT TIME ZONE l.timezone)::date AS today,"
            " s.expiring_days, s.expiring_mode"
            " FROM location l LEFT JOIN floor_display_setting s ON s.location = l.id"
            " WHERE l.id = $1",
            location_id,
        )
        if head is None:
            return None
        settings = DisplaySettings()
        if head["expiring_days"] is not None:
            settings = DisplaySettings(head["expiring_days"], ExpiringMode(head["expiring_mode"]))
        today: date = head["today"]
        horizon = today + timedelta(days=settings.expiring_days)
        rows = await conn.fetch(_LINES, location_id, horizon)
    lines = [
        FloorLine(
            product_id=r["id"],
            name=r["name"],
            brand=r["brand"],
            category=Category(r["category"]),
            unit=Unit(r["unit"]),
            price=Decimal(r["price"]),
            floor_quantity=Decimal(r["floor_quantity"]),
            floor_expiring_quantity=Decimal(r["expiring_quantity"]),
            low_stock_threshold=r["low_stock_threshold"],
            soonest_expiry=r["soonest_expiry"],
        )
        for r in rows
    ]
    return FloorBoard(
        location_id, head["name"], head["timezone"], today, settings, board(lines, settings, today)
    )
