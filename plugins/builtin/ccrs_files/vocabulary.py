"""The state's fixed vocabularies: file types and the enumerated values some columns take.

Why this module exists: these words are the state's, spelled as it spells them, and are shared by
the layouts, the file names and the adjustment mapping. Sources as in ``layouts.py`` ("GUIDE" is
the WSLCB CCRS Upload User Guide, CIB 133 2/26, https://lcb.wa.gov/ccrs/resources) [s].
"""

from __future__ import annotations

import enum

from plugins.builtin.ccrs_files.codecs import CcrsFormatError


class FileKind(enum.StrEnum):
    """A CCRS upload type; the value is the type as written in file names."""

    AREA = "Area"
    STRAIN = "Strain"
    PRODUCT = "Product"
    INVENTORY = "Inventory"
    INVENTORY_ADJUSTMENT = "InventoryAdjustment"
    INVENTORY_TRANSFER = "InventoryTransfer"
    SALE = "Sale"

    @classmethod
    def of(cls, kind: FileKind | str) -> FileKind:
        """``FileKind.SALE``, ``"Sale"`` or ``"sale"`` -> ``FileKind.SALE``."""
        for member in cls:
            if member.value.casefold() == str(kind).casefold() or member.name == kind:
                return member
        raise CcrsFormatError(f"unknown CCRS file type {kind!r}")


class StrainType(enum.StrEnum):  # GUIDE p.12 "Valid Values" [s]
    INDICA = "Indica"
    SATIVA = "Sativa"
    HYBRID = "Hybrid"


class InventoryCategory(enum.StrEnum):  # GUIDE p.13 "Valid Values" [s]
    PROPAGATION_MATERIAL = "PropagationMaterial"
    HARVESTED_MATERIAL = "HarvestedMaterial"
    INTERMEDIATE_PRODUCT = "IntermediateProduct"
    END_PRODUCT = "EndProduct"


class SaleType(enum.StrEnum):  # GUIDE p.37 "Valid Values" [s]
    RECREATIONAL_RETAIL = "RecreationalRetail"
    RECREATIONAL_MEDICAL = "RecreationalMedical"
    WHOLESALE = "Wholesale"


class CcrsAdjustmentReason(enum.StrEnum):
    """GUIDE p.31 lists six values; its Table 5 (p.32) adds ReturnedLabSample [s]."""

    DESTRUCTION = "Destruction"
    LOST = "Lost"
    OTHER = "Other"
    RECONCILIATION = "Reconciliation"
    RETURNED_LAB_SAMPLE = "ReturnedLabSample"
    SEIZURE = "Seizure"
    THEFT = "Theft"
