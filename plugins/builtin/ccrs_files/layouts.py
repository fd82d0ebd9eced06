"""The seven CCRS retail file layouts, one frozen dataclass per file type.

Why this module exists: the column list and order of each upload file is the contract with the
state, and the state rejects a file whose columns differ from its template ("Do not add/remove
columns"). Each class lists its columns in the state's order; the attribute is ours (snake_case),
the header name is the state's. Construction checks every value's type and form (see
``codecs.py``), so a row that exists can always be written and read back exactly.

Sources, and how sure we are ([c] confirmed in a primary source, [s] secondary only, [u] not
confirmed):

* GUIDE: WSLCB "Cannabis Central Reporting System: Upload User Guide" (CIB 133 2/26) and the
  .CSV templates, both published at https://lcb.wa.gov/ccrs/resources. We could not open the
  PDF or the templates themselves; we read a third-party verbatim transcription of both (guide
  pages and template rows 1-4, fetched 2026-09-15). Hence [s], not [c].
* OPENTHC: OpenTHC's production CCRS integration, which writes these headers (lib/CRE/CCRS/CSV.php,
  bin/cre-ccrs-upload-*.php) and recognises the headers the state echoes back in its error
  e-mails (bin/cre-ccrs-pull.php), at
  https://github.com/openthc/bong/tree/5c6a4f41dce112939677307be1e8fabbff835f77 (2025-12-15).
Where both agree a layout is marked [s]; a disagreement is spelled out beside the layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Self

from plugins.builtin.ccrs_files.codecs import (
    Amount,
    CcrsFormatError,
    Choice,
    Codec,
    Day,
    Flag,
    LicenseNo,
    Operation,
    Text,
)
from plugins.builtin.ccrs_files.vocabulary import (
    CcrsAdjustmentReason,
    FileKind,
    InventoryCategory,
    SaleType,
    StrainType,
)


def ccrs(header: str, codec: Codec) -> dict[str, Any]:
    """Field metadata: the column's CCRS header name and its codec."""
    return {"header": header, "codec": codec}


# Shared codecs; limits are the guide's "character limit"s (GUIDE pp.7-8) [s].
LICENSE = LicenseNo()
OPTIONAL_LICENSE = LicenseNo(required=False)
EXTERNAL_ID = Text(max_length=100)
OPTIONAL_EXTERNAL_ID = Text(max_length=100, required=False)
USER = Text(max_length=35)
OPTIONAL_USER = Text(max_length=35, required=False)
DAY = Day()
OPTIONAL_DAY = Day(required=False)
QUANTITY = Amount(places=3)
MONEY = Amount(places=2, fixed=True)
OPERATION = Choice(enum_type=Operation)


@dataclass(frozen=True, kw_only=True)
class CcrsRow:
    """Base of every layout: validation on construction, and cell conversion both ways."""

    kind: ClassVar[FileKind]

    def __post_init__(self) -> None:
        for f in fields(self):
            try:
                f.metadata["codec"].check(getattr(self, f.name))
            except CcrsFormatError as error:
                raise CcrsFormatError(
                    f"{type(self).__name__}.{f.name} ({f.metadata['header']}): {error}"
                ) from None

    @classmethod
    def header(cls) -> tuple[str, ...]:
        return tuple(f.metadata["header"] for f in fields(cls))

    @classmethod
    def codecs(cls) -> tuple[Codec, ...]:
        return tuple(f.metadata["codec"] for f in fields(cls))

    def cells(self) -> list[str]:
        return [f.metadata["codec"].format(getattr(self, f.name)) for f in fields(self)]

    @classmethod
    def from_cells(cls, cells: list[str]) -> Self:
        values: dict[str, object] = {}
        for f, cell in zip(fields(cls), cells, strict=True):
            try:
                values[f.name] = f.metadata["codec"].parse(cell)
            except CcrsFormatError as error:
                raise CcrsFormatError(f"column {f.metadata['header']}: {error}") from None
        return cls(**values)

    def advice(self) -> list[str]:
        """State rules this row is known to break (the state would reject it), as warnings."""
        created = getattr(self, "created_date", None)
        updated = getattr(self, "updated_date", None)
        if created is not None and updated is not None and updated < created:
            return ["UpdatedDate is before CreatedDate (the state refuses that)"]
        return []


# GUIDE pp.9-10 and the Area.csv template; OPENTHC ("v2022-343" header) [s].
@dataclass(frozen=True, kw_only=True)
class AreaRow(CcrsRow):
    kind: ClassVar[FileKind] = FileKind.AREA

    license_number: str = field(metadata=ccrs("LicenseNumber", LICENSE))
    area: str = field(metadata=ccrs("Area", Text(max_length=75)))
    # TRUE only for imported CBD awaiting tests; every cannabis area is FALSE (GUIDE p.10).
    is_quarantine: bool = field(metadata=ccrs("IsQuarantine", Flag()))
    external_identifier: str = field(metadata=ccrs("ExternalIdentifier", EXTERNAL_ID))
    created_by: str = field(metadata=ccrs("CreatedBy", USER))
    created_date: date = field(metadata=ccrs("CreatedDate", DAY))
    updated_by: str | None = field(default=None, metadata=ccrs("UpdatedBy", OPTIONAL_USER))
    updated_date: date | None = field(default=None, metadata=ccrs("UpdatedDate", OPTIONAL_DAY))
    operation: Operation = field(metadata=ccrs("Operation", OPERATION))


# GUIDE pp.11-12 and the Strain.csv template; OPENTHC [s]. The one file WITHOUT Operation,
# ExternalIdentifier, UpdatedBy or UpdatedDate: strains can only be inserted (GUIDE p.11).
@dataclass(frozen=True, kw_only=True)
class StrainRow(CcrsRow):
    kind: ClassVar[FileKind] = FileKind.STRAIN

    license_number: str = field(metadata=ccrs("LicenseNumber", LICENSE))
    strain: str = field(metadata=ccrs("Strain", Text(max_length=100)))
    strain_type: StrainType = field(metadata=ccrs("StrainType", Choice(enum_type=StrainType)))
    created_by: str = field(metadata=ccrs("CreatedBy", USER))
    created_date: date = field(metadata=ccrs("CreatedDate", DAY))


# GUIDE pp.13-15 and the Product.csv template; OPENTHC [s]. InventoryType is kept as text: its
# valid values depend on InventoryCategory (GUIDE Table 2), which the state checks.
@dataclass(frozen=True, kw_only=True)
class ProductRow(CcrsRow):
    kind: ClassVar[FileKind] = FileKind.PRODUCT

    license_number: str = field(metadata=ccrs("LicenseNumber", LICENSE))
    inventory_category: InventoryCategory = field(
        metadata=ccrs("InventoryCategory", Choice(enum_type=InventoryCategory))
    )
    inventory_type: str = field(metadata=ccrs("InventoryType", Text(max_length=50)))
    name: str = field(metadata=ccrs("Name", Text(max_length=75)))
    description: str | None = field(
        default=None, metadata=ccrs("Description", Text(max_length=250, required=False))
    )
    unit_weight_grams: Decimal = field(metadata=ccrs("UnitWeightGrams", Amount(places=2)))
    external_identifier: str = field(metadata=ccrs("ExternalIdentifier", EXTERNAL_ID))
    created_by: str = field(metadata=ccrs("CreatedBy", USER))
    created_date: date = field(metadata=ccrs("CreatedDate", DAY))
    updated_by: str | None = field(default=None, metadata=ccrs("UpdatedBy", OPTIONAL_USER))
    updated_date: date | None = field(default=None, metadata=ccrs("UpdatedDate", OPTIONAL_DAY))
    operation: Operation = field(metadata=ccrs("Operation", OPERATION))


# Our reference notes, GUIDE pp.16-18, the Inventory.csv template and OPENTHC agree [s].
@dataclass(frozen=True, kw_only=True)
class InventoryRow(CcrsRow):
    kind: ClassVar[FileKind] = FileKind.INVENTORY

    license_number: str = field(metadata=ccrs("LicenseNumber", LICENSE))
    strain: str = field(metadata=ccrs("Strain", Text(max_length=100)))
    area: str = field(metadata=ccrs("Area", Text(max_length=75)))
    product: str = field(metadata=ccrs("Product", Text(max_length=75)))
    initial_quantity: Decimal = field(metadata=ccrs("InitialQuantity", QUANTITY))
    quantity_on_hand: Decimal = field(metadata=ccrs("QuantityOnHand", QUANTITY))
    total_cost: Decimal = field(metadata=ccrs("TotalCost", MONEY))
    is_medical: bool = field(metadata=ccrs("IsMedical", Flag()))
    external_identifier: str = field(metadata=ccrs("ExternalIdentifier", EXTERNAL_ID))
    created_by: str = field(metadata=ccrs("CreatedBy", USER))
    created_date: date = field(metadata=ccrs("CreatedDate", DAY))
    updated_by: str | None = field(default=None, metadata=ccrs("UpdatedBy", OPTIONAL_USER))
    updated_date: date | None = field(default=None, metadata=ccrs("UpdatedDate", OPTIONAL_DAY))
    operation: Operation = field(metadata=ccrs("Operation", OPERATION))

    def advice(self) -> list[str]:
        found = super().advice()
        if self.total_cost == 0:
            found.append("TotalCost is 0 (the state requires > 0; trade samples use 0.01)")
        if self.quantity_on_hand > self.initial_quantity:
            found.append("QuantityOnHand exceeds InitialQuantity (the state refuses that)")
        return found


# Our reference notes, GUIDE pp.30-32, the template and OPENTHC agree [s]. Quantity is never
# negative: the direction goes in AdjustmentDetail (CCRS FAQ, https://lcb.wa.gov/ccrs/faq) [s].
@dataclass(frozen=True, kw_only=True)
class InventoryAdjustmentRow(CcrsRow):
    kind: ClassVar[FileKind] = FileKind.INVENTORY_ADJUSTMENT

    license_number: str = field(metadata=ccrs("LicenseNumber", LICENSE))
    inventory_external_identifier: str = field(
        metadata=ccrs("InventoryExternalIdentifier", EXTERNAL_ID)
    )
    adjustment_reason: CcrsAdjustmentReason = field(
        metadata=ccrs("AdjustmentReason", Choice(enum_type=CcrsAdjustmentReason))
    )
    adjustment_detail: str | None = field(
        default=None, metadata=ccrs("AdjustmentDetail", Text(max_length=250, required=False))
    )
    quantity: Decimal = field(metadata=ccrs("Quantity", QUANTITY))
    adjustment_date: date = field(metadata=ccrs("AdjustmentDate", DAY))
    external_identifier: str = field(metadata=ccrs("ExternalIdentifier", EXTERNAL_ID))
    created_by: str = field(metadata=ccrs("CreatedBy", USER))
    created_date: date = field(metadata=ccrs("CreatedDate", DAY))
    updated_by: str | None = field(default=None, metadata=ccrs("UpdatedBy", OPTIONAL_USER))
    updated_date: date | None = field(default=None, metadata=ccrs("UpdatedDate", OPTIONAL_DAY))
    operation: Operation = field(metadata=ccrs("Operation", OPERATION))

    def advice(self) -> list[str]:
        found = super().advice()
        needs_detail = {CcrsAdjustmentReason.OTHER, CcrsAdjustmentReason.THEFT}
        if self.adjustment_reason in needs_detail and not self.adjustment_detail:
            found.append(f"AdjustmentDetail is required for {self.adjustment_reason}")
        return found


# GUIDE pp.33-35, the InventoryTransfer.csv template and OPENTHC [s]. No LicenseNumber column:
# only the receiving licensee files it, so ToLicenseNumber is ours (GUIDE p.5).
@dataclass(frozen=True, kw_only=True)
class InventoryTransferRow(CcrsRow):
    kind: ClassVar[FileKind] = FileKind.INVENTORY_TRANSFER

    from_license_number: str = field(metadata=ccrs("FromLicenseNumber", LICENSE))
    to_license_number: str = field(metadata=ccrs("ToLicenseNumber", LICENSE))
    from_inventory_external_identifier: str = field(
        metadata=ccrs("FromInventoryExternalIdentifier", EXTERNAL_ID)
    )
    to_inventory_external_identifier: str = field(
        metadata=ccrs("ToInventoryExternalIdentifier", EXTERNAL_ID)
    )
    quantity: Decimal = field(metadata=ccrs("Quantity", QUANTITY))
    transfer_date: date = field(metadata=ccrs("TransferDate", DAY))
    external_identifier: str = field(metadata=ccrs("ExternalIdentifier", EXTERNAL_ID))
    created_by: str = field(metadata=ccrs("CreatedBy", USER))
    created_date: date = field(metadata=ccrs("CreatedDate", DAY))
    updated_by: str | None = field(default=None, metadata=ccrs("UpdatedBy", OPTIONAL_USER))
    updated_date: date | None = field(default=None, metadata=ccrs("UpdatedDate", OPTIONAL_DAY))
    operation: Operation = field(metadata=ccrs("Operation", OPERATION))

    def advice(self) -> list[str]:
        found = super().advice()
        if self.from_license_number == self.to_license_number:
            found.append("ToLicenseNumber equals FromLicenseNumber (the state refuses that)")
        return found


# Our reference notes say ...,Discount,SalesTax,OtherTax,... — true until June 2025 (LCB bulletin
# 2022-07-27, https://content.govdelivery.com/accounts/WALCB/bulletins/3255d39). The LCB then
# renamed the two tax columns (OPENTHC commit 7db5d1e, 2025-06-23, "fix header changed by LCB"):
# OpenTHC's Sale uploader and the 2/26 Sales.csv template read RetailSalesTax,CannabisExciseTax
# [s]; the state's error e-mails spell the first "RetailsSalesTax" (OpenTHC's CSV.php copies that
# typo). Same position, same meaning. ``parse`` also reads the older names (LEGACY_HEADERS).
@dataclass(frozen=True, kw_only=True)
class SaleRow(CcrsRow):
    kind: ClassVar[FileKind] = FileKind.SALE

    license_number: str = field(metadata=ccrs("LicenseNumber", LICENSE))
    # Wholesale only; blank on retail sales (GUIDE p.40).
    sold_to_license_number: str | None = field(
        default=None, metadata=ccrs("SoldToLicenseNumber", OPTIONAL_LICENSE)
    )
    inventory_external_identifier: str | None = field(
        default=None, metadata=ccrs("InventoryExternalIdentifier", OPTIONAL_EXTERNAL_ID)
    )
    plant_external_identifier: str | None = field(
        default=None, metadata=ccrs("PlantExternalIdentifier", OPTIONAL_EXTERNAL_ID)
    )
    sale_type: SaleType = field(metadata=ccrs("SaleType", Choice(enum_type=SaleType)))
    sale_date: date = field(metadata=ccrs("SaleDate", DAY))
    quantity: Decimal = field(metadata=ccrs("Quantity", QUANTITY))
    unit_price: Decimal = field(
        metadata=ccrs("UnitPrice", MONEY)
    )  # one unit, before discount and taxes
    discount: Decimal = field(
        metadata=ccrs("Discount", MONEY)
    )  # for the whole line (CCRS FAQ, "Sales")
    retail_sales_tax: Decimal = field(metadata=ccrs("RetailSalesTax", MONEY))  # whole line
    cannabis_excise_tax: Decimal = field(metadata=ccrs("CannabisExciseTax", MONEY))  # whole line
    sale_external_identifier: str = field(metadata=ccrs("SaleExternalIdentifier", EXTERNAL_ID))
    sale_detail_external_identifier: str = field(
        metadata=ccrs("SaleDetailExternalIdentifier", EXTERNAL_ID)
    )
    created_by: str = field(metadata=ccrs("CreatedBy", USER))
    created_date: date = field(metadata=ccrs("CreatedDate", DAY))
    updated_by: str | None = field(default=None, metadata=ccrs("UpdatedBy", OPTIONAL_USER))
    updated_date: date | None = field(default=None, metadata=ccrs("UpdatedDate", OPTIONAL_DAY))
    operation: Operation = field(metadata=ccrs("Operation", OPERATION))

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.inventory_external_identifier is None and self.plant_external_identifier is None:
            raise CcrsFormatError(
                "SaleRow: InventoryExternalIdentifier or PlantExternalIdentifier is required"
            )


ROW_TYPES: dict[FileKind, type[CcrsRow]] = {
    row_type.kind: row_type
    for row_type in (
        AreaRow,
        StrainRow,
        ProductRow,
        InventoryRow,
        InventoryAdjustmentRow,
        InventoryTransferRow,
        SaleRow,
    )
}

# Headers ``parse`` also accepts, read into the current layout (same columns, old names).
_OLD_SALE = list(SaleRow.header())
_OLD_SALE[9:11] = ["SalesTax", "OtherTax"]  # before June 2025
_ERROR_MAIL_SALE = list(SaleRow.header())
_ERROR_MAIL_SALE[9] = "RetailsSalesTax"  # the state's own spelling in its error e-mails
LEGACY_HEADERS: dict[tuple[str, ...], FileKind] = {
    tuple(_OLD_SALE): FileKind.SALE,
    tuple(_ERROR_MAIL_SALE): FileKind.SALE,
}
