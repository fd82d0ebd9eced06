"""The generic JSON delivery adapter: orders in, reservation statuses out, in a documented format.

Why it exists: a delivery or online-ordering platform without a dedicated adapter still needs a
signed way to hold stock for its orders and to hear what became of them; it is also the
reference for third-party adapters. Format (docs/integrations.md)::

    POST /hooks/delivery/generic?location=<id>
    X-LeafLedger-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>

    {"events": [
      {"id": "ord-981-placed", "type": "order.placed", "occurred_at": "2026-11-27T18:04:05Z",
       "order_ref": "DD-981", "channel": "delivery", "hold_minutes": 60, "customer_key": "c-7f3a",
       "lines": [{"product_id": 12, "quantity": "2"}, {"tag": "1A4F...", "quantity": "1"}]},
      {"id": "ord-981-cancelled", "type": "order.cancelled",
       "occurred_at": "2026-11-27T18:20:00Z", "order_ref": "DD-981", "reason": "customer"}
    ]}

Outbound, endpoints linked to a generic connection get the standard webhook document with the
reservation's ``order_ref`` and ``partner`` added to ``data``.
"""

from __future__ import annotations

from domain.sales.model import Channel
from plugins.builtin.generic_json import MAX_LINES, Fields, events_of
from plugins.hookspecs import hookimpl
from plugins.integrations import (
    DeliveryAdapter,
    MalformedRequest,
    OrderCancelled,
    OrderEvent,
    OrderItem,
    OrderPlaced,
    standard_envelope,
)

MAX_ID = 2**31 - 1
MAX_HOLD_MINUTES = 7 * 24 * 60


def _item(line: Fields) -> OrderItem:
    product_id = line.optional_integer("product_id", 1, MAX_ID)
    tag = line.optional_text("tag", 100)
    if (product_id is None) == (tag is None):
        raise MalformedRequest(f"{line.path}: give either product_id or tag")
    return OrderItem(
        quantity=line.decimal("quantity"),
        product_id=product_id,
        tag=tag.strip() if tag is not None else None,
    )


def _placed(event: Fields) -> OrderPlaced:
    return OrderPlaced(
        event_id=event.event_id(),
        occurred_at=event.timestamp("occurred_at"),
        order_ref=event.text("order_ref", 100),
        lines=tuple(_item(line) for line in event.objects("lines", MAX_LINES)),
        channel=event.choice("channel", Channel, Channel.DELIVERY),
        hold_minutes=event.optional_integer("hold_minutes", 1, MAX_HOLD_MINUTES),
        customer_key=event.optional_text("customer_key", 128),
    )


def _cancelled(event: Fields) -> OrderCancelled:
    return OrderCancelled(
        event_id=event.event_id(),
        occurred_at=event.timestamp("occurred_at"),
        order_ref=event.text("order_ref", 100),
        reason=event.optional_text("reason", 500) or "",
    )


def parse_order(body: bytes) -> list[OrderEvent]:
    """The body's order events, in the order sent."""
    parsed: list[OrderEvent] = []
    for event in events_of(body):
        kind = event.text("type", 32)
        if kind == "order.placed":
            parsed.append(_placed(event))
        elif kind == "order.cancelled":
            parsed.append(_cancelled(event))
        else:
            raise MalformedRequest(f"{event.path}.type: must be order.placed or order.cancelled")
    return parsed


GENERIC_DELIVERY = DeliveryAdapter(
    name="generic",
    title="Generic JSON delivery platform",
    parse_order=parse_order,
    status_payload=standard_envelope,
    description="LeafLedger's documented JSON format (docs/integrations.md), signed with"
    " X-LeafLedger-Signature.",
)


@hookimpl
def register_delivery_adapters() -> list[DeliveryAdapter]:
    return [GENERIC_DELIVERY]
