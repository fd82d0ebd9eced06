"""Purchasing vocabulary: a purchase order's statuses and the weekdays vendors take orders."""

from __future__ import annotations

import enum

# 0 = Monday ... 6 = Sunday (Python's ``date.weekday()``), as SupplyTerms.order_weekdays.
WEEKDAYS = range(7)


class PurchaseOrderStatus(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# Orders whose unreceived quantities are on their way (or committed to): what ``on_order`` counts.
OPEN_STATUSES = frozenset(
    {
        PurchaseOrderStatus.APPROVED,
        PurchaseOrderStatus.SENT,
        PurchaseOrderStatus.PARTIALLY_RECEIVED,
    }
)
# Orders a shipment may be received against.
RECEIVABLE_STATUSES = frozenset(
    {
        PurchaseOrderStatus.SENT,
        PurchaseOrderStatus.PARTIALLY_RECEIVED,
        PurchaseOrderStatus.RECEIVED,
    }
)
