"""How the METRC double writes its answers: record → METRC JSON, paging envelope, key casing.

Why this module exists: our client must parse what METRC actually returns, so the double answers
with the yaml's response property names only (``tests/doubles/test_metrc_double.py`` checks every
rendered object against the yaml's response schemas, so nothing here is invented), in PascalCase
like METRC's examples, or camelCase since some states answer that way (``Casing``).

List endpoints answer METRC's envelope ``{Data, Total, TotalRecords, PageSize, RecordsOnPage,
Page, CurrentPage, TotalPages}``. Paging is on only when ``pageSize`` is given and at most 20
(the yaml: "Pagination is currently disabled by default. You can enable pagination on this query
by specifying a value that does not exceed 20"); otherwise one page holds everything. Page
numbers start at 1. With paging off the double reports Page 1 and PageSize = the record count;
METRC's exact numbers there are not documented.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .records import (
    UNITS_BY_NAME,
    AdjustReason,
    Delivery,
    DeliveryPackage,
    Facility,
    LabResult,
    Package,
    Receipt,
    Transfer,
    Unit,
)

MAX_PAGE_SIZE = 20
Json = dict[str, Any]


class Casing(StrEnum):
    PASCAL = "pascal"
    CAMEL = "camel"


class WriteAnswer(StrEnum):
    IDS = "ids"  # {"Ids": [...], "Warnings": []}
    EMPTY = "empty"  # 200 with no body; both occur in METRC v2


@dataclass
class DoubleSettings:
    """Switches a test may flip at any time (the app reads them per request)."""

    casing: Casing = Casing.PASCAL
    write_answer: WriteAnswer = WriteAnswer.IDS
    max_window: timedelta = timedelta(hours=24)  # lastModifiedStart..End per call


def recase(value: Any, casing: Casing) -> Any:
    if casing == Casing.PASCAL:
        return value
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: recase(v, casing) for k, v in value.items()}
    if isinstance(value, list):
        return [recase(v, casing) for v in value]
    return value


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(value: Any) -> bytes:
    return json.dumps(value, default=_default, separators=(",", ":")).encode()


def envelope(items: list[Any], page_number: int | None, page_size: int | None) -> Json:
    total = len(items)
    if page_size is not None and 1 <= page_size <= MAX_PAGE_SIZE:
        number = page_number or 1
        data = items[(number - 1) * page_size : number * page_size]
        size, pages = page_size, math.ceil(total / page_size)
    else:
        number, data, size, pages = 1, items, total, 1 if total else 0
    return {
        "Data": data,
        "Total": total,
        "TotalRecords": total,
        "PageSize": size,
        "RecordsOnPage": len(data),
        "Page": number,
        "CurrentPage": number,
        "TotalPages": pages,
    }


def facility(f: Facility) -> Json:
    return {
        "HireDate": "2020-01-01",
        "IsOwner": False,
        "IsManager": True,
        "Occupations": [],
        "Name": f.name,
        "Alias": f.name,
        "DisplayName": f.name,
        "CredentialedDate": "2020-01-01",
        "SupportActivationDate": None,
        "SupportExpirationDate": None,
        "SupportLastPaidDate": None,
        "FacilityType": {
            "IsMedical": True,
            "IsRetail": True,
            "IsHemp": False,
            "CanSellToConsumers": True,
            "CanSellToPatients": True,
            "CanSellToCaregivers": True,
            "CanTransferFromExternalFacilities": False,
            "CanUpdateLocationsOnPackages": True,
        },
        "License": {
            "Number": f.license_number,
            "StartDate": "2020-01-01",
            "EndDate": "2030-12-31",
            "LicenseType": f.license_type,
        },
    }


def _unit(name: str) -> Unit | None:
    return UNITS_BY_NAME.get(name.lower())


def package(p: Package) -> Json:
    """The yaml's ``Package``: the unit is ``UnitOfMeasureName`` (our notes say UnitOfMeasure), the
    item name is ``Item.Name``, and the status shows as IsOnHold / IsFinished / ArchivedDate."""
    unit = _unit(p.unit_of_measure)
    return {
        "Id": p.id,
        "Label": p.label,
        "PackageType": "Product",
        "SourceHarvestNames": None,
        "LocationId": None,
        "LocationName": p.location_name,
        "LocationTypeName": "Default" if p.location_name else None,
        "Quantity": p.quantity,
        "UnitOfMeasureName": p.unit_of_measure,
        "UnitOfMeasureAbbreviation": unit.abbreviation if unit else None,
        "PatientLicenseNumber": None,
        "ItemFromFacilityLicenseNumber": None,
        "ItemFromFacilityName": None,
        "Note": p.note,
        "PackagedDate": p.packaged_date,
        "InitialLabTestingState": p.lab_testing_state,
        "LabTestingState": p.lab_testing_state,
        "LabTestingStateDate": p.packaged_date,
        "IsProductionBatch": False,
        "ProductionBatchNumber": None,
        "IsTradeSample": p.is_trade_sample,
        "IsDonation": False,
        "IsTestingSample": False,
        "ProductRequiresRemediation": False,
        "ContainsRemediatedProduct": False,
        "ReceivedFromManifestNumber": p.received_from_manifest,
        "IsOnHold": p.is_on_hold,
        "ArchivedDate": p.archived_date,
        "FinishedDate": p.finished_date,
        "IsFinished": p.finished_date is not None,
        "LastModified": p.last_modified,
        "Item": {
            "Id": p.item_id,
            "Name": p.item_name,
            "ProductCategoryName": p.item_category,
            "ProductCategoryType": "Buds" if p.item_category == "Flower" else "Other",
            "QuantityType": unit.quantity_type if unit else None,
            "UnitOfMeasureName": p.unit_of_measure,
            "ApprovalStatus": "Approved",
        },
        "IsOnTrip": False,
        "IsOnRetailerDelivery": False,
    }


def adjust_reason(r: AdjustReason) -> Json:
    return {
        "Name": r.name,
        "RequiresNote": r.requires_note,
        "RequiresWasteWeight": r.requires_waste_weight,
        "RequiresImmatureWasteWeight": False,
        "RequiresMatureWasteWeight": False,
    }


def receipt(r: Receipt) -> Json:
    return {
        "Id": r.id,
        "ReceiptNumber": r.receipt_number,
        "SalesDateTime": r.sales_date_time,
        "SalesCustomerType": r.sales_customer_type,
        "PatientLicenseNumber": r.patient_license_number,
        "CaregiverLicenseNumber": r.caregiver_license_number,
        "IdentificationMethod": r.identification_method,
        "ExternalReceiptNumber": r.external_receipt_number,
        "TotalPackages": len({t.package_label for t in r.transactions}),
        "TotalPrice": sum((t.total_amount for t in r.transactions), Decimal(0)),
        "Transactions": [
            {
                "PackageLabel": t.package_label,
                "Quantity": t.quantity,
                "UnitOfMeasure": t.unit_of_measure,
                "TotalAmount": t.total_amount,
            }
            for t in r.transactions
        ],
        "IsFinal": r.is_final,
        "ArchivedDate": r.archived_at,
        "RecordedDateTime": r.recorded_at,
        "RecordedByUserName": "LeafLedger Test User",
        "LastModified": r.last_modified,
    }


def _delivery_times(d: Delivery) -> Json:
    return {
        "RecipientFacilityLicenseNumber": d.recipient_license_number,
        "RecipientFacilityName": d.recipient_name,
        "ShipmentTypeName": "Wholesale Manifest",
        "ShipmentTransactionType": "Wholesale",
        "EstimatedDepartureDateTime": d.estimated_arrival,
        "ActualDepartureDateTime": d.estimated_arrival,
        "EstimatedArrivalDateTime": d.estimated_arrival,
        "ActualArrivalDateTime": d.received_at,
        "DeliveryPackageCount": len(d.packages),
        "DeliveryReceivedPackageCount": sum(
            1 for p in d.packages if p.received_quantity is not None
        ),
        "ReceivedDateTime": d.received_at,
    }


def incoming_transfer(t: Transfer, d: Delivery) -> Json:
    """One row of ``/transfers/v2/incoming``: the transfer as seen by one delivery's recipient."""
    received = [p for p in d.packages if p.received_quantity is not None]
    return {
        "Id": t.id,
        "ManifestNumber": t.manifest_number,
        "ShipmentLicenseType": "Licensed",
        "ShipperFacilityLicenseNumber": t.shipper_license_number,
        "ShipperFacilityName": t.shipper_name,
        "Name": None,
        "TransporterFacilityLicenseNumber": t.shipper_license_number,
        "TransporterFacilityName": t.shipper_name,
        "DriverName": "Test Driver",
        "DeliveryCount": len(t.deliveries),
        "ReceivedDeliveryCount": sum(1 for x in t.deliveries if x.received_at),
        "PackageCount": len(d.packages),
        "ReceivedPackageCount": len(received),
        "ContainsPlantPackage": False,
        "ContainsProductPackage": True,
        "ContainsTradeSample": False,
        "ContainsDonation": False,
        "ContainsTestingSample": False,
        "CreatedDateTime": t.created_at,
        "CreatedByUserName": "Shipper User",
        "LastModified": t.last_modified,
        "DeliveryId": d.id,
        **_delivery_times(d),
        "IsVoided": t.voided,
    }


def delivery(d: Delivery) -> Json:
    return {
        "Id": d.id,
        **_delivery_times(d),
        "GrossWeight": None,
        "GrossUnitOfWeightName": None,
        "PlannedRoute": "Direct",
        "RejectedPackagesReturned": False,
    }


def delivery_package(p: DeliveryPackage) -> Json:
    return {
        "PackageId": p.package_id,
        "PackageLabel": p.label,
        "PackageType": p.package_type,
        "SourcePackageLabels": None,
        "ProductName": p.item_name,
        "ProductCategoryName": p.item_category,
        "ItemName": p.item_name,
        "ItemCategoryName": p.item_category,
        "LabTestingState": p.lab_testing_state,
        "ProductionBatchNumber": None,
        "IsTradeSample": False,
        "IsTradeSamplePersistent": False,
        "IsDonation": False,
        "SourcePackageIsDonation": False,
        "SourcePackageIsTradeSample": False,
        "IsTestingSample": False,
        "ProductRequiresRemediation": False,
        "ContainsRemediatedProduct": False,
        "ShipmentPackageState": p.shipment_package_state,
        "ShippedQuantity": p.shipped_quantity,
        "ShippedUnitOfMeasureName": p.unit_of_measure,
        "ReceivedQuantity": p.received_quantity,
        "ReceivedUnitOfMeasureName": p.unit_of_measure if p.received_quantity is not None else None,
    }


def lab_result(r: LabResult) -> Json:
    return {
        "PackageId": r.package_id,
        "LabTestResultId": r.result_id,
        "LabFacilityLicenseNumber": r.lab_license_number,
        "LabFacilityName": r.lab_name,
        "SourcePackageLabel": r.label,
        "ProductName": r.product_name,
        "ProductCategoryName": None,
        "TestPerformedDate": r.performed,
        "OverallPassed": r.overall_passed,
        "RevokedDate": r.revoked,
        "ResultReleased": r.released,
        "ResultReleaseDateTime": f"{r.performed.isoformat()}T12:00:00Z" if r.released else None,
        "TestTypeName": r.test_type_name,
        "TestPassed": r.passed,
        "TestResultLevel": r.level,
        "TestComment": None,
        "TestInformationalOnly": False,
        "LabTestDetailRevokedDate": r.revoked,
        "ExpirationDateTime": None,
    }


def lab_test_type(type_id: int, name: str, informational: bool) -> Json:
    return {
        "Id": type_id,
        "Name": name,
        "RequiresTestResult": not informational,
        "InformationalOnly": informational,
        "AlwaysPasses": informational,
        "LabTestResultMode": "Level",
        "LabTestResultMinimum": None,
        "LabTestResultMaximum": None,
        "LabTestResultExpirationDays": None,
        "DependencyMode": None,
        "MaxAllowedFailureCount": None,
    }


def unit(u: Unit) -> Json:
    return {"Name": u.name, "QuantityType": u.quantity_type, "Abbreviation": u.abbreviation}


def waste_method(name: str, for_plants: bool, for_products: bool) -> Json:
    return {
        "Name": name,
        "ForPlants": for_plants,
        "ForProductDestruction": for_products,
        "LastModified": "2020-01-01",
    }
