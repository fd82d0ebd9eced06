"""What a METRC package write does to the double's data, and when METRC refuses it.

Why this module exists: our client's reconciliation is only tested if the double behaves like
METRC on writes: an adjustment moves quantity by a signed delta, finishing needs an empty package,
and a request with one bad row is refused as a whole with ``[{"row": i, "message": ...}]``. The
functions here (and the receipt rules in ``sales.py``) work on a :class:`Store`, are called by
``state.MetrcState`` under its lock, and raise :class:`Refused` instead of changing anything
when a row fails.

A refusal marks ``violation`` when the request broke one of METRC's documented limits (tag
format, ReasonNote over 200 characters): that is a bug in our client, not a state conflict.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .records import (
    REASON_NOTE_MAX,
    Adjustment,
    AdjustReason,
    Facility,
    LabResult,
    Package,
    PackageStatus,
    Receipt,
    Transfer,
    convert,
)
from .validation import RowError

TAG = re.compile(r"[0-9A-Z]{24}")
Row = dict[str, Any]


class Refused(Exception):
    def __init__(self, errors: list[RowError], *, violation: bool = False) -> None:
        super().__init__("; ".join(f"row {e.row}: {e.message}" for e in errors))
        self.errors = errors
        self.violation = violation


@dataclass
class Store:
    clock: Callable[[], datetime]
    facilities: dict[str, Facility] = field(default_factory=dict)
    vendor_keys: set[str] = field(default_factory=set)
    users: dict[str, set[str]] = field(default_factory=dict)  # user key -> license numbers
    denied: set[tuple[str, str]] = field(default_factory=set)  # (license, operationId)
    packages: dict[str, Package] = field(default_factory=dict)  # by label
    reasons: dict[str, list[AdjustReason]] = field(default_factory=dict)
    adjustments: list[Adjustment] = field(default_factory=list)
    receipts: dict[int, Receipt] = field(default_factory=dict)
    transfers: dict[int, Transfer] = field(default_factory=dict)
    lab_results: list[LabResult] = field(default_factory=list)
    # Package tags the state issued to each facility and no package carries yet.
    tag_pool: dict[str, list[str]] = field(default_factory=dict)
    finish_requires_zero: bool = True
    _ids: dict[str, int] = field(default_factory=dict)

    def next_id(self, kind: str, start: int = 1) -> int:
        self._ids[kind] = self._ids.get(kind, start - 1) + 1
        return self._ids[kind]


class RowErrors:
    """Row errors collected over a whole request (METRC refuses all rows or none)."""

    def __init__(self) -> None:
        self.items: list[RowError] = []
        self.violation = False

    def add(self, row: int, message: str, *, violation: bool = False) -> None:
        self.items.append(RowError(row, message))
        self.violation = self.violation or violation

    def raise_if_any(self) -> None:
        if self.items:
            raise Refused(self.items, violation=self.violation)


def package_at(
    store: Store, license_number: str, label: Any, row: int, errors: RowErrors
) -> Package | None:
    """The facility's package with this tag, or None with the row error recorded."""
    if not isinstance(label, str) or not TAG.fullmatch(label):
        errors.add(row, f"'{label}' is not a package tag (24 digits/capitals)", violation=True)
        return None
    package = store.packages.get(label)
    if package is None or package.license_number != license_number:
        errors.add(row, f"Package {label} was not found at facility {license_number}.")
        return None
    return package


def usable(package: Package, row: int, errors: RowErrors) -> bool:
    if package.status is PackageStatus.ACTIVE:
        return True
    errors.add(row, f"Package {package.label} is {package.status.value} and cannot be changed.")
    return False


def in_package_unit(
    package: Package, quantity: Any, unit: Any, row: int, errors: RowErrors
) -> Decimal | None:
    if not isinstance(quantity, int | float) or isinstance(quantity, bool):
        errors.add(row, "Quantity is required.")
        return None
    if not isinstance(unit, str) or not unit:
        errors.add(row, "UnitOfMeasure is required.")
        return None
    converted = convert(Decimal(str(quantity)), unit, package.unit_of_measure)
    if converted is None:
        errors.add(
            row, f"Cannot convert {unit} to {package.unit_of_measure} for package {package.label}."
        )
    return converted


def adjust(store: Store, license_number: str, rows: list[Row]) -> list[int]:
    """POST/PUT /packages/v2/adjust. ``RequiresNote`` is enforced; ``RequiresWasteWeight`` is only
    listed, because the yaml's adjust body (and METRC's example) has no waste-weight field."""
    errors = RowErrors()
    reasons = {r.name.lower(): r for r in store.reasons.get(license_number, [])}
    pending: dict[str, Decimal] = {}
    planned: list[tuple[Package, Decimal, Row]] = []
    for i, row in enumerate(rows):
        package = package_at(store, license_number, row.get("label"), i, errors)
        if package is None:
            continue
        if not usable(package, i, errors):
            continue
        reason = reasons.get(str(row.get("adjustmentReason") or "").lower())
        note = row.get("reasonNote")
        if reason is None:
            errors.add(i, f"Adjustment reason '{row.get('adjustmentReason')}' is not valid.")
        elif reason.requires_note and not (note or "").strip():
            errors.add(i, f"Adjustment reason '{reason.name}' requires a ReasonNote.")
        if note and len(note) > REASON_NOTE_MAX:
            errors.add(i, f"ReasonNote exceeds {REASON_NOTE_MAX} characters.", violation=True)
        if not row.get("adjustmentDate"):
            errors.add(i, "AdjustmentDate is required.")
        delta = in_package_unit(package, row.get("quantity"), row.get("unitOfMeasure"), i, errors)
        if delta is None:
            continue
        after = pending.get(package.label, package.quantity) + delta
        if after < 0:
            errors.add(i, f"Package {package.label} would go below zero ({after}).")
        pending[package.label] = after
        planned.append((package, after, row))
    errors.raise_if_any()
    now = store.clock()
    for package, after, row in planned:
        store.adjustments.append(
            Adjustment(
                id=store.next_id("adjustment"),
                license_number=license_number,
                label=package.label,
                quantity=after - package.quantity,
                unit_of_measure=row["unitOfMeasure"],
                reason=row["adjustmentReason"],
                adjustment_date=row["adjustmentDate"],
                note=row.get("reasonNote"),
                recorded_at=now,
            )
        )
        package.quantity = after
        package.last_modified = now
    return [package.id for package, _, _ in planned]


def _each_package(store: Store, license_number: str, rows: list[Row], check: Callable[..., None]):
    errors = RowErrors()
    found: list[tuple[Package, Row]] = []
    for i, row in enumerate(rows):
        package = package_at(store, license_number, row.get("label"), i, errors)
        if package is None:
            continue
        check(package, row, i, errors)
        found.append((package, row))
    errors.raise_if_any()
    return found, store.clock()


def move(store: Store, license_number: str, rows: list[Row]) -> list[int]:
    def check(package: Package, row: Row, i: int, errors: RowErrors) -> None:
        if not row.get("location"):
            errors.add(i, "Location is required.")
        usable(package, i, errors)

    found, now = _each_package(store, license_number, rows, check)
    for package, row in found:
        package.location_name = row["location"]
        package.sublocation_name = row.get("sublocation")
        package.last_modified = now
    return [p.id for p, _ in found]


def finish(store: Store, license_number: str, rows: list[Row]) -> list[int]:
    def check(package: Package, row: Row, i: int, errors: RowErrors) -> None:
        if not row.get("actualDate"):
            errors.add(i, "ActualDate is required.")
        if usable(package, i, errors) and store.finish_requires_zero and package.quantity != 0:
            errors.add(i, f"Package {package.label} still holds {package.quantity}; adjust first.")

    found, now = _each_package(store, license_number, rows, check)
    for package, row in found:
        package.status = PackageStatus.FINISHED
        package.finished_date = date.fromisoformat(row["actualDate"])
        package.last_modified = now
    return [p.id for p, _ in found]


def unfinish(store: Store, license_number: str, rows: list[Row]) -> list[int]:
    def check(package: Package, row: Row, i: int, errors: RowErrors) -> None:
        if package.status is not PackageStatus.FINISHED:
            errors.add(i, f"Package {package.label} is not finished.")

    found, now = _each_package(store, license_number, rows, check)
    for package, _ in found:
        package.status = PackageStatus.ACTIVE
        package.finished_date = None
        package.last_modified = now
    return [p.id for p, _ in found]
