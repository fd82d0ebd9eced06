"""Read models for the dock tablet, the office and the vendor scorecard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import db
from domain.inventory.queries import MAX_PAGE, Page


async def shipments_page(
    location_id: int, status: str | None, first: int, after: int | None
) -> Page:
    limit = max(1, min(first, MAX_PAGE))
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT * FROM shipment WHERE location = $1 AND ($2::text IS NULL OR status = $2)"
            f" AND ($3::bigint IS NULL OR id < $3) ORDER BY id DESC LIMIT {limit + 1}",
            location_id,
            status,
            after,
        )
    return Page([dict(r) for r in rows[:limit]], len(rows) > limit)


async def shipment(shipment_id: int) -> dict[str, Any] | None:
    async with db.connection() as conn:
        row = await conn.fetchrow("SELECT * FROM shipment WHERE id = $1", shipment_id)
    return dict(row) if row else None


async def session_shipment(session_id: int) -> int | None:
    """The shipment a receiving session is checking in, or None for no such session."""
    async with db.connection() as conn:
        return await conn.fetchval(
            "SELECT shipment FROM receiving_session WHERE id = $1", session_id
        )


async def shipment_detail(shipment_id: int) -> dict[str, Any]:
    """The manifest's packages with their scans, the session and its checklist answers."""
    async with db.connection() as conn:
        packages = await conn.fetch(
            "SELECT sp.*, ps.decision, ps.received_quantity, ps.reason, ps.scanned_at,"
            " ps.scanned_by FROM shipment_package sp"
            " LEFT JOIN receiving_session s ON s.shipment = sp.shipment"
            " LEFT JOIN package_scan ps ON ps.session = s.id AND ps.shipment_package = sp.id"
            " WHERE sp.shipment = $1 ORDER BY sp.id",
            shipment_id,
        )
        session = await conn.fetchrow(
            "SELECT * FROM receiving_session WHERE shipment = $1", shipment_id
        )
        answers = []
        if session:
            answers = await conn.fetch(
                "SELECT * FROM checklist_answer WHERE session = $1 ORDER BY id", session["id"]
            )
    return {
        "packages": [dict(p) for p in packages],
        "session": dict(session) if session else None,
        "answers": [dict(a) for a in answers],
    }


async def vendor_scorecard(
    location_id: int, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Per shipper: shipments, packages, short and rejected packages, and the quantity gap."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            """
            SELECT coalesce(sh.shipper_name, sh.shipper_license, 'unknown') AS vendor,
                   sh.shipper_license,
                   count(DISTINCT sh.id) AS shipments,
                   count(sp.id) AS packages,
                   count(ps.id) FILTER (WHERE ps.decision = 'partial') AS short_packages,
                   count(ps.id) FILTER (WHERE ps.decision = 'reject') AS rejected_packages,
                   coalesce(sum(sp.shipped_quantity), 0) AS shipped,
                   coalesce(sum(ps.received_quantity), 0) AS received,
                   count(ps.id) FILTER (WHERE ps.override_reason IS NOT NULL)
                       AS weight_overrides
            FROM shipment sh
            JOIN receiving_session s ON s.shipment = sh.id AND s.status = 'completed'
            JOIN shipment_package sp ON sp.shipment = sh.id
            LEFT JOIN package_scan ps ON ps.session = s.id AND ps.shipment_package = sp.id
            WHERE sh.location = $1 AND s.completed_at >= $2 AND s.completed_at < $3
            GROUP BY 1, 2
            ORDER BY count(ps.id) FILTER (WHERE ps.decision IN ('partial', 'reject')) DESC, vendor
            """,
            location_id,
            since,
            until,
        )
    return [dict(r) for r in rows]
