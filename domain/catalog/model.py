"""Product categories and lab statuses."""

from __future__ import annotations

import enum


class Category(enum.StrEnum):
    FLOWER = "flower"
    PRE_ROLL = "pre_roll"
    VAPE = "vape"
    CONCENTRATE = "concentrate"
    EDIBLE = "edible"
    BEVERAGE = "beverage"
    TINCTURE = "tincture"
    TOPICAL = "topical"
    OTHER = "other"


class LabStatus(enum.StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"
    REMEDIATED = "remediated"


# Remediated product has been re-tested and may be sold again.
SELLABLE_LAB_STATUSES = frozenset({LabStatus.PASSED, LabStatus.REMEDIATED})
