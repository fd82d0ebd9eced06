"""What a METRC sales-receipt write does to the double's data, and when METRC refuses it.

Why this module exists: receipts are where our client's retries can do harm. A receipt takes
quantity from its packages and a void (DELETE) gives it back; an update first gives back what the
old version took. POST is not idempotent: posting the same receipt twice makes two receipts, so a
client that re-posts after a lost answer shows up as a duplicate (``GET
/sales/v2/receipts/external/{externalNumber}`` then lists both). Finalized receipts cannot be
changed or voided until unfinalized (our understanding of METRC's IsFinal; not in the yaml).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from .records import CUSTOMER_TYPES, Receipt, Transaction
from .rules import Row, RowErrors, Store, in_package_unit, package_at, usable


def _transactions(
    store: Store,
    license_number: str,
    row: Row,
    i: int,
    pending: dict[str, Decimal],
    errors: RowErrors,
) -> list[Transaction]:
    customer = row.get("salesCustomerType")
    if not row.get("salesDateTime"):
        errors.add(i, "SalesDateTime is required.")
    if customer not in CUSTOMER_TYPES:
        errors.add(i, f"SalesCustomerType '{customer}' is not one of {', '.join(CUSTOMER_TYPES)}.")
    elif customer in ("Patient", "ExternalPatient") and not row.get("patientLicenseNumber"):
        errors.add(i, f"PatientLicenseNumber is required for {customer} sales.")
    elif customer == "Caregiver" and not row.get("caregiverLicenseNumber"):
        errors.add(i, "CaregiverLicenseNumber is required for Caregiver sales.")
    out: list[Transaction] = []
    if not row.get("transactions"):
        errors.add(i, "A receipt needs at least one transaction.")
        return out
    for line in row["transactions"]:
        package = package_at(store, license_number, line.get("packageLabel"), i, errors)
        if package is None:
            continue
        if not usable(package, i, errors):
            continue
        taken = in_package_unit(package, line.get("quantity"), line.get("unitOfMeasure"), i, errors)
        if line.get("totalAmount") is None:
            errors.add(i, f"TotalAmount is required for package {package.label}.")
        if taken is None:
            continue
        if taken <= 0:
            errors.add(i, f"Quantity for package {package.label} must be greater than zero.")
        left = pending.get(package.label, package.quantity) - taken
        if left < 0:
            errors.add(i, f"Package {package.label} has only {package.quantity} available.")
        pending[package.label] = left
        named = ("packageLabel", "quantity", "unitOfMeasure", "totalAmount")
        out.append(
            Transaction(
                package_label=package.label,
                quantity=Decimal(str(line["quantity"])),
                unit_of_measure=line["unitOfMeasure"],
                total_amount=Decimal(str(line.get("totalAmount") or 0)),
                other={k: v for k, v in line.items() if k not in named},
                package_quantity=taken,
            )
        )
    return out


_RECEIPT_FIELDS = (
    "id",
    "salesDateTime",
    "salesCustomerType",
    "externalReceiptNumber",
    "patientLicenseNumber",
    "caregiverLicenseNumber",
    "identificationMethod",
    "transactions",
)


def _fill(receipt: Receipt, row: Row, lines: list[Transaction]) -> None:
    receipt.sales_date_time = row["salesDateTime"]
    receipt.sales_customer_type = row["salesCustomerType"]
    receipt.external_receipt_number = row.get("externalReceiptNumber")
    receipt.patient_license_number = row.get("patientLicenseNumber")
    receipt.caregiver_license_number = row.get("caregiverLicenseNumber")
    receipt.identification_method = row.get("identificationMethod")
    receipt.transactions = lines
    receipt.other = {k: v for k, v in row.items() if k not in _RECEIPT_FIELDS}


def _take(store: Store, lines: list[Transaction], sign: int, now: datetime) -> None:
    for line in lines:
        package = store.packages[line.package_label]
        package.quantity -= sign * line.package_quantity
        package.last_modified = now


def record_receipts(store: Store, license_number: str, rows: list[Row]) -> list[int]:
    errors = RowErrors()
    pending: dict[str, Decimal] = {}
    planned = [
        (row, _transactions(store, license_number, row, i, pending, errors))
        for i, row in enumerate(rows)
    ]
    errors.raise_if_any()
    now = store.clock()
    ids = []
    for row, lines in planned:  # no duplicate check: METRC's POST is not idempotent
        receipt_id = store.next_id("receipt", start=1001)
        receipt = Receipt(
            id=receipt_id,
            license_number=license_number,
            receipt_number=f"{receipt_id:010d}",
            sales_date_time="",
            sales_customer_type="",
            external_receipt_number=None,
            patient_license_number=None,
            caregiver_license_number=None,
            identification_method=None,
            transactions=[],
            recorded_at=now,
            last_modified=now,
        )
        _fill(receipt, row, lines)
        _take(store, lines, +1, now)
        store.receipts[receipt_id] = receipt
        ids.append(receipt_id)
    return ids


def _editable(
    store: Store, license_number: str, receipt_id: Any, row: int, errors: RowErrors
) -> Receipt | None:
    receipt = store.receipts.get(receipt_id) if isinstance(receipt_id, int) else None
    if receipt is None or receipt.license_number != license_number:
        errors.add(row, f"Sales receipt {receipt_id} was not found at facility {license_number}.")
        return None
    if receipt.voided:
        errors.add(row, f"Sales receipt {receipt_id} is archived (voided).")
        return None
    return receipt


def update_receipts(store: Store, license_number: str, rows: list[Row]) -> list[int]:
    errors = RowErrors()
    pending: dict[str, Decimal] = {}
    planned: list[tuple[Receipt, Row, list[Transaction]]] = []
    for i, row in enumerate(rows):
        receipt = _editable(store, license_number, row.get("id"), i, errors)
        if receipt is None:
            continue
        if receipt.is_final:
            errors.add(i, f"Sales receipt {receipt.id} is finalized; unfinalize it first.")
            continue
        for line in receipt.transactions:  # what the old version took comes back first
            label = line.package_label
            pending[label] = pending.get(label, store.packages[label].quantity) + (
                line.package_quantity
            )
        planned.append(
            (receipt, row, _transactions(store, license_number, row, i, pending, errors))
        )
    errors.raise_if_any()
    now = store.clock()
    for receipt, row, lines in planned:
        _take(store, receipt.transactions, -1, now)
        _fill(receipt, row, lines)
        _take(store, lines, +1, now)
        receipt.last_modified = now
    return [receipt.id for receipt, _, _ in planned]


def void_receipt(store: Store, license_number: str, receipt_id: int) -> None:
    errors = RowErrors()
    receipt = _editable(store, license_number, receipt_id, 0, errors)
    if receipt is not None and receipt.is_final:
        errors.add(0, f"Sales receipt {receipt_id} is finalized; unfinalize it first.")
    errors.raise_if_any()
    assert receipt is not None
    now = store.clock()
    _take(store, receipt.transactions, -1, now)
    receipt.archived_at = now
    receipt.last_modified = now


def set_final(store: Store, license_number: str, rows: list[Row], final: bool) -> list[int]:
    errors = RowErrors()
    receipts = [
        _editable(store, license_number, row.get("id"), i, errors) for i, row in enumerate(rows)
    ]
    errors.raise_if_any()
    now = store.clock()
    for receipt in receipts:
        assert receipt is not None
        receipt.is_final = final
        receipt.last_modified = now
    return [r.id for r in receipts if r is not None]
