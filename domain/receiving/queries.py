"""Read models for the dock tablet, the office and the vendor scorecard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from domain import db
from domain.inventory.queries import MAX_PAGE, Page

_SHIPMENT_COLUMNS = (
    "id, location AS location_id, source, manifest_number, shipper_license, shipper_name,"
    " transporter, driver_name, estimated_arrival, status, created_at,"
    " purchase_order AS purchase_order_id"
)


@dataclass(frozen=True)
class ManifestPackageRow:
    """A package on the manifest, with the dock's decision once it is scanned."""

    shipment_id: int
    tag: str
    item_name: str
    product_id: int | None
    batch_number: str | None
    shipped_quantity: Decimal
    unit: str
    lab_state: str | None
    decision: str | None
    received_quantity: Decimal | None
    reason: str | None
    scanned_at: datetime | None


@dataclass(frozen=True)
class ChecklistAnswerRow:
    session_id: int
    key: str
    label: str
    required: bool
    answer: str
    note: str | None
    answered_at: datetime


@dataclass(frozen=True)
class ReceivingSessionRow:
    id: int
    shipment_id: int
    status: str
    arrived_at: datetime
    driver_name: str | None
    vehicle: str | None
    completed_at: datetime | None
    state_task: Any  # what to do in the state's web UI (decoded by the pool's jsonb codec)
    answers: tuple[ChecklistAnswerRow, ...]


@dataclass(frozen=True)
class ShipmentRow:
    """A shipment with its manifest (in manifest order) and its receiving session, if opened."""

    id: int
    location_id: int
    source: str
    manifest_number: str
    shipper_license: str | None
    shipper_name: str | None
    transporter: str | None
    driver_name: str | None
    estimated_arrival: datetime | None
    status: str
    created_at: datetime
    packages: tuple[ManifestPackageRow, ...]
    session: ReceivingSessionRow | None
    purchase_order_id: int | None = None  # the order this shipment delivers, if linked


async def _with_detail(
    conn: asyncpg.Connection, shipments: Sequence[asyncpg.Record]
) -> list[ShipmentRow]:
    """The shipments with their manifests, sessions and answers: three statements for a page."""
    if not shipments:
        return []
    ids = [s["id"] for s in shipments]
    packages = await conn.fetch(
        "SELECT sp.shipment AS shipment_id, sp.tag, sp.item_name, sp.product AS product_id,"
        " sp.batch_number, sp.shipped_quantity, sp.unit, sp.lab_state, ps.decision,"
        " ps.received_quantity, ps.reason, ps.scanned_at FROM shipment_package sp"
        " LEFT JOIN receiving_session s ON s.shipment = sp.shipment"
        " LEFT JOIN package_scan ps ON ps.session = s.id AND ps.shipment_package = sp.id"
        " WHERE sp.shipment = ANY($1::bigint[]) ORDER BY sp.id",
        ids,
    )
    sessions = await conn.fetch(
        "SELECT id, shipment AS shipment_id, status, arrived_at, driver_name, vehicle,"
        " completed_at, state_task FROM receiving_session WHERE shipment = ANY($1::bigint[])",
        ids,
    )
    answers = []
    if sessions:
        answers = await conn.fetch(
            "SELECT session AS session_id, key, label, required, answer, note, answered_at"
            " FROM checklist_answer WHERE session = ANY($1::bigint[]) ORDER BY id",
            [s["id"] for s in sessions],
        )
    manifest: dict[int, list[ManifestPackageRow]] = {}
    for p in packages:
        manifest.setdefault(p["shipment_id"], []).append(ManifestPackageRow(**p))
    answered: dict[int, list[ChecklistAnswerRow]] = {}
    for a in answers:
        answered.setdefault(a["session_id"], []).append(ChecklistAnswerRow(**a))
    session_of = {
        s["shipment_id"]: ReceivingSessionRow(**s, answers=tuple(answered.get(s["id"], ())))
        for s in sessions
    }
    return [
        ShipmentRow(**s, packages=tuple(manifest.get(s["id"], ())), session=session_of.get(s["id"]))
        for s in shipments
    ]


async def shipments_page(
    location_id: int, status: str | None, first: int, after: int | None
) -> Page[ShipmentRow]:
    """Newest first."""
    limit = max(1, min(first, MAX_PAGE))
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {_SHIPMENT_COLUMNS} FROM shipment WHERE location = $1"
            " AND ($2::text IS NULL OR status = $2)"
            f" AND ($3::bigint IS NULL OR id < $3) ORDER BY id DESC LIMIT {limit + 1}",
            location_id,
            status,
            after,
        )
        shipments = await _with_detail(conn, rows[:limit])
    return Page(shipments, len(rows) > limit)


async def shipment(shipment_id: int) -> ShipmentRow | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            f"SELECT {_SHIPMENT_COLUMNS} FROM shipment WHERE id = $1", shipment_id
        )
        found = await _with_detail(conn, [row] if row else [])
    return found[0] if found else None


async def session_shipment(session_id: int) -> int | None:
    """The shipment a receiving session is checking in, or None for no such session."""
    async with db.connection() as conn:
        return await conn.fetchval(
            "SELECT shipment FROM receiving_session WHERE id = $1", session_id
        )


@dataclass(frozen=True)
class VendorScoreRow:
    """How one vendor's completed deliveries arrived over a period.

    A shipment received against a purchase order counts for the order's vendor (``vendor_id``
    set); one without an order counts for its shipper as the manifest names it."""

    vendor: str
    shipper_license: str | None
    shipments: int
    packages: int
    short_packages: int
    rejected_packages: int
    shipped: Decimal
    received: Decimal
    weight_overrides: int
    vendor_id: int | None = None
    # What the period's orders asked of this vendor (0 without orders).
    ordered: Decimal = Decimal(0)
    # Expected and never delivered: the orders' short quantities, or for shipments without an
    # order what partly accepted packages lacked against their manifest quantity.
    short_quantity: Decimal = Decimal(0)
    # Turned away at the dock (the rejected packages' manifest quantities).
    rejected_quantity: Decimal = Decimal(0)


_SCORECARD = """
WITH delivered AS (
    SELECT sh.id, s.id AS session, sh.purchase_order, po.vendor AS vendor_id,
           coalesce(v.name, sh.shipper_name, sh.shipper_license, 'unknown') AS vendor,
           coalesce(v.license_number, sh.shipper_license) AS shipper_license
    FROM shipment sh
    JOIN receiving_session s ON s.shipment = sh.id AND s.status = 'completed'
    LEFT JOIN purchase_order po ON po.id = sh.purchase_order
    LEFT JOIN vendor v ON v.id = po.vendor
    WHERE sh.location = $1 AND s.completed_at >= $2 AND s.completed_at < $3
), packages AS (
    SELECT d.vendor_id, d.vendor, d.shipper_license,
           count(DISTINCT d.id) AS shipments,
           count(sp.id) AS packages,
           count(ps.id) FILTER (WHERE ps.decision = 'partial') AS short_packages,
           count(ps.id) FILTER (WHERE ps.decision = 'reject') AS rejected_packages,
           coalesce(sum(sp.shipped_quantity), 0) AS shipped,
           coalesce(sum(ps.received_quantity), 0) AS received,
           count(ps.id) FILTER (WHERE ps.override_reason IS NOT NULL) AS weight_overrides,
           coalesce(sum(sp.shipped_quantity) FILTER (WHERE ps.decision = 'reject'), 0)
               AS rejected_quantity,
           coalesce(sum(sp.shipped_quantity - ps.received_quantity)
               FILTER (WHERE ps.decision = 'partial' AND d.purchase_order IS NULL), 0)
               AS manifest_short,
           count(ps.id) FILTER (WHERE ps.decision IN ('partial', 'reject')) AS problems
    FROM delivered d
    JOIN shipment_package sp ON sp.shipment = d.id
    LEFT JOIN package_scan ps ON ps.session = d.session AND ps.shipment_package = sp.id
    GROUP BY 1, 2, 3
), ordered AS (
    SELECT po.vendor AS vendor_id, sum(l.expected_quantity) AS ordered,
           sum(l.short_quantity) AS short
    FROM purchase_order po JOIN purchase_order_line l ON l.purchase_order = po.id
    WHERE po.id IN (SELECT purchase_order FROM delivered WHERE purchase_order IS NOT NULL)
    GROUP BY 1
)
SELECT p.vendor, p.shipper_license, p.shipments, p.packages, p.short_packages,
       p.rejected_packages, p.shipped, p.received, p.weight_overrides, p.vendor_id,
       coalesce(o.ordered, 0) AS ordered,
       p.manifest_short + coalesce(o.short, 0) AS short_quantity, p.rejected_quantity
FROM packages p LEFT JOIN ordered o ON o.vendor_id = p.vendor_id
ORDER BY p.problems DESC, p.vendor
"""


async def vendor_scorecard(
    location_id: int, since: datetime, until: datetime
) -> list[VendorScoreRow]:
    """Per vendor: shipments, packages, short and rejected packages and quantities, and the
    quantity gap (per purchase order vendor when a shipment was received against an order)."""
    async with db.connection() as conn:
        rows = await conn.fetch(_SCORECARD, location_id, since, until)
    return [VendorScoreRow(**r) for r in rows]
