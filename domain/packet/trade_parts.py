"""Parts for what came in and went out: sales, voids and returns, receipts and rejections,
adjustments by reason, and waste and destruction. Same query contract as ``ledger_parts``."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from domain.packet import figures
from domain.packet.parts import Part, Section, TextTable, number, sql_rows, utc
from domain.packet.period import Period

_COST = "coalesce(p.unit_cost, pr.unit_cost)"

SALES_SQL = f"""
SELECT s.id, s.register, s.pos_receipt_id, s.external_id, {utc("s.occurred_at")}, s.status,
       s.customer_type, l.line_number, p.tag, l.package, pr.sku, z.name, l.quantity::text,
       p.unit, l.returned_quantity::text, l.unit_price::text, l.discount::text,
       l.sales_tax::text, l.excise_tax::text, l.total::text, l.movement,
       {utc("s.voided_at")}, s.void_reason, u.name
FROM sale s
JOIN sale_line l ON l.sale = s.id
JOIN package p ON p.id = l.package JOIN product pr ON pr.id = l.product
JOIN zone z ON z.id = l.zone
LEFT JOIN app_user u ON u.id = s.sold_by
WHERE s.location = $1 AND s.occurred_at >= $2 AND s.occurred_at < $3
ORDER BY s.occurred_at, s.id, l.line_number
"""
SALES_HEADER = (
    "sale_id",
    "register",
    "pos_receipt_id",
    "state_receipt_number",
    "occurred_at",
    "status",
    "customer_type",
    "line_number",
    "tag",
    "package_id",
    "product_sku",
    "zone",
    "quantity",
    "unit",
    "returned_quantity",
    "unit_price",
    "discount",
    "sales_tax",
    "excise_tax",
    "line_total",
    "movement_id",
    "voided_at",
    "void_reason",
    "sold_by",
)

VOIDS_SQL = f"""
SELECT m.id, {utc("m.occurred_at")}, m.kind, p.tag, m.package, m.quantity::text, p.unit,
       z.name, nullif(split_part(m.source_document, ':', 2), ''), m.note, u.name,
       m.source_document
FROM movement m
JOIN package p ON p.id = m.package
LEFT JOIN zone z ON z.id = m.to_zone LEFT JOIN app_user u ON u.id = m.actor
WHERE m.location = $1 AND m.kind IN ('void', 'return')
  AND m.occurred_at >= $2 AND m.occurred_at < $3
ORDER BY m.id
"""
VOIDS_HEADER = (
    "movement_id",
    "occurred_at",
    "kind",
    "tag",
    "package_id",
    "quantity",
    "unit",
    "to_zone",
    "sale_id",
    "note",
    "actor",
    "source_document",
)

# Stock that entered (received from a manifest, or registered as already on site), then
# packages the dock rejected (no stock moved; dated by the scan).
RECEIPTS_SQL = f"""
SELECT * FROM (
    SELECT CASE m.kind WHEN 'receive' THEN 'received' ELSE 'registered' END AS kind,
           {utc("m.occurred_at")} AS at, p.tag, m.package, pr.sku, m.quantity::text, p.unit,
           z.name, sc.manifest_number, sc.shipper_name, sc.shipper_license,
           sc.shipped_quantity::text, sc.measured_quantity::text, sc.decision, sc.reason,
           sc.override_reason, m.id
    FROM movement m
    JOIN package p ON p.id = m.package JOIN product pr ON pr.id = p.product
    LEFT JOIN zone z ON z.id = m.to_zone
    LEFT JOIN LATERAL (
        SELECT sh.manifest_number, sh.shipper_name, sh.shipper_license, sp.shipped_quantity,
               ps.measured_quantity, ps.decision, ps.reason, ps.override_reason
        FROM shipment sh
        JOIN receiving_session rs ON rs.shipment = sh.id
        JOIN package_scan ps ON ps.session = rs.id AND ps.tag = p.tag
        JOIN shipment_package sp ON sp.id = ps.shipment_package
        WHERE m.kind = 'receive' AND sh.location = m.location
          AND m.source_document = 'manifest:' || sh.manifest_number
        LIMIT 1
    ) sc ON true
    WHERE m.location = $1 AND m.kind IN ('receive', 'register')
      AND m.occurred_at >= $2 AND m.occurred_at < $3
    UNION ALL
    SELECT 'rejected', {utc("ps.scanned_at")}, ps.tag, NULL, pr.sku, '0', sp.unit, NULL,
           sh.manifest_number, sh.shipper_name, sh.shipper_license, sp.shipped_quantity::text,
           ps.measured_quantity::text, ps.decision, ps.reason, ps.override_reason, NULL
    FROM package_scan ps
    JOIN receiving_session rs ON rs.id = ps.session
    JOIN shipment sh ON sh.id = rs.shipment
    JOIN shipment_package sp ON sp.id = ps.shipment_package
    LEFT JOIN product pr ON pr.id = sp.product
    WHERE rs.location = $1 AND ps.decision = 'reject'
      AND ps.scanned_at >= $2 AND ps.scanned_at < $3
) x
ORDER BY at, kind, tag
"""
RECEIPTS_HEADER = (
    "kind",
    "occurred_at",
    "tag",
    "package_id",
    "product_sku",
    "quantity",
    "unit",
    "to_zone",
    "manifest",
    "shipper_name",
    "shipper_license",
    "shipped_quantity",
    "measured_quantity",
    "decision",
    "reason",
    "override_reason",
    "movement_id",
)

ADJUSTMENTS_SQL = f"""
SELECT coalesce(m.reason, 'unspecified'), m.id, {utc("m.occurred_at")}, p.tag, m.package,
       pr.category, z.name,
       CASE WHEN m.from_zone IS NOT NULL THEN 'out' ELSE 'in' END, m.quantity::text,
       (CASE WHEN m.from_zone IS NOT NULL THEN -m.quantity ELSE m.quantity END)::text, p.unit,
       round((CASE WHEN m.from_zone IS NOT NULL THEN -m.quantity ELSE m.quantity END)
             * {_COST}, 4)::text,
       m.note, au.name, wu.name, m.source_document
FROM movement m
JOIN package p ON p.id = m.package JOIN product pr ON pr.id = p.product
LEFT JOIN zone z ON z.id = coalesce(m.from_zone, m.to_zone)
LEFT JOIN app_user au ON au.id = m.actor LEFT JOIN app_user wu ON wu.id = m.witness
WHERE m.location = $1 AND m.kind = 'adjust' AND m.occurred_at >= $2 AND m.occurred_at < $3
ORDER BY 1, m.occurred_at, m.id
"""
ADJUSTMENTS_HEADER = (
    "reason",
    "movement_id",
    "occurred_at",
    "tag",
    "package_id",
    "category",
    "zone",
    "direction",
    "quantity",
    "signed_quantity",
    "unit",
    "signed_value",
    "note",
    "actor",
    "witness",
    "source_document",
)

DESTRUCTIONS_SQL = f"""
SELECT d.id, d.status, p.tag, d.package, d.quantity::text, p.unit, d.reason, d.note,
       {utc("d.scheduled_at")}, su.name, {utc("d.hold_until")}, d.witnesses_required,
       {utc("d.destroyed_at")}, du.name,
       (SELECT string_agg(u.name, ';' ORDER BY u.name) FROM app_user u
        WHERE u.id = ANY(d.witnesses)),
       d.method, d.waste_weight::text, d.mixing_material, d.mixing_weight::text, d.movement,
       {utc("d.state_finish_at")}, {utc("d.state_finished_at")}, d.state_note
FROM destruction d
JOIN package p ON p.id = d.package
LEFT JOIN app_user su ON su.id = d.scheduled_by LEFT JOIN app_user du ON du.id = d.destroyed_by
WHERE d.location = $1 AND ((d.scheduled_at >= $2 AND d.scheduled_at < $3)
                           OR (d.destroyed_at >= $2 AND d.destroyed_at < $3))
ORDER BY d.scheduled_at, d.id
"""
DESTRUCTIONS_HEADER = (
    "destruction_id",
    "status",
    "tag",
    "package_id",
    "quantity",
    "unit",
    "reason",
    "note",
    "scheduled_at",
    "scheduled_by",
    "hold_until",
    "witnesses_required",
    "destroyed_at",
    "destroyed_by",
    "witnesses",
    "method",
    "waste_weight_grams",
    "mixing_material",
    "mixing_weight_grams",
    "movement_id",
    "state_finish_at",
    "state_finished_at",
    "state_note",
)


class SalesTally:
    def __init__(self, period: Period) -> None:
        self.sales = 0
        self.voided = 0
        self.last: int | None = None
        self.lines = 0
        self.total = Decimal(0)
        self.quantity: dict[str, Decimal] = defaultdict(Decimal)

    def add(self, row: tuple) -> None:
        # A receipt's lines are adjacent (ordered by sale): count receipts without keeping ids.
        if row[0] != self.last:
            self.last = row[0]
            self.sales += 1
            self.voided += row[5] == "voided"
        self.lines += 1
        self.total += number(row[19])
        self.quantity[row[13]] += number(row[12])

    def section(self) -> Section:
        return Section(
            "Sales",
            lines=(
                f"Sales: {self.sales} ({self.voided} voided)",
                f"Sale lines: {self.lines}",
                f"Sale lines total: {figures.money(self.total)}",
                "Quantity sold: "
                + (
                    ", ".join(f"{figures.qty(q)} {u}" for u, q in sorted(self.quantity.items()))
                    or "none"
                ),
            ),
        )


class _ByKind:
    """Rows and quantity per value of one column (voids and returns; receipts)."""

    title = ""
    kind_column = 0
    quantity_column = 0
    unit_column = 0

    def __init__(self, period: Period) -> None:
        self.rows: Counter[str] = Counter()
        self.quantity: dict[tuple[str, str], Decimal] = defaultdict(Decimal)

    def add(self, row: tuple) -> None:
        kind = row[self.kind_column]
        self.rows[kind] += 1
        self.quantity[(kind, row[self.unit_column])] += number(row[self.quantity_column])

    def section(self) -> Section:
        return Section(
            self.title,
            tables=(
                TextTable(
                    "",
                    ("Kind", "Unit", "Rows", "Quantity"),
                    [
                        (k, u, str(self.rows[k]), figures.qty(q))
                        for (k, u), q in sorted(self.quantity.items())
                    ],
                ),
            )
            if self.rows
            else (),
            lines=() if self.rows else ("None in the period.",),
        )


class VoidsTally(_ByKind):
    title, kind_column, quantity_column, unit_column = "Voids and returns", 2, 5, 6


class ReceiptsTally(_ByKind):
    title, kind_column, quantity_column, unit_column = "Receipts and rejections", 0, 5, 6


class AdjustmentsTally:
    def __init__(self, period: Period) -> None:
        self.reasons: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
        self.counts: Counter[str] = Counter()

    def add(self, row: tuple) -> None:
        line = self.reasons[row[0]]
        self.counts[row[0]] += 1
        if row[7] == "in":
            line[0] += number(row[8])
        else:
            line[1] += number(row[8])
        line[2] += number(row[11])

    def section(self) -> Section:
        rows = [
            (r, str(self.counts[r]), figures.qty(v[0]), figures.qty(v[1]), figures.money(v[2]))
            for r, v in sorted(self.reasons.items())
        ]
        return Section(
            "Adjustments by reason",
            tables=(
                TextTable(
                    "Quantities in the packages' units; net value at cost (adjustments.csv).",
                    ("Reason", "Adjustments", "In", "Out", "Net value"),
                    rows,
                ),
            )
            if rows
            else (),
            lines=() if rows else ("No adjustments in the period.",),
        )


class DestructionsTally:
    def __init__(self, period: Period) -> None:
        self.scheduled = 0
        self.destroyed = 0
        self.weight = Decimal(0)

    def add(self, row: tuple) -> None:
        self.scheduled += 1
        if row[12] is not None and row[1] == "destroyed":
            self.destroyed += 1
            self.weight += number(row[16])

    def section(self) -> Section:
        return Section(
            "Waste and destruction",
            lines=(
                f"Destruction records scheduled or destroyed in the period: {self.scheduled}",
                f"Destroyed: {self.destroyed}, cannabis waste {figures.qty(self.weight)} g",
            ),
        )


SALES = Part("sales", "Sales", SALES_HEADER, sql_rows(SALES_SQL), SalesTally, True)
VOIDS = Part(
    "voids_returns", "Voids and returns", VOIDS_HEADER, sql_rows(VOIDS_SQL), VoidsTally, True
)
RECEIPTS = Part(
    "receipts",
    "Receipts and rejections",
    RECEIPTS_HEADER,
    sql_rows(RECEIPTS_SQL),
    ReceiptsTally,
    True,
)
ADJUSTMENTS = Part(
    "adjustments",
    "Adjustments by reason",
    ADJUSTMENTS_HEADER,
    sql_rows(ADJUSTMENTS_SQL),
    AdjustmentsTally,
    True,
)
DESTRUCTIONS = Part(
    "destructions",
    "Waste and destruction",
    DESTRUCTIONS_HEADER,
    sql_rows(DESTRUCTIONS_SQL),
    DestructionsTally,
    True,
)
