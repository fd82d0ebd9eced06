"""The generic JSON POS adapter: the format to use when a register can be programmed directly.

Why it exists: a POS without a dedicated adapter still needs a documented, signed way to send
sales and voids, and third-party adapters need a reference. Format (docs/integrations.md)::

    POST /hooks/pos/generic?location=<id>
    X-LeafLedger-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>

    {"events": [
      {"id": "evt-1", "type": "sale", "occurred_at": "2026-11-27T18:04:05Z",
       "register": "R1", "receipt_id": "R1-000123", "customer_type": "adult_use",
       "customer_key": "c-7f3a", "patient_license": null,
       "lines": [{"tag": "1A4F...", "quantity": "3.5", "unit_price": "10.00",
                  "discount": "0.00", "sales_tax": "0.00", "excise_tax": "0.00"}]},
      {"id": "evt-2", "type": "void", "occurred_at": "2026-11-27T18:09:00Z",
       "register": "R1", "receipt_id": "R1-000123", "reason": "rang up twice"}
    ]}
"""

from __future__ import annotations

from decimal import Decimal

from domain.sales.model import CustomerType
from plugins.builtin.generic_json import MAX_LINES, Fields, events_of
from plugins.hookspecs import hookimpl
from plugins.integrations import MalformedRequest, PosAdapter, PosEvent, PosLine, PosSale, PosVoid

ZERO = Decimal(0)


def _line(item: Fields) -> PosLine:
    return PosLine(
        tag=item.text("tag", 100).strip(),
        quantity=item.decimal("quantity"),
        unit_price=item.decimal("unit_price"),
        discount=item.decimal("discount", ZERO),
        sales_tax=item.decimal("sales_tax", ZERO),
        excise_tax=item.decimal("excise_tax", ZERO),
    )


def _sale(event: Fields) -> PosSale:
    return PosSale(
        event_id=event.event_id(),
        occurred_at=event.timestamp("occurred_at"),
        register=event.text("register", 64),
        receipt_id=event.text("receipt_id", 100),
        customer_type=event.choice("customer_type", CustomerType),
        lines=tuple(_line(item) for item in event.objects("lines", MAX_LINES)),
        customer_key=event.optional_text("customer_key", 128),
        patient_license=event.optional_text("patient_license", 64),
    )


def _void(event: Fields) -> PosVoid:
    return PosVoid(
        event_id=event.event_id(),
        occurred_at=event.timestamp("occurred_at"),
        register=event.text("register", 64),
        receipt_id=event.text("receipt_id", 100),
        reason=event.text("reason", 500),
    )


def parse(body: bytes) -> list[PosEvent]:
    """The body's sales and voids, in the order sent."""
    parsed: list[PosEvent] = []
    for event in events_of(body):
        kind = event.text("type", 16)
        if kind == "sale":
            parsed.append(_sale(event))
        elif kind == "void":
            parsed.append(_void(event))
        else:
            raise MalformedRequest(f"{event.path}.type: must be sale or void")
    return parsed


GENERIC_POS = PosAdapter(
    name="generic",
    title="Generic JSON POS",
    parse=parse,
    description="LeafLedger's documented JSON format (docs/integrations.md), signed with"
    " X-LeafLedger-Signature.",
)


@hookimpl
def register_pos_adapters() -> list[PosAdapter]:
    return [GENERIC_POS]
