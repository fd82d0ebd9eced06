"""Incoming transfers (receiving): METRC's manifests to this licence, each with its packages.

Why a module of its own: a manifest is read from two answers (a row of ``/transfers/v2/incoming``
and its delivery's packages) and the description lets nearly every field of both be null. One
unreadable manifest must not stop the others, so each is checked here and handed on with its
``problem`` (receiving skips it and says so) instead of raising; and no id that is null, text or
not positive ever goes into a URL. Only a failure of the incoming list itself fails the pull.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from plugins.base import IncomingPackage, IncomingTransfer
from plugins.builtin.metrc.responses import (
    MetrcError,
    field_of,
    number_of,
    parse_time,
    positive_id,
    text_of,
)

if TYPE_CHECKING:
    from plugins.builtin.metrc.client import MetrcClient

WINDOW = timedelta(hours=24)  # METRC refuses lastModified windows longer than a day
OUR_UNITS = {"grams": "grams", "milligrams": "milligrams", "each": "each"}


class Unreadable(Exception):
    """A manifest field we cannot take as METRC sent it."""


async def incoming_transfers(client: MetrcClient, since: datetime) -> list[IncomingTransfer]:
    """Incoming transfers changed since ``since`` (day windows), each with its packages; those
    that cannot be read come back with ``problem`` set."""
    end = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    rows: dict[str, Any] = {}
    unusable: dict[tuple[str, str], IncomingTransfer] = {}
    start = since
    while start < end:
        window = (start, min(start + WINDOW, end))
        for row in await client._window(window, "incoming", base="/transfers/v2"):
            if field_of(row, "IsVoided") is True:
                continue
            delivery_id = positive_id(field_of(row, "DeliveryId"))
            if delivery_id is None:
                problem = f"METRC gave no usable DeliveryId ({field_of(row, 'DeliveryId')!r})"
                skipped = _transfer(row, "", (), problem)
                unusable[(skipped.manifest_number, skipped.transfer_id)] = skipped
            else:
                rows[delivery_id] = row
        start += WINDOW
    transfers = list(unusable.values())
    for delivery_id, row in rows.items():
        transfers.append(await _with_packages(client, delivery_id, row))
    return transfers


async def _with_packages(client: MetrcClient, delivery_id: str, row: Any) -> IncomingTransfer:
    try:
        envelope = await client._request(
            "GET", f"/transfers/v2/deliveries/{delivery_id}/packages", licensed=False
        )
    except MetrcError as exc:
        # This manifest only: it is pulled again next time (it is not recorded here yet).
        return _transfer(row, delivery_id, (), f"METRC did not list its packages: {exc.message}")
    records = field_of(envelope, "Data") if isinstance(envelope, dict) else envelope
    if not isinstance(records, list):
        records = []
    try:
        packages = tuple(_package(p) for p in records)
    except Unreadable as exc:
        return _transfer(row, delivery_id, (), str(exc))
    return _transfer(row, delivery_id, packages, None)


def _transfer(
    row: Any, delivery_id: str, packages: tuple[IncomingPackage, ...], problem: str | None
) -> IncomingTransfer:
    manifest = text_of(field_of(row, "ManifestNumber"))
    if manifest is None:
        problem = problem or "METRC gave no manifest number"
    try:
        arrival = parse_time(field_of(row, "EstimatedArrivalDateTime"))
    except ValueError:
        arrival = None  # only a hint for the dock
    return IncomingTransfer(
        transfer_id=positive_id(field_of(row, "Id")) or "",
        delivery_id=delivery_id,
        manifest_number=manifest or "",
        shipper_license=text_of(field_of(row, "ShipperFacilityLicenseNumber")),
        shipper_name=text_of(field_of(row, "ShipperFacilityName")),
        transporter=text_of(field_of(row, "TransporterFacilityName")),
        driver_name=text_of(field_of(row, "DriverName")),
        estimated_arrival=arrival,
        packages=packages,
        problem=problem,
    )


def _package(p: Any) -> IncomingPackage:
    tag = text_of(field_of(p, "PackageLabel"))
    if tag is None:
        raise Unreadable(f"a package has no label (METRC PackageId {field_of(p, 'PackageId')!r})")
    raw_quantity = field_of(p, "ShippedQuantity")
    quantity = number_of(raw_quantity)
    if quantity is None or quantity <= 0:
        raise Unreadable(
            f"package {tag}: shipped quantity {raw_quantity!r} is not a positive number"
        )
    raw_unit = field_of(p, "ShippedUnitOfMeasureName")
    unit = OUR_UNITS.get(str(raw_unit or "").lower())
    if unit is None:
        raise Unreadable(f"package {tag}: unit {raw_unit!r} is not grams, milligrams or each")
    return IncomingPackage(
        tag=tag,
        item_name=text_of(field_of(p, "ItemName")) or text_of(field_of(p, "ProductName")) or "",
        shipped_quantity=quantity,
        unit=unit,
        lab_state=text_of(field_of(p, "LabTestingState")),
        batch_number=text_of(field_of(p, "ProductionBatchNumber")),
    )
