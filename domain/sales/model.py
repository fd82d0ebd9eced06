"""Customer types, sale and reservation states."""

from __future__ import annotations

import enum


class CustomerType(enum.StrEnum):
    ADULT_USE = "adult_use"
    MEDICAL = "medical"
    NON_RESIDENT = "non_resident"


class SaleStatus(enum.StrEnum):
    COMPLETED = "completed"
    VOIDED = "voided"
    PARTLY_RETURNED = "partly_returned"
    RETURNED = "returned"


class ReservationStatus(enum.StrEnum):
    HELD = "held"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Channel(enum.StrEnum):
    PICKUP = "pickup"
    DELIVERY = "delivery"


class FefoPolicy(enum.StrEnum):
    WARN = "warn"
    REFUSE = "refuse"
