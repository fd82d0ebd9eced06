"""The floor display's board as GraphQL types."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry

from api.enums import Category, Unit
from domain.display import board as display
from domain.display.model import BoardItem, ExpiringMode

strawberry.enum(
    ExpiringMode, description="Stock near its expiry: flagged, or left off the display."
)


@strawberry.type(description="One product on the floor display.")
class FloorBoardItem:
    product_id: strawberry.ID
    name: str
    brand: str | None
    category: Category
    unit: Unit
    price: Decimal
    quantity: Decimal = strawberry.field(description="On the sales floor, as displayed.")
    low_stock: bool
    sold_out: bool = strawberry.field(description="None on the floor, though the store has it.")
    expiring_soon: bool
    soonest_expiry: datetime.date | None

    @classmethod
    def from_domain(cls, item: BoardItem) -> FloorBoardItem:
        line = item.line
        return cls(
            product_id=strawberry.ID(str(line.product_id)),
            name=line.name,
            brand=line.brand,
            category=line.category,
            unit=line.unit,
            price=line.price,
            quantity=item.quantity,
            low_stock=item.low_stock,
            sold_out=item.sold_out,
            expiring_soon=item.expiring_soon,
            soonest_expiry=line.soonest_expiry,
        )


@strawberry.type(description="What the sales-floor TV shows, by category then name.")
class FloorBoard:
    location_id: strawberry.ID
    location_name: str
    timezone: str
    today: datetime.date
    expiring_days: int
    expiring_mode: ExpiringMode
    items: list[FloorBoardItem]

    @classmethod
    def from_domain(cls, board: display.FloorBoard) -> FloorBoard:
        return cls(
            location_id=strawberry.ID(str(board.location_id)),
            location_name=board.location_name,
            timezone=board.timezone,
            today=board.today,
            expiring_days=board.settings.expiring_days,
            expiring_mode=board.settings.expiring_mode,
            items=[FloorBoardItem.from_domain(i) for i in board.items],
        )
