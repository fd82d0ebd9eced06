"""A WA licence's weekly CCRS upload files, built from the ledger and the report outbox.

Sales and adjustments come from the outbox (so what is filed is exactly what the ledger owed the
state); Inventory is each touched package's quantity as of the week's end, rebuilt from the
movements; Area, Strain and Product list what was created that week. Exporting marks the week's
reports ``filed``: CCRS gives no receipt, so "in the file we handed the compliance officer" is the
most we can know until the state's error e-mail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from domain.rows import returned
from domain.unit_of_work import UnitOfWork
from plugins.base import WeekLedger

if TYPE_CHECKING:
    from plugins.base import ReportingWeek, UploadFile


@dataclass(frozen=True)
class WeekExport:
    week: ReportingWeek
    files: Sequence[UploadFile] = field(default_factory=list)
    reports_filed: int = 0


async def export_week(
    uow: UnitOfWork, location_id: int, day: date, submitted_by: str
) -> WeekExport:
    """The files for the reporting week containing ``day`` (the store's calendar).

    The state system's plugin (``uow.registry``) knows the week and the file layouts; this reads
    what it needs from the ledger and the outbox and marks the week's reports filed.
    """
    weekly = uow.registry.state_system("ccrs").weekly_files
    if weekly is None:
        raise LookupError("the installed ccrs state system renders no weekly files")
    async with uow:
        conn = uow.conn
        location = returned(
            await conn.fetchrow(
                "SELECT license_number, timezone FROM location WHERE id = $1", location_id
            ),
            "location",
        )
        week = weekly.week_of(day, location["timezone"])
        reports = await conn.fetch(
            "SELECT id, kind, external_id, payload, occurred_at FROM state_report"
            " WHERE location = $1 AND occurred_at >= $2 AND occurred_at < $3"
            " AND status IN ('pending', 'failed', 'filed') ORDER BY id",
            location_id,
            week.starts_at,
            week.ends_before,
        )
        sold = await _sales_returned(conn, location_id, reports)
        inventory = await conn.fetch(_INVENTORY, location_id, week.starts_at, week.ends_before)
        zones = await conn.fetch(
            "SELECT id, name, kind, created_at FROM zone WHERE location = $1"
            " AND created_at >= $2 AND created_at < $3 ORDER BY id",
            location_id,
            week.starts_at,
            week.ends_before,
        )
        products = await conn.fetch(_PRODUCTS, location_id, week.starts_at, week.ends_before)
        ledger = WeekLedger(
            licence=location["license_number"],
            timezone=location["timezone"],
            submitted_by=submitted_by,
            week=week,
            reports=reports,
            sold=sold,
            inventory=inventory,
            zones=zones,
            products=products,
        )
        files = weekly.render(ledger, datetime.now(UTC))
        filed = await _mark_filed(conn, location_id, [r["id"] for r in reports], files)
    return WeekExport(week, files, filed)


async def _sales_returned(
    conn: Any, location_id: int, reports: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The sale reports (any week) behind this week's returns, by external id."""
    wanted = sorted(
        {str(r["payload"].get("related_external_id")) for r in reports if r["kind"] == "return"}
    )
    if not wanted:
        return {}
    rows = await conn.fetch(
        "SELECT external_id, payload FROM state_report WHERE location = $1 AND kind = 'sale'"
        " AND external_id = ANY($2::text[])",
        location_id,
        wanted,
    )
    return {r["external_id"]: r["payload"] for r in rows}


async def _mark_filed(
    conn: Any, location_id: int, report_ids: list[int], files: Sequence[UploadFile]
) -> int:
    names = [f.name for f in files]
    rows = await conn.fetch(
        "UPDATE state_report SET status = 'filed', state_ids = $3, updated_at = now()"
        " WHERE location = $1 AND id = ANY($2::bigint[]) AND status IN ('pending', 'failed')"
        " RETURNING id",
        location_id,
        report_ids,
        names,
    )
    return len(rows)


# Packages with any movement (or created) this week: quantity on hand at the week's end is
# today's balance minus what moved in after the week; the initial quantity is the first
# movement's; the area is the zone holding the most.
_INVENTORY = """
SELECT p.tag, p.created_at, p.unit_cost, pr.sku AS product_sku, pr.strain,
       coalesce((SELECT sum(b.quantity) FROM stock_balance b WHERE b.package = p.id), 0)
       - coalesce((SELECT sum(CASE WHEN m.to_zone IS NOT NULL AND m.from_zone IS NULL
                                   THEN m.quantity
                                   WHEN m.from_zone IS NOT NULL AND m.to_zone IS NULL
                                   THEN -m.quantity ELSE 0 END)
                   FROM movement m WHERE m.package = p.id AND m.occurred_at >= $3), 0)
         AS on_hand,
       coalesce((SELECT m.quantity FROM movement m WHERE m.package = p.id
                 ORDER BY m.sequence LIMIT 1), 0) AS initial_quantity,
       (SELECT z.name FROM stock_balance b JOIN zone z ON z.id = b.zone
        WHERE b.package = p.id ORDER BY b.quantity DESC LIMIT 1) AS area
FROM package p JOIN product pr ON pr.id = p.product
WHERE p.location = $1 AND EXISTS (
    SELECT 1 FROM movement m WHERE m.package = p.id AND m.occurred_at >= $2
    AND m.occurred_at < $3)
ORDER BY p.tag
"""

_PRODUCTS = """
SELECT DISTINCT pr.sku, pr.name, pr.category, pr.strain, pr.unit_weight_grams, pr.created_at
FROM product pr JOIN package p ON p.product = pr.id
WHERE p.location = $1 AND pr.created_at >= $2 AND pr.created_at < $3
ORDER BY pr.sku
"""
