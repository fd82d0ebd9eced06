"""Washington CCRS weekly files from what the ledger owed the state that week.

The domain (``domain.compliance.ccrs_export``) reads the week's outbox reports, packages, areas
and products and hands them here as a ``WeekLedger``; this module turns them into the state's
rows and renders the upload files. Pure: no database, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from plugins.base import ReportingWeek, WeekLedger
from plugins.builtin import ccrs_files as ccrs


class CcrsWeeklyFiles:
    """The CCRS ``WeeklyFiles``: the reporting week (Sunday to Saturday) and its seven files."""

    def week_of(self, day: date, timezone: str) -> ccrs.Week:
        return ccrs.week_of(day, timezone)

    def render(self, ledger: WeekLedger, now: datetime) -> list[ccrs.CcrsFile]:
        return render_week(ledger, now)


def render_week(ledger: WeekLedger, now: datetime) -> list[ccrs.CcrsFile]:
    """The week's upload files (a kind with no rows gets no file)."""
    tz = ZoneInfo(ledger.timezone)
    licence, submitted_by, week = ledger.licence, ledger.submitted_by, ledger.week

    def local(at: datetime) -> date:
        return at.astimezone(tz).date()

    rows: dict[ccrs.FileKind, list[Any]] = {kind: [] for kind in ccrs.FileKind}
    for r in ledger.reports:
        payload = _payload(r)
        rows_for = _report_rows(
            r, payload, ledger.sold, licence, submitted_by, local(r["occurred_at"])
        )
        for kind, row in rows_for:
            rows[kind].append(row)
    for z in ledger.zones:
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
    for p in ledger.products:
        rows[ccrs.FileKind.PRODUCT].append(_product_row(p, licence, submitted_by, local))
    strains = sorted({p["strain"] for p in ledger.products if p["strain"]})
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
    for item in ledger.inventory:
        rows[ccrs.FileKind.INVENTORY].append(
            _inventory_row(item, licence, submitted_by, local, week)
        )
    return [
        ccrs.render(kind, licence, submitted_by, now, kind_rows)
        for kind, kind_rows in rows.items()
        if kind_rows
    ]


def _payload(report: Mapping[str, Any]) -> dict[str, Any]:
    return report["payload"]


def _report_rows(
    report: Mapping[str, Any],
    payload: dict[str, Any],
    sold: Mapping[str, Mapping[str, Any]],
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
    if kind == "repack":
        return _repack_rows(report, payload, licence, by, day)
    return []


def _repack_rows(
    report: Mapping[str, Any], payload: dict[str, Any], licence: str, by: str, day: date
) -> list[tuple[ccrs.FileKind, Any]]:
    """What each parent gave to the repack's new packages (they are the week's new Inventory
    rows), as an adjustment whose detail names them. CCRS has no conversion row for a retailer,
    so it is Other (our "other" reason), the detail saying it was repackaged [u]."""
    lines = payload.get("lines", [])
    made = ", ".join(str(line["tag"]) for line in lines if line.get("role") == "output")
    return [
        (
            ccrs.FileKind.INVENTORY_ADJUSTMENT,
            ccrs.adjustment_row(
                license_number=licence,
                inventory_external_identifier=str(line["tag"]),
                our_reason="other",
                delta=-Decimal(str(line["quantity"])),
                note=f"repackaged into {made}",
                adjustment_date=day,
                external_identifier=f"{report['external_id']}-{i}",
                created_by=by,
                created_date=day,
            ),
        )
        for i, line in enumerate(lines)
        if line.get("role") == "input"
    ]


def _return_rows(
    payload: dict[str, Any], sold: Mapping[str, Mapping[str, Any]], licence: str, by: str, day: date
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
    sale: Mapping[str, Any],
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


def _product_row(
    p: Mapping[str, Any], licence: str, by: str, local: Callable[[datetime], date]
) -> ccrs.ProductRow:
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


def _inventory_row(
    item: Mapping[str, Any],
    licence: str,
    by: str,
    local: Callable[[datetime], date],
    week: ReportingWeek,
) -> ccrs.InventoryRow:
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
