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
# Stock in these zones is not available to sell or reserve even once moved out of the vault.
RESTRICTED_KINDS = frozenset({ZoneKind.VAULT})


def is_sellable(kind: ZoneKind | str) -> bool:
    return ZoneKind(kind) in SELLABLE_KINDS


def is_vault(kind: ZoneKind | str) -> bool:
    return ZoneKind(kind) in RESTRICTED_KINDS
