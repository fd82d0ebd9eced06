"""Shipment, manifest package, checklist and scorecard types."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry


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


@strawberry.type
class ChecklistAnswer:
    key: str
    label: str
    required: bool
    answer: str
    note: str | None
    answered_at: datetime


@strawberry.type
class ChecklistItem:
    key: str
    label: str
    required: bool


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

    @classmethod
    def build(cls, row: dict[str, Any], detail: dict[str, Any]) -> Shipment:
        session = detail["session"]
        task = session["state_task"] if session else None
        return cls(
            id=strawberry.ID(str(row["id"])),
            source=row["source"],
            manifest_number=row["manifest_number"],
            shipper_license=row["shipper_license"],
            shipper_name=row["shipper_name"],
            transporter=row["transporter"],
            driver_name=row["driver_name"],
            estimated_arrival=row["estimated_arrival"],
            status=row["status"],
            packages=[
                ManifestPackage(
                    tag=p["tag"],
                    item_name=p["item_name"],
                    product_id=strawberry.ID(str(p["product"])) if p["product"] else None,
                    batch_number=p["batch_number"],
                    shipped_quantity=p["shipped_quantity"],
                    unit=p["unit"],
                    lab_state=p["lab_state"],
                    decision=p["decision"],
                    received_quantity=p["received_quantity"],
                    reason=p["reason"],
                    scanned_at=p["scanned_at"],
                )
                for p in detail["packages"]
            ],
            session=ReceivingSession(
                id=strawberry.ID(str(session["id"])),
                status=session["status"],
                arrived_at=session["arrived_at"],
                driver_name=session["driver_name"],
                vehicle=session["vehicle"],
                completed_at=session["completed_at"],
                state_task_json=None if task is None else json.dumps(task),
                answers=[
                    ChecklistAnswer(
                        key=a["key"],
                        label=a["label"],
                        required=a["required"],
                        answer=a["answer"],
                        note=a["note"],
                        answered_at=a["answered_at"],
                    )
                    for a in detail["answers"]
                ],
            )
            if session
            else None,
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
