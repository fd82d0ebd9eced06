"""Receiving vocabulary and the default checklist (from the brief and operators)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ShipmentStatus(enum.StrEnum):
    EXPECTED = "expected"
    RECEIVING = "receiving"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Decision(enum.StrEnum):
    ACCEPT = "accept"
    PARTIAL = "partial"
    REJECT = "reject"


class Answer(enum.StrEnum):
    YES = "yes"
    NO = "no"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    required: bool = True


DEFAULT_CHECKLIST = (
    ChecklistItem("manifest_matches", "The manifest matches the shipment"),
    ChecklistItem("seals_intact", "Seals are intact"),
    ChecklistItem("package_count_matches", "The package count matches the manifest"),
    ChecklistItem("tags_scanned", "Every tag was scanned and is on the manifest"),
    ChecklistItem("labels_present", "Labels are present and compliant"),
    ChecklistItem("coa_passing", "Each batch has a certificate of analysis with a passing result"),
    ChecklistItem("weights_verified", "Weights were re-verified within tolerance"),
    ChecklistItem("temperature_ok", "Perishables arrived at a safe temperature", required=False),
)
