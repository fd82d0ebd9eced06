"""A WA licence's weekly CCRS upload files, built from the ledger and the report outbox.

Sales and adjustments come from the outbox (so what is filed is exactly what the ledger owed the
state); Inventory is each touched package's quantity as of the week's end, rebuilt from the
movements; Area, Strain and Product list what was created that week. Exporting marks the week's
reports ``filed``: CCRS gives no receipt, so "in the file we handed the compliance officer" is the
most we can know until the state's error e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from domain import db
from domain.rows import returned
from plugins.builtin import ccrs_files as ccrs


@dataclass(frozen=True)
class WeekExport:
    week: ccrs.Week
    files: list[ccrs.CcrsFile] = field(default_factory=list)
    reports_filed: int = 0


async def export_week(location_id: int, day: date, submitted_by: str) -> WeekExport:
    """The files for the reporting week containing ``day`` (the store's calendar)."""
    async with db.connection() as conn:
        location = returned(
            await conn.fetchrow(
                "SELECT license_number, timezone FROM location WHERE id = $1", location_id
            ),
            "location",
        )
        week = ccrs.week_of(day, location["timezone"])
        licence = location["license_number"]
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
    tz = ZoneInfo(location["timezone"])
    local = lambda at: at.astimezone(tz).date()  # noqa: E731
    rows: dict[ccrs.FileKind, list[Any]] = {kind: [] for kind in ccrs.FileKind}
    for r in reports:
        payload = _payload(r)
        rows_for = _report_rows(r, payload, sold, licence, submitted_by, local(r["occurred_at"]))
        for kind, row in rows_for:
            rows[kind].append(row)
    for z in zones:
        rows[ccrs.FileKind.AREA].append(
            ccrs.AreaRow(
                license_number=licence,
                area=z["name"],
                is_quarantine=z["kind"] == "quarantine",
                external_identifier=f"Z{z['id']}",
                created_by=submitted_by,
                created_date=local(z["created_at"]),
                operation=ccrs.Operation.INSERT,
            )
        )
    for p in products:
        rows[ccrs.FileKind.PRODUCT].append(_product_row(p, licence, submitted_by, local))
    strains = sorted({p["strain"] for p in products if p["strain"]})
    for strain in strains:
        rows[ccrs.FileKind.STRAIN].append(
            ccrs.StrainRow(
                license_number=licence,
                strain=strain,
                strain_type=ccrs.StrainType.HYBRID,
                created_by=submitted_by,
                created_date=week.start,
            )
        )
    for item in inventory:
        rows[ccrs.FileKind.INVENTORY].append(
            _inventory_row(item, licence, submitted_by, local, week)
        )
    now = datetime.now(UTC)
    files = [
        ccrs.render(kind, licence, submitted_by, now, kind_rows)
        for kind, kind_rows in rows.items()
        if kind_rows
    ]
    filed = await _mark_filed(location_id, [r["id"] for r in reports], files)
    return WeekExport(week, files, filed)


async def _sales_returned(conn: Any, location_id: int, reports: list[Any]) -> dict[str, Any]:
    """The sale reports (any week) behind this week's returns, by external id."""
    wanted = sorted(
        {str(_payload(r).get("related_external_id")) for r in reports if r["kind"] == "return"}
    )
    if not wanted:
        return {}
    rows = await conn.fetch(
        "SELECT external_id, payload FROM state_report WHERE location = $1 AND kind = 'sale'"
        " AND external_id = ANY($2::text[])",
        location_id,
        wanted,
    )
    return {r["external_id"]: _payload(r) for r in rows}


def _payload(report: Any) -> dict[str, Any]:
    return report["payload"]


def _report_rows(
    report: Any,
    payload: dict[str, Any],
    sold: dict[str, dict[str, Any]],
    licence: str,
    by: str,
    day: date,
) -> list[tuple[ccrs.FileKind, Any]]:
    kind = report["kind"]
    if kind in ("adjust", "destroy"):
        return [
            (
                ccrs.FileKind.INVENTORY_ADJUSTMENT,
                ccrs.adjustment_row(
                    license_number=licence,
                    inventory_external_identifier=payload["tag"],
                    our_reason=payload.get("reason") or "destruction",
                    delta=Decimal(payload["quantity"]),
                    note=payload.get("note"),
                    adjustment_date=day,
                    external_identifier=report["external_id"],
                    created_by=by,
                    created_date=day,
                ),
            )
        ]
    if kind in ("sale", "void"):
        # A void withdraws the sale's lines: the same identifiers with Operation DELETE.
        sale_id = payload.get("related_external_id") if kind == "void" else report["external_id"]
        operation = ccrs.Operation.DELETE if kind == "void" else ccrs.Operation.INSERT
        return [
            (
                ccrs.FileKind.SALE,
                _sale_row(payload, line, i, str(sale_id), operation, licence, by, day),
            )
            for i, line in enumerate(payload.get("lines", []))
        ]
    if kind == "return":
        return _return_rows(payload, sold, licence, by, day)
    return []


def _return_rows(
    payload: dict[str, Any], sold: dict[str, dict[str, Any]], licence: str, by: str, day: date
) -> list[tuple[ccrs.FileKind, Any]]:
    """A return updates the sale's detail rows to what the customer kept (DELETE when nothing).

    Quantities are absolute, so a later return of the same sale simply supersedes this one.
    """
    sale_id = str(payload.get("related_external_id"))
    sale = sold.get(sale_id)
    if sale is None:  # the sale itself was never reported (cancelled): nothing to correct
        return []
    left = {tag: Decimal(q) for tag, q in (payload.get("remaining_by_tag") or {}).items()}
    rows = []
    for i, line in enumerate(sale.get("lines", [])):
        if line["tag"] not in left:
            continue
        keep = min(Decimal(line["quantity"]), left[line["tag"]])
        left[line["tag"]] -= keep
        if keep > 0:
            kept = _prorated(line, keep)
            row = _sale_row(sale, kept, i, sale_id, ccrs.Operation.UPDATE, licence, by, day)
        else:
            row = _sale_row(sale, line, i, sale_id, ccrs.Operation.DELETE, licence, by, day)
        rows.append((ccrs.FileKind.SALE, row))
    return rows


def _prorated(line: dict[str, Any], keep: Decimal) -> dict[str, Any]:
    """The line as if only ``keep`` had been sold: its money shrinks in proportion."""
    share = keep / Decimal(line["quantity"])
    cent = Decimal("0.01")
    return {
        **line,
        "quantity": str(keep),
        **{
            name: str((Decimal(str(line[name])) * share).quantize(cent))
            for name in ("discount", "sales_tax", "excise_tax")
            if line.get(name) is not None
        },
    }


def _sale_row(
    sale: dict[str, Any],
    line: dict[str, Any],
    i: int,
    sale_id: str,
    operation: ccrs.Operation,
    licence: str,
    by: str,
    day: date,
) -> ccrs.SaleRow:
    medical = sale.get("customer_type") == "medical"
    return ccrs.SaleRow(
        license_number=licence,
        sold_to_license_number=None,
        inventory_external_identifier=line["tag"],
        plant_external_identifier=None,
        sale_type=ccrs.SaleType.RECREATIONAL_MEDICAL
        if medical
        else ccrs.SaleType.RECREATIONAL_RETAIL,
        sale_date=day,
        quantity=Decimal(line["quantity"]),
        unit_price=Decimal(str(line.get("unit_price", "0"))),
        discount=Decimal(str(line.get("discount") or "0")),
        retail_sales_tax=Decimal(str(line.get("sales_tax") or "0")),
        cannabis_excise_tax=Decimal(str(line.get("excise_tax") or "0")),
        sale_external_identifier=sale_id,
        sale_detail_external_identifier=f"{sale_id}-{i + 1}",
        created_by=by,
        created_date=day,
        operation=operation,
    )


def _product_row(p: Any, licence: str, by: str, local: Any) -> ccrs.ProductRow:
    return ccrs.ProductRow(
        license_number=licence,
        # A retailer only ever holds finished goods.
        inventory_category=ccrs.InventoryCategory.END_PRODUCT,
        inventory_type=_INVENTORY_TYPES.get(p["category"], "Usable Marijuana"),
        name=p["name"][:75],
        description=None,
        unit_weight_grams=(p["unit_weight_grams"] or Decimal(1)).quantize(Decimal("0.01")),
        external_identifier=p["sku"],
        created_by=by,
        created_date=local(p["created_at"]),
        operation=ccrs.Operation.INSERT,
    )


def _inventory_row(item: Any, licence: str, by: str, local: Any, week: Any) -> ccrs.InventoryRow:
    created = local(item["created_at"])
    inserted = week.start <= created <= week.end
    return ccrs.InventoryRow(
        license_number=licence,
        strain=item["strain"] or "Unknown",
        area=item["area"] or "Vault",
        product=item["product_sku"],
        initial_quantity=item["initial_quantity"],
        quantity_on_hand=item["on_hand"],
        total_cost=max(
            (item["initial_quantity"] * (item["unit_cost"] or Decimal(0))).quantize(
                Decimal("0.01")
            ),
            Decimal("0.01"),  # the state refuses 0 (trade samples file 0.01)
        ),
        is_medical=False,
        external_identifier=item["tag"],
        created_by=by,
        created_date=created,
        updated_by=None if inserted else by,
        updated_date=None if inserted else week.end,
        operation=ccrs.Operation.INSERT if inserted else ccrs.Operation.UPDATE,
    )


async def _mark_filed(location_id: int, report_ids: list[int], files: list[Any]) -> int:
    names = [f.name for f in files]
    async with db.connection() as conn:
        rows = await conn.fetch(
            "UPDATE state_report SET status = 'filed', state_ids = $3, updated_at = now()"
            " WHERE location = $1 AND id = ANY($2::bigint[]) AND status IN ('pending', 'failed')"
            " RETURNING id",
            location_id,
            report_ids,
            names,
        )
    return len(rows)


_INVENTORY_TYPES = {
    "flower": "Usable Marijuana",
    "pre_roll": "Infused Pre-Roll",
    "vape": "Marijuana Extract for Inhalation",
    "concentrate": "Marijuana Extract for Inhalation",
    "edible": "Solid Marijuana Infused Edible",
    "beverage": "Liquid Marijuana Infused Edible",
    "tincture": "Marijuana Infused Topicals",
    "topical": "Marijuana Infused Topicals",
}

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
