"""The bookkeeper's four monthly exports, streamed as CSV.

Why it exists: every month a dispensary's bookkeeper asks for the same four reports (what the
stock was worth at the close, what was sold, what was written off and why, what was bought from
whom) and today gets them by hand from screens. These read the ledger, the sales and the receipts
directly and stream rows from a server-side cursor in batches, so a year of history costs no more
memory than a day.

:func:`open_export` checks the caller and the period before anything is sent (a refusal is a
403 with an empty body, never half a file); :meth:`Export.chunks` then yields CSV text.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain import db
from domain.errors import NotFound
from domain.exports import csv_format as fmt
from domain.exports import reports_sql as sql
from domain.exports.period import Period, as_of_from, period_from
from domain.identity.principal import Principal
from domain.roles import Capability

# Rows fetched from the cursor per round trip, and rows per chunk of the response.
BATCH = 500


class Report(enum.StrEnum):
    INVENTORY_VALUATION = "inventory-valuation"
    SALES_BY_PRODUCT = "sales-by-product"
    ADJUSTMENTS_BY_REASON = "adjustments-by-reason"
    RECEIVING_BY_VENDOR = "receiving-by-vendor"


def _valuation(r: Mapping[str, Any]) -> tuple:
    value = fmt.money(r["quantity"] * (r["unit_cost"] or Decimal(0)))
    return (
        r["zone"],
        r["zone_kind"],
        r["tag"],
        r["sku"],
        r["product"],
        r["category"],
        r["unit"],
        fmt.fixed(r["quantity"], fmt.QUANTITY),
        fmt.fixed(r["unit_cost"], fmt.UNIT_COST),
        fmt.fixed(value, fmt.CENT),
    )


def _sales(r: Mapping[str, Any]) -> tuple:
    gross, discounts, cost = fmt.money(r["gross"]), fmt.money(r["discounts"]), fmt.money(r["cost"])
    net = gross - discounts
    return (
        r["day"],
        r["sku"],
        r["product"],
        r["category"],
        r["unit"],
        fmt.fixed(r["units"], fmt.QUANTITY),
        fmt.fixed(gross, fmt.CENT),
        fmt.fixed(discounts, fmt.CENT),
        fmt.fixed(net, fmt.CENT),
        fmt.fixed(cost, fmt.CENT),
        fmt.fixed(net - cost, fmt.CENT),
        r["lines"],
    )


def _adjustments(r: Mapping[str, Any]) -> tuple:
    off, on = fmt.money(r["value_off"]), fmt.money(r["value_on"])
    return (
        r["reason"],
        r["unit"],
        r["movements"],
        fmt.fixed(r["written_off"], fmt.QUANTITY),
        fmt.fixed(r["written_on"], fmt.QUANTITY),
        fmt.fixed(r["written_on"] - r["written_off"], fmt.QUANTITY),
        fmt.fixed(off, fmt.CENT),
        fmt.fixed(on, fmt.CENT),
        fmt.fixed(on - off, fmt.CENT),
    )


def _receiving(r: Mapping[str, Any]) -> tuple:
    return (
        r["vendor"],
        r["vendor_license"],
        r["unit"],
        r["shipments"],
        r["packages"],
        r["rejected_packages"],
        fmt.fixed(r["shipped"], fmt.QUANTITY),
        fmt.fixed(r["accepted"], fmt.QUANTITY),
        fmt.fixed(r["rejected"], fmt.QUANTITY),
        fmt.fixed(fmt.money(r["cost"]), fmt.CENT),
    )


@dataclass(frozen=True)
class Layout:
    """One export: its columns, its query, how it reads its days and presents a row."""

    header: tuple[str, ...]
    query: str
    period: Callable[[Mapping[str, str]], Period]
    present: Callable[[Mapping[str, Any]], tuple]


LAYOUTS: dict[Report, Layout] = {
    Report.INVENTORY_VALUATION: Layout(
        (
            "zone",
            "zone_kind",
            "tag",
            "sku",
            "product",
            "category",
            "unit",
            "quantity",
            "unit_cost",
            "value",
        ),
        sql.VALUATION,
        as_of_from,
        _valuation,
    ),
    Report.SALES_BY_PRODUCT: Layout(
        (
            "day",
            "sku",
            "product",
            "category",
            "unit",
            "units",
            "gross",
            "discounts",
            "net",
            "cost",
            "margin",
            "lines",
        ),
        sql.SALES,
        period_from,
        _sales,
    ),
    Report.ADJUSTMENTS_BY_REASON: Layout(
        (
            "reason",
            "unit",
            "movements",
            "written_off",
            "written_on",
            "net_quantity",
            "value_written_off",
            "value_written_on",
            "net_value",
        ),
        sql.ADJUSTMENTS,
        period_from,
        _adjustments,
    ),
    Report.RECEIVING_BY_VENDOR: Layout(
        (
            "vendor",
            "vendor_license",
            "unit",
            "shipments",
            "packages",
            "rejected_packages",
            "shipped",
            "accepted",
            "rejected",
            "cost",
        ),
        sql.RECEIVING,
        period_from,
        _receiving,
    ),
}


@dataclass(frozen=True)
class Export:
    """An authorised export, ready to stream."""

    report: Report
    location_id: int
    license_number: str
    period: Period

    @property
    def filename(self) -> str:
        licence = "".join(c if c.isalnum() or c in "-_" else "_" for c in self.license_number)
        return f"{self.report}_{licence}_{self.period.label}.csv"

    @property
    def header(self) -> tuple[str, ...]:
        return LAYOUTS[self.report].header

    async def rows(self) -> AsyncIterator[tuple]:
        """The rows, from a server-side cursor (one snapshot: a read-only repeatable-read
        transaction, so rows committed mid-stream do not tear the figures)."""
        layout = LAYOUTS[self.report]
        args: Sequence[Any] = (self.location_id, self.period.first, self.period.last)
        if layout.query is sql.VALUATION:
            args = (self.location_id, self.period.last)
        async with (
            db.connection() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            # A plan over a year of movements looks costly to the planner, whose JIT then
            # spends seconds compiling a query that runs in milliseconds.
            await conn.execute("SET LOCAL jit = off")
            async for record in conn.cursor(layout.query, *args, prefetch=BATCH):
                yield layout.present(record)

    async def chunks(self) -> AsyncIterator[str]:
        """CSV text: the header, then up to ``BATCH`` rows per chunk."""
        yield fmt.lines([self.header])
        batch: list[tuple] = []
        async for row in self.rows():
            batch.append(row)
            if len(batch) >= BATCH:
                yield fmt.lines(batch)
                batch = []
        if batch:
            yield fmt.lines(batch)


async def open_export(
    principal: Principal, report: Report, location_id: int, params: Mapping[str, str]
) -> Export:
    """Check that ``principal`` may export the books of ``location_id`` (manager, compliance,
    auditor or admin there) and read the days asked; raises PermissionDenied (the location's
    existence is not revealed), ValidationError or NotFound before any row is read."""
    principal.require(Capability.EXPORT_BOOKS, location_id)
    period = LAYOUTS[report].period(params)
    async with db.connection() as conn:
        licence = await conn.fetchval(
            "SELECT license_number FROM location WHERE id = $1", location_id
        )
    if licence is None:
        raise NotFound("location", str(location_id))
    return Export(report, location_id, licence, period)
