"""The records the METRC double keeps, and the reference lists it serves.

Why this module exists: the state (``state.py``) and the write rules (``rules.py``) share these
plain dataclasses, and tests build ``DeliveryPackage`` values to seed incoming transfers. The
reference lists (units, customer types, adjustment reasons, waste methods, lab test states) are
California-like values chosen for realism; they are not METRC's authoritative lists.
Quantities are ``Decimal`` so that a sale and its void restore a package exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

# How many package fields were ever set, in any state of this process (see Package.__setattr__).
PACKAGE_CHANGES = [0]


class PackageStatus(StrEnum):
    ACTIVE = "active"
    ONHOLD = "onhold"
    INACTIVE = "inactive"  # discontinued / archived
    FINISHED = "finished"
    INTRANSIT = "intransit"


@dataclass
class Facility:
    license_number: str
    name: str
    license_type: str = "Commercial - Retailer"


@dataclass
class Package:
    id: int
    label: str
    license_number: str
    item_id: int
    item_name: str
    quantity: Decimal
    unit_of_measure: str
    status: PackageStatus
    last_modified: datetime
    item_category: str = "Flower"
    location_name: str | None = None
    sublocation_name: str | None = None
    lab_testing_state: str = "TestPassed"
    packaged_date: date | None = None
    finished_date: date | None = None
    archived_date: date | None = None
    note: str | None = None
    received_from_manifest: str | None = None
    is_trade_sample: bool = False

    def __setattr__(self, name: str, value: Any) -> None:
        # Every new package and every change counts, so the state's index of packages by
        # LastModified (state.py) knows when to rebuild; copies (copy.copy) do not count.
        object.__setattr__(self, name, value)
        PACKAGE_CHANGES[0] += 1

    @property
    def is_on_hold(self) -> bool:
        return self.status is PackageStatus.ONHOLD


@dataclass
class AdjustReason:
    name: str
    requires_note: bool = False
    requires_waste_weight: bool = False


@dataclass
class Adjustment:
    id: int
    license_number: str
    label: str
    quantity: Decimal  # signed delta, in the package's unit
    unit_of_measure: str  # as sent
    reason: str
    adjustment_date: str
    note: str | None
    recorded_at: datetime


@dataclass
class Transaction:
    package_label: str
    quantity: Decimal  # as sent
    unit_of_measure: str
    total_amount: Decimal
    other: dict[str, Any] = field(default_factory=dict)  # the remaining documented fields
    package_quantity: Decimal = Decimal(0)  # what was taken from the package, its unit


@dataclass
class Receipt:
    id: int
    license_number: str
    receipt_number: str
    sales_date_time: str
    sales_customer_type: str
    external_receipt_number: str | None
    patient_license_number: str | None
    caregiver_license_number: str | None
    identification_method: str | None
    transactions: list[Transaction]
    recorded_at: datetime
    last_modified: datetime
    is_final: bool = False
    archived_at: datetime | None = None
    other: dict[str, Any] = field(default_factory=dict)

    @property
    def voided(self) -> bool:
        return self.archived_at is not None


@dataclass
class DeliveryPackage:
    """One package on an incoming delivery; tests construct these to seed transfers."""

    label: str
    item_name: str
    shipped_quantity: Decimal | int | float | str
    unit_of_measure: str = "Grams"
    item_category: str = "Flower"
    lab_testing_state: str = "TestPassed"
    shipment_package_state: str = "Shipped"  # Shipped, Accepted, Rejected, Returned
    received_quantity: Decimal | None = None
    package_type: str = "Product"
    package_id: int = 0  # assigned by the state

    def __post_init__(self) -> None:
        self.shipped_quantity = Decimal(str(self.shipped_quantity))


@dataclass
class Delivery:
    id: int
    transfer_id: int
    recipient_license_number: str
    recipient_name: str
    packages: list[DeliveryPackage]
    estimated_arrival: datetime
    received_at: datetime | None = None


@dataclass
class Transfer:
    id: int
    manifest_number: str
    shipper_license_number: str
    shipper_name: str
    created_at: datetime
    last_modified: datetime
    deliveries: list[Delivery]
    shipment_type: str = "Wholesale Manifest"
    voided: bool = False


@dataclass
class LabResult:
    result_id: int
    package_id: int
    label: str
    test_type_name: str
    passed: bool
    level: float | None
    performed: date
    lab_license_number: str = "C8-0000001-LIC"
    lab_name: str = "Golden State Testing Lab"
    product_name: str | None = None
    overall_passed: bool = True
    # A result the lab has not released yet, or one the state revoked, is listed but not valid.
    released: bool = True
    revoked: date | None = None


@dataclass(frozen=True)
class Unit:
    name: str
    quantity_type: str  # CountBased, WeightBased, VolumeBased
    abbreviation: str
    base: Decimal  # size in grams / millilitres / each


UNITS: tuple[Unit, ...] = (
    Unit("Each", "CountBased", "ea", Decimal(1)),
    Unit("Fluid Ounces", "VolumeBased", "fl oz", Decimal("29.5735295625")),
    Unit("Gallons", "VolumeBased", "gal", Decimal("3785.411784")),
    Unit("Liters", "VolumeBased", "l", Decimal(1000)),
    Unit("Milliliters", "VolumeBased", "ml", Decimal(1)),
    Unit("Pints", "VolumeBased", "pt", Decimal("473.176473")),
    Unit("Quarts", "VolumeBased", "qt", Decimal("946.352946")),
    Unit("Grams", "WeightBased", "g", Decimal(1)),
    Unit("Kilograms", "WeightBased", "kg", Decimal(1000)),
    Unit("Milligrams", "WeightBased", "mg", Decimal("0.001")),
    Unit("Ounces", "WeightBased", "oz", Decimal("28.349523125")),
    Unit("Pounds", "WeightBased", "lb", Decimal("453.59237")),
)
UNITS_BY_NAME = {u.name.lower(): u for u in UNITS}


def convert(quantity: Decimal, from_unit: str, to_unit: str) -> Decimal | None:
    """``quantity`` of ``from_unit`` expressed in ``to_unit``; None when not convertible."""
    source = UNITS_BY_NAME.get(from_unit.lower())
    target = UNITS_BY_NAME.get(to_unit.lower())
    if source is None or target is None or source.quantity_type != target.quantity_type:
        return None
    if source == target:
        return quantity
    return (quantity * source.base / target.base).quantize(Decimal("0.000001")).normalize()


CUSTOMER_TYPES: tuple[str, ...] = ("Consumer", "Patient", "Caregiver", "ExternalPatient")

DEFAULT_ADJUST_REASONS: tuple[AdjustReason, ...] = (
    AdjustReason("Damage", requires_note=True),
    AdjustReason("Drying"),
    AdjustReason("Entry Error", requires_note=True),
    AdjustReason("Inventory Audit", requires_note=True),
    AdjustReason("Mandatory State Destruction", requires_note=True, requires_waste_weight=True),
    AdjustReason("Scale Variance", requires_note=True),
    AdjustReason("Spoilage", requires_note=True),
    AdjustReason("Theft", requires_note=True),
    AdjustReason("Waste", requires_waste_weight=True),
)

WASTE_METHODS: tuple[tuple[str, bool, bool], ...] = (  # name, for plants, for product destruction
    ("Grinder", True, True),
    ("Compost", True, True),
    ("Landfill", False, True),
    ("Incinerator", True, True),
)

# Lab test types (id, name, informational only): a few of CA's, for GET /labtests/v2/types.
LAB_TEST_TYPES: tuple[tuple[int, str, bool], ...] = (
    (1, "Total THC (%) Raw Plant Material", False),
    (2, "Total CBD (%) Raw Plant Material", False),
    (3, "Pesticides", False),
    (4, "Microbial Impurities", False),
    (5, "Terpenes", True),
)

LAB_TEST_STATES: tuple[str, ...] = (
    "NotSubmitted",
    "SubmittedForTesting",
    "TestFailed",
    "TestPassed",
    "TestingInProgress",
    "AwaitingConfirmation",
    "RetestFailed",
    "RetestPassed",
    "Remediated",
    "SelectedForRandomTesting",
    "NotRequired",
    "ProcessValidated",
)

REASON_NOTE_MAX = 200  # from our reference notes: a longer ReasonNote fails with a row error
