"""Zone kinds and the pure rules about them."""

from __future__ import annotations

import enum


class ZoneKind(enum.StrEnum):
    VAULT = "vault"
    SALES_FLOOR = "sales_floor"
    RESERVED = "reserved"
    QUARANTINE = "quarantine"
    QA_TESTING = "qa_testing"
    SAMPLES = "samples"
    WASTE = "waste"


# Only these zones may hand stock to a customer; everything else is held back.
SELLABLE_KINDS = frozenset({ZoneKind.SALES_FLOOR, ZoneKind.RESERVED})


def is_sellable(kind: ZoneKind | str) -> bool:
    return ZoneKind(kind) in SELLABLE_KINDS
