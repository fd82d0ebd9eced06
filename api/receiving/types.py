"""Shipment, manifest package, checklist and scorecard types."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import strawberry

from domain.receiving import model, queries


@strawberry.type(description="A package on the manifest, with the dock's decision if scanned.")
class ManifestPackage:
    tag: str
    item_name: str
    product_id: strawberry.ID | None
    batch_number: str | None
    shipped_quantity: Decimal
    unit: str
    lab_state: str | None
    decision: str | None = strawberry.field(description="accept, partial, reject or null.")
    received_quantity: Decimal | None
    reason: str | None
    scanned_at: datetime | None

    @classmethod
    def from_domain(cls, row: queries.ManifestPackageRow) -> ManifestPackage:
        return cls(
            tag=row.tag,
            item_name=row.item_name,
            product_id=strawberry.ID(str(row.product_id)) if row.product_id else None,
            batch_number=row.batch_number,
            shipped_quantity=row.shipped_quantity,
            unit=row.unit,
            lab_state=row.lab_state,
            decision=row.decision,
            received_quantity=row.received_quantity,
            reason=row.reason,
            scanned_at=row.scanned_at,
        )


@strawberry.type
class ChecklistAnswer:
    key: str
    label: str
    required: bool
    answer: str
    note: str | None
    answered_at: datetime

    @classmethod
    def from_domain(cls, row: queries.ChecklistAnswerRow) -> ChecklistAnswer:
        return cls(
            key=row.key,
            label=row.label,
            required=row.required,
            answer=row.answer,
            note=row.note,
            answered_at=row.answered_at,
        )


@strawberry.type
class ChecklistItem:
    key: str
    label: str
    required: bool

    @classmethod
    def from_domain(cls, item: model.ChecklistItem) -> ChecklistItem:
        return cls(key=item.key, label=item.label, required=item.required)


@strawberry.type(description="Who received the shipment, when, and what to enter at the state.")
class ReceivingSession:
    id: strawberry.ID
    status: str
    arrived_at: datetime
    driver_name: str | None
    vehicle: str | None
    completed_at: datetime | None
    state_task_json: str | None = strawberry.field(
        description="METRC has no API to accept a transfer: what to accept and reject in its"
        " web UI, as JSON."
    )
    answers: list[ChecklistAnswer]

    @classmethod
    def from_domain(cls, row: queries.ReceivingSessionRow) -> ReceivingSession:
        return cls(
            id=strawberry.ID(str(row.id)),
            status=row.status,
            arrived_at=row.arrived_at,
            driver_name=row.driver_name,
            vehicle=row.vehicle,
            completed_at=row.completed_at,
            state_task_json=None if row.state_task is None else json.dumps(row.state_task),
            answers=[ChecklistAnswer.from_domain(a) for a in row.answers],
        )


@strawberry.type(description="An inbound shipment: a state manifest or one entered at the dock.")
class Shipment:
    id: strawberry.ID
    source: str
    manifest_number: str
    shipper_license: str | None
    shipper_name: str | None
    transporter: str | None
    driver_name: str | None
    estimated_arrival: datetime | None
    status: str
    packages: list[ManifestPackage]
    session: ReceivingSession | None
    purchase_order_id: strawberry.ID | None = strawberry.field(
        default=None, description="The purchase order this shipment is received against."
    )

    @classmethod
    def from_domain(cls, row: queries.ShipmentRow) -> Shipment:
        return cls(
            id=strawberry.ID(str(row.id)),
            source=row.source,
            manifest_number=row.manifest_number,
            shipper_license=row.shipper_license,
            shipper_name=row.shipper_name,
            transporter=row.transporter,
            driver_name=row.driver_name,
            estimated_arrival=row.estimated_arrival,
            status=row.status,
            packages=[ManifestPackage.from_domain(p) for p in row.packages],
            session=ReceivingSession.from_domain(row.session) if row.session else None,
            purchase_order_id=(
                None if row.purchase_order_id is None else strawberry.ID(str(row.purchase_order_id))
            ),
        )


@strawberry.type(description="How a vendor's shipments arrived over a period.")
class VendorScore:
    vendor: str
    shipper_license: str | None
    shipments: int
    packages: int
    short_packages: int
    rejected_packages: int
    shipped: Decimal
    received: Decimal
    weight_overrides: int
    vendor_id: strawberry.ID | None = strawberry.field(
        description="The purchasing vendor, when the shipments were received against its orders."
    )
    ordered: Decimal = strawberry.field(description="What the period's orders asked for.")
    short_quantity: Decimal = strawberry.field(description="Expected and never delivered.")
    rejected_quantity: Decimal = strawberry.field(description="Turned away at the dock.")

    @classmethod
    def from_domain(cls, row: queries.VendorScoreRow) -> VendorScore:
        return cls(
            vendor=row.vendor,
            shipper_license=row.shipper_license,
            shipments=row.shipments,
            packages=row.packages,
            short_packages=row.short_packages,
            rejected_packages=row.rejected_packages,
            shipped=row.shipped,
            received=row.received,
            weight_overrides=row.weight_overrides,
            vendor_id=None if row.vendor_id is None else strawberry.ID(str(row.vendor_id)),
            ordered=row.ordered,
            short_quantity=row.short_quantity,
            rejected_quantity=row.rejected_quantity,
        )
