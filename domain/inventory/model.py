"""Package statuses, movement kinds and the adjustment-reason taxonomy."""

from __future__ import annotations

import enum


class PackageStatus(enum.StrEnum):
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    RECALLED = "recalled"
    FINISHED = "finished"


class MovementKind(enum.StrEnum):
    REGISTER = "register"  # opening balance of a package already on site
    RECEIVE = "receive"  # accepted from an inbound shipment
    TRANSFER = "transfer"  # zone to zone inside one location
    ADJUST = "adjust"  # write-on or write-off with a reason
    SALE = "sale"
    VOID = "void"  # a voided sale's stock put back where it came from
    RETURN = "return"  # a customer return, into quarantine
    RESERVE = "reserve"  # held for an online order
    RELEASE = "release"  # a reservation's stock put back
    DESTROY = "destroy"  # waste leaving the premises for destruction
    REPACK = "repack"  # consumed into, or created from, other packages (split, assembly)


class AdjustmentReason(enum.StrEnum):
    SAMPLE = "sample"
    QA_TESTING = "qa_testing"
    PACKAGING_WASTE = "packaging_waste"
    DAMAGE = "damage"
    THEFT = "theft"
    EXPIRED = "expired"
    DESTRUCTION = "destruction"
    COUNT_CORRECTION = "count_correction"
    ENTRY_ERROR = "entry_error"
    OTHER = "other"


# "other" explains nothing by itself: an auditor needs the words.
REASONS_REQUIRING_NOTE = frozenset({AdjustmentReason.OTHER, AdjustmentReason.THEFT})
NOTE_MAX_LENGTH = 1000
