"""The METRC endpoints the double serves, one function per operationId of the yaml.

Why this module exists: these are the calls a retailer's integration makes (packages, adjust,
sales receipts, incoming transfers, lab results, reference lists). Each handler receives a request
that ``app.py`` has already validated and authorised, acts on ``MetrcState`` and renders with
``present.py``. An operation the yaml offers but no handler implements answers 501, so a test
notices when our client starts using something the double does not model.

Where the yaml and our reference notes differ (the yaml wins for validation):

* ``GET /sales/v2/receipts/external/{externalNumber}`` (in the notes) is in the yaml too, as
  ``GetSaleReceiptExternal``; it answers a paging envelope, not a single receipt, so a duplicated
  external number shows up as two entries;
* the notes say nearly every call takes ``licenseNumber``; the yaml (and METRC's CA collection)
  give ``/transfers/v2/{id}/deliveries`` and ``/transfers/v2/deliveries/{id}/packages`` none, so
  sending one there is refused as an unknown parameter; access is checked through the delivery's
  recipient facility instead;
* besides ``POST /packages/v2/adjust`` the yaml has ``PUT /packages/v2/adjust`` (the CA collection
  calls it AdjustQuantity, same body); both are served alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from starlette.responses import Response

from . import present
from .index import as_utc
from .present import DoubleSettings, WriteAnswer, dumps, envelope, recase
from .records import (
    CUSTOMER_TYPES,
    LAB_TEST_STATES,
    LAB_TEST_TYPES,
    UNITS,
    WASTE_METHODS,
    Package,
    PackageStatus,
    Receipt,
)
from .rules import Refused
from .state import MetrcState
from .validation import Checked, RowError, parse_datetime

T = TypeVar("T")
Handler = Callable[["Call"], Response]
HANDLERS: dict[str, Handler] = {}


class NotFound(Exception):
    pass


class Denied(Exception):
    pass


@dataclass
class Call:
    checked: Checked
    state: MetrcState
    settings: DoubleSettings
    licenses: frozenset[str]  # facilities the key pair may act for
    user_key: str

    @property
    def query(self) -> dict[str, Any]:
        return self.checked.query

    @property
    def license_number(self) -> str | None:
        return self.checked.query.get("licenseNumber")

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.checked.body or []

    def path_param(self, name: str) -> Any:
        return self.checked.path_params[name]


def handles(*operation_ids: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for operation_id in operation_ids:
            HANDLERS[operation_id] = handler
        return handler

    return register


def json_response(call: Call, value: Any, status: int = 200) -> Response:
    body = dumps(recase(value, call.settings.casing))
    return Response(body, status_code=status, media_type="application/json")


def written(call: Call, ids: list[int]) -> Response:
    if call.settings.write_answer == WriteAnswer.EMPTY:
        return Response(b"", status_code=200)
    return json_response(call, {"Ids": ids, "Warnings": []})


def listing(
    call: Call,
    items: Sequence[T],
    render: Callable[[T], Any],
    when: Callable[[T], datetime] | None = None,
) -> Response:
    """Filter by the lastModified window (at most 24 h, else 400) and answer the envelope."""
    errors: list[str] = []
    page_size, page_number = call.query.get("pageSize"), call.query.get("pageNumber")
    if page_size is not None and page_size < 1:
        errors.append("pageSize must be at least 1.")
    if page_number is not None and page_number < 1:
        errors.append("pageNumber must be at least 1.")
    start, end = call.query.get("lastModifiedStart"), call.query.get("lastModifiedEnd")
    if when is not None and (start or end):
        window = call.settings.max_window
        last = as_utc(end) if end else call.state.now()
        first = as_utc(start) if start else last - window
        if last < first:
            errors.append("lastModifiedEnd must not be before lastModifiedStart.")
        elif last - first > window:
            hours = window.total_seconds() / 3600
            errors.append(
                f"The lastModifiedStart..lastModifiedEnd window may not exceed {hours:g} hours."
            )
        items = [i for i in items if first <= as_utc(when(i)) <= last]
    if errors:
        raise Refused([RowError(0, m) for m in errors], violation=True)
    return json_response(call, envelope([render(i) for i in items], page_number, page_size))


def _visible(call: Call, license_number: str | None, what: str) -> None:
    if license_number is None:
        raise NotFound(f"No {what} was found.")
    if license_number not in call.licenses or (
        call.license_number is not None and license_number != call.license_number
    ):
        raise Denied(f"The {what} is not valid for the specified License Number.")


# -- facilities, packages ----------------------------------------------------------------------


@handles("GetFacilities")
def facilities(call: Call) -> Response:
    return json_response(
        call, [present.facility(f) for f in call.state.facilities_of(call.user_key)]
    )


PACKAGE_LISTINGS = {
    "GetPackageActive": {PackageStatus.ACTIVE, PackageStatus.ONHOLD},
    "GetPackageOnHold": {PackageStatus.ONHOLD},
    "GetPackageInactive": {PackageStatus.INACTIVE, PackageStatus.FINISHED},
    "GetPackageIntransit": {PackageStatus.INTRANSIT},
}


@handles(*PACKAGE_LISTINGS)
def package_listing(call: Call) -> Response:
    assert call.checked.operation is not None
    statuses = PACKAGE_LISTINGS[call.checked.operation.operation_id]
    start, end = call.query.get("lastModifiedStart"), call.query.get("lastModifiedEnd")
    first = as_utc(start) if start else None
    last = as_utc(end) if end else None

    def wanted(p: Package) -> bool:
        # The state narrows to the window first (by index); ``listing`` checks and refuses it.
        return p.status in statuses

    found = call.state.packages(call.license_number, where=wanted, modified=(first, last))
    return listing(call, found, present.package, lambda p: p.last_modified)


def _one_package(call: Call, package: Package | None) -> Response:
    _visible(call, package.license_number if package else None, "package")
    assert package is not None
    return json_response(call, present.package(package))


@handles("GetPackageByLabel")
def package_by_label(call: Call) -> Response:
    return _one_package(call, call.state.find_package(call.path_param("label")))


@handles("GetPackageById")
def package_by_id(call: Call) -> Response:
    return _one_package(call, call.state.package_by_id(call.path_param("id")))


@handles("PostPackageAdjust", "PutPackageAdjust")
def adjust(call: Call) -> Response:
    return written(call, call.state.adjust(call.license_number or "", call.rows))


@handles("PostPackages")
def create_packages(call: Call) -> Response:
    return written(call, call.state.create_packages(call.license_number or "", call.rows))


@handles("GetTagPackageAvailable")
def available_tags(call: Call) -> Response:  # a plain array, as the yaml answers
    return json_response(call, call.state.available_tags(call.license_number or ""))


@handles("GetPackageAdjustReasons")
def adjust_reasons(call: Call) -> Response:
    reasons = call.state.adjust_reasons(call.license_number or "")
    return listing(call, reasons, present.adjust_reason)


@handles("PutPackageLocation")
def move(call: Call) -> Response:
    return written(call, call.state.move(call.license_number or "", call.rows))


@handles("PutPackageFinish")
def finish(call: Call) -> Response:
    return written(call, call.state.finish(call.license_number or "", call.rows))


@handles("PutPackageUnfinish")
def unfinish(call: Call) -> Response:
    return written(call, call.state.unfinish(call.license_number or "", call.rows))


# -- sales -----------------------------------------------------------------------------------


@handles("PostSaleReceipts")
def record_receipts(call: Call) -> Response:
    return written(call, call.state.record_receipts(call.license_number or "", call.rows))


@handles("PutSaleReceipts")
def update_receipts(call: Call) -> Response:
    return written(call, call.state.update_receipts(call.license_number or "", call.rows))


@handles("DeleteSaleReceiptById")
def void_receipt(call: Call) -> Response:
    call.state.void_receipt(call.license_number or "", call.path_param("id"))
    return Response(b"", status_code=200)


@handles("PutSaleReceiptFinalize", "PutSaleReceiptUnfinalize")
def finalize(call: Call) -> Response:
    assert call.checked.operation is not None
    final = call.checked.operation.operation_id == "PutSaleReceiptFinalize"
    return written(call, call.state.set_final(call.license_number or "", call.rows, final))


@handles("GetSaleReceiptById")
def receipt_by_id(call: Call) -> Response:
    receipt = call.state.receipt(call.path_param("id"))
    _visible(call, receipt.license_number if receipt else None, "sales receipt")
    assert receipt is not None
    return json_response(call, present.receipt(receipt))


def _user_receipts(call: Call) -> list[Receipt]:
    return [
        r for r in call.state.receipts(call.license_number) if r.license_number in call.licenses
    ]


@handles("GetSaleReceiptExternal")
def receipts_by_external_number(call: Call) -> Response:
    number = call.path_param("externalNumber")
    found = [r for r in _user_receipts(call) if r.external_receipt_number == number]
    return listing(call, found, present.receipt)


def _sold_within(call: Call, receipt: Receipt) -> bool:
    start, end = call.query.get("salesDateStart"), call.query.get("salesDateEnd")
    sold = parse_datetime(receipt.sales_date_time)
    if sold is None or not (start or end):
        return True
    sold = sold.replace(tzinfo=None)
    return (start is None or start.replace(tzinfo=None) <= sold) and (
        end is None or sold <= end.replace(tzinfo=None)
    )


@handles("GetSaleReceiptActive", "GetSaleReceiptInactive")
def receipt_listing(call: Call) -> Response:
    assert call.checked.operation is not None
    voided = call.checked.operation.operation_id == "GetSaleReceiptInactive"
    found = [r for r in _user_receipts(call) if r.voided == voided and _sold_within(call, r)]
    return listing(call, found, present.receipt, lambda r: r.last_modified)


@handles("GetSaleCustomerTypes")
def customer_types(call: Call) -> Response:
    return listing(call, list(CUSTOMER_TYPES), str)


# -- transfers ---------------------------------------------------------------------------------


@handles("GetTransferIncoming")
def incoming(call: Call) -> Response:
    rows = [
        (t, d)
        for t in call.state.transfers(call.license_number)
        for d in t.deliveries
        if d.recipient_license_number == call.license_number
    ]
    return listing(
        call, rows, lambda row: present.incoming_transfer(*row), lambda row: row[0].last_modified
    )


@handles("GetTransferByIdDeliveries")
def deliveries(call: Call) -> Response:
    transfer = call.state.transfer(call.path_param("id"))
    if transfer is None:
        raise NotFound(f"Transfer {call.path_param('id')} was not found.")
    mine = [d for d in transfer.deliveries if d.recipient_license_number in call.licenses]
    if not mine:
        raise Denied("The transfer is not valid for any of the user's facilities.")
    return listing(call, mine, present.delivery)


@handles("GetTransferDeliveryByIdPackages")
def delivery_packages(call: Call) -> Response:
    delivery = call.state.delivery(call.path_param("id"))
    if delivery is None:
        raise NotFound(f"Delivery {call.path_param('id')} was not found.")
    if delivery.recipient_license_number not in call.licenses:
        raise Denied("The delivery is not valid for any of the user's facilities.")
    return listing(call, delivery.packages, present.delivery_package)


# -- lab tests, reference lists -----------------------------------------------------------------


@handles("GetLabTestResults")
def lab_results(call: Call) -> Response:
    package = call.state.package_by_id(call.query["packageId"])
    _visible(call, package.license_number if package else None, "package")
    assert package is not None
    return listing(call, call.state.lab_results(package.id), present.lab_result)


@handles("GetLabTestStates")
def lab_test_states(call: Call) -> Response:
    return listing(call, list(LAB_TEST_STATES), str)


@handles("GetLabTestTypes")
def lab_test_types(call: Call) -> Response:
    return listing(call, list(LAB_TEST_TYPES), lambda t: present.lab_test_type(*t))


@handles("GetLabTestBatches")
def lab_test_batches(call: Call) -> Response:
    """One batch of every type: what a lab records a package against."""
    batch = {
        "Name": "Retail Compliance",
        "LabTestTypes": [present.lab_test_type(*t) for t in LAB_TEST_TYPES],
    }
    return listing(call, [batch], lambda b: b)


@handles("GetUnitOfMeasureActive")
def units_active(call: Call) -> Response:
    return listing(call, list(UNITS), present.unit)


@handles("GetUnitOfMeasureInactive")
def units_inactive(call: Call) -> Response:
    return listing(call, [], present.unit)


@handles("GetWasteMethods")
def waste_methods(call: Call) -> Response:  # the yaml answers a plain array here, no envelope
    return json_response(call, [present.waste_method(*m) for m in WASTE_METHODS])
