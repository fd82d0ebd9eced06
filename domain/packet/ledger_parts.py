"""The ledger's parts: stock at the period's ends, each tag's roll-up, the movements, and the
chain heads an inspector re-verifies them against.

Every query takes ``$1`` location, ``$2`` start and ``$3`` end (a half-open period, by
``occurred_at``) and formats instants and numbers as text, so rows pass to the CSV untouched.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.packet import figures
from domain.packet.parts import Chart, Part, Section, TextTable, number, sql_rows, utc
from domain.packet.period import Period

_COST = "coalesce(p.unit_cost, pr.unit_cost)"
# A movement's effect on its package's total: in (to a zone only), out (from one only), or a
# move between zones (both: no change).
_NET = (
    "(CASE WHEN m.to_zone IS NOT NULL THEN m.quantity ELSE 0 END"
    " - CASE WHEN m.from_zone IS NOT NULL THEN m.quantity ELSE 0 END)"
)

STOCK_SQL = f"""
WITH flows AS (
    SELECT m.package, m.to_zone AS zone, m.quantity AS q, m.occurred_at FROM movement m
    WHERE m.location = $1 AND m.to_zone IS NOT NULL AND m.occurred_at < $3
    UNION ALL
    SELECT m.package, m.from_zone, -m.quantity, m.occurred_at FROM movement m
    WHERE m.location = $1 AND m.from_zone IS NOT NULL AND m.occurred_at < $3
), held AS (
    SELECT package, zone, coalesce(sum(q) FILTER (WHERE occurred_at < $2), 0) AS at_start,
           sum(q) AS at_end
    FROM flows GROUP BY package, zone
)
SELECT p.tag, p.id, pr.sku, pr.name, pr.category, z.name, z.kind, p.unit, {_COST}::text,
       h.at_start::text, h.at_end::text,
       round(h.at_start * {_COST}, 4)::text, round(h.at_end * {_COST}, 4)::text
FROM held h
JOIN package p ON p.id = h.package JOIN product pr ON pr.id = p.product
JOIN zone z ON z.id = h.zone
WHERE h.at_start <> 0 OR h.at_end <> 0
ORDER BY p.tag, z.name
"""
STOCK_HEADER = (
    "tag",
    "package_id",
    "product_sku",
    "product_name",
    "category",
    "zone",
    "zone_kind",
    "unit",
    "unit_cost",
    "quantity_at_start",
    "quantity_at_end",
    "value_at_start",
    "value_at_end",
)

ROLLUP_SQL = f"""
WITH per AS (
    SELECT m.package,
        coalesce(sum({_NET}) FILTER (WHERE m.occurred_at < $2), 0) AS opening,
        coalesce(sum(m.quantity) FILTER (WHERE m.occurred_at >= $2 AND m.kind = 'register'), 0)
            AS registered,
        coalesce(sum(m.quantity) FILTER (WHERE m.occurred_at >= $2 AND m.kind = 'receive'), 0)
            AS received,
        coalesce(sum(m.quantity) FILTER (WHERE m.occurred_at >= $2 AND m.kind = 'sale'), 0)
            AS sold,
        coalesce(sum(m.quantity) FILTER (
            WHERE m.occurred_at >= $2 AND m.kind IN ('void', 'return')), 0) AS returned,
        coalesce(sum(m.quantity) FILTER (WHERE m.occurred_at >= $2 AND m.kind = 'destroy'), 0)
            AS destroyed,
        coalesce(sum(m.quantity) FILTER (
            WHERE m.occurred_at >= $2 AND m.kind = 'adjust' AND m.to_zone IS NOT NULL), 0)
            AS adjusted_in,
        coalesce(sum(m.quantity) FILTER (
            WHERE m.occurred_at >= $2 AND m.kind = 'adjust' AND m.from_zone IS NOT NULL), 0)
            AS adjusted_out,
        coalesce(sum(m.quantity) FILTER (
            WHERE m.occurred_at >= $2 AND m.kind = 'repack' AND m.to_zone IS NOT NULL), 0)
            AS repacked_in,
        coalesce(sum(m.quantity) FILTER (
            WHERE m.occurred_at >= $2 AND m.kind = 'repack' AND m.from_zone IS NOT NULL), 0)
            AS repacked_out,
        coalesce(sum({_NET}), 0) AS closing,
        count(*) FILTER (WHERE m.occurred_at >= $2) AS moved
    FROM movement m WHERE m.location = $1 AND m.occurred_at < $3
    GROUP BY m.package
)
SELECT p.tag, p.id, pr.sku, p.unit, opening::text, registered::text, received::text,
       sold::text, returned::text, destroyed::text, adjusted_in::text, adjusted_out::text,
       repacked_in::text, repacked_out::text, closing::text,
       (closing - (opening + registered + received - sold + returned - destroyed + adjusted_in
                   - adjusted_out + repacked_in - repacked_out))::text
FROM per JOIN package p ON p.id = per.package JOIN product pr ON pr.id = p.product
WHERE opening <> 0 OR closing <> 0 OR moved > 0
ORDER BY p.tag
"""
ROLLUP_HEADER = (
    "tag",
    "package_id",
    "product_sku",
    "unit",
    "opening",
    "registered",
    "received",
    "sold",
    "voided_or_returned",
    "destroyed",
    "adjusted_in",
    "adjusted_out",
    "repacked_in",
    "repacked_out",
    "closing",
    "difference",
)

MOVEMENTS_SQL = f"""
SELECT m.id, {utc("m.occurred_at")}, {utc("m.recorded_at")}, p.tag, m.package, m.sequence,
       m.kind, m.from_zone, fz.name, m.to_zone, tz.name, m.quantity::text, p.unit, m.reason,
       m.note, m.actor, au.name, m.witness, wu.name, m.source_document, m.idempotency_key,
       pr.category, {_COST}::text, round(m.quantity * {_COST}, 4)::text,
       m.previous_hash, m.hash
FROM movement m
JOIN package p ON p.id = m.package JOIN product pr ON pr.id = p.product
LEFT JOIN zone fz ON fz.id = m.from_zone LEFT JOIN zone tz ON tz.id = m.to_zone
LEFT JOIN app_user au ON au.id = m.actor LEFT JOIN app_user wu ON wu.id = m.witness
WHERE m.location = $1 AND m.occurred_at >= $2 AND m.occurred_at < $3
ORDER BY m.id
"""
MOVEMENTS_HEADER = (
    "movement_id",
    "occurred_at",
    "recorded_at",
    "tag",
    "package_id",
    "sequence",
    "kind",
    "from_zone_id",
    "from_zone",
    "to_zone_id",
    "to_zone",
    "quantity",
    "unit",
    "reason",
    "note",
    "actor_id",
    "actor",
    "witness_id",
    "witness",
    "source_document",
    "idempotency_key",
    "category",
    "unit_cost",
    "value",
    "previous_hash",
    "hash",
)

# One pass counts each package's movements in the period; its first and last are then read by
# the (package, sequence) key rather than by sorting the period's movements twice.
CHAIN_SQL = """
WITH counted AS (
    SELECT package, min(sequence) AS first, max(sequence) AS last, count(*) AS n
    FROM movement
    WHERE location = $1 AND occurred_at >= $2 AND occurred_at < $3
    GROUP BY package
)
SELECT p.tag, p.id, c.first, f.previous_hash, c.last, l.hash, c.n,
       c.last - c.first + 1 - c.n, p.movement_count, p.last_hash
FROM counted c
JOIN movement f ON f.package = c.package AND f.sequence = c.first
JOIN movement l ON l.package = c.package AND l.sequence = c.last
JOIN package p ON p.id = c.package
ORDER BY p.tag
"""
CHAIN_HEADER = (
    "tag",
    "package_id",
    "first_sequence",
    "head_before_period",
    "last_sequence",
    "head_at_period_end",
    "movements_in_period",
    "movements_outside_period_between",
    "chain_length_now",
    "head_now",
)


class StockTally:
    """Stock by zone, category and unit at the period's start and end (quantity and value)."""

    def __init__(self, period: Period) -> None:
        self.lines: dict[tuple[str, str, str], list[Decimal]] = defaultdict(
            lambda: [Decimal(0)] * 4
        )

    def add(self, row: tuple) -> None:
        line = self.lines[(row[5], row[4], row[7])]
        line[0] += number(row[9])
        line[1] += number(row[10])
        line[2] += number(row[11])
        line[3] += number(row[12])

    def section(self) -> Section:
        rows = [
            (
                zone,
                category,
                unit,
                figures.qty(v[0]),
                figures.qty(v[1]),
                figures.money(v[2]),
                figures.money(v[3]),
            )
            for (zone, category, unit), v in sorted(self.lines.items())
        ]
        start = sum((v[2] for v in self.lines.values()), Decimal(0))
        end = sum((v[3] for v in self.lines.values()), Decimal(0))
        return Section(
            "Stock by zone and category",
            lines=(
                f"Stock value at cost, start of period: {figures.money(start)}",
                f"Stock value at cost, end of period: {figures.money(end)}",
            ),
            tables=(
                TextTable(
                    "Quantities in each package's own unit; values at cost (stock.csv).",
                    ("Zone", "Category", "Unit", "Start", "End", "Value start", "Value end"),
                    rows,
                ),
            ),
        )


class RollupTally:
    """How many tags the roll-up covers and whether every one closes."""

    def __init__(self, period: Period) -> None:
        self.tags = 0
        self.unbalanced: list[str] = []

    def add(self, row: tuple) -> None:
        self.tags += 1
        if number(row[15]) != 0 and len(self.unbalanced) < 20:
            self.unbalanced.append(row[0])

    def section(self) -> Section:
        verdict = (
            "every tag closes: opening + registered + received - sold + voided/returned"
            " - destroyed + adjusted in - adjusted out + repacked in - repacked out = closing"
            if not self.unbalanced
            else f"tags that do not close: {', '.join(self.unbalanced)}"
        )
        return Section(
            "Each tag's roll-up",
            lines=(f"Tags with stock or movements in the period: {self.tags}", verdict),
        )


def _bucket(day: date, weekly: bool) -> date:
    return day - timedelta(days=day.weekday()) if weekly else day.replace(day=1)


class MovementTally:
    """Movements by kind, and shrinkage (write-offs net of write-ons, and destructions) by cause
    over time, valued at cost."""

    def __init__(self, period: Period) -> None:
        self.tz = ZoneInfo(period.timezone)
        self.weekly = period.days <= 120
        self.kinds: Counter[str] = Counter()
        self.causes: dict[str, Decimal] = defaultdict(Decimal)
        self.over_time: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
        self.buckets: list[date] = []
        day = _bucket(period.first, self.weekly)
        while day <= period.last:
            self.buckets.append(day)
            day = day + timedelta(days=7) if self.weekly else figures.next_month(day)

    def add(self, row: tuple) -> None:
        kind = row[6]
        self.kinds[kind] += 1
        if kind not in ("adjust", "destroy"):
            return
        cause = row[13] or ("destruction" if kind == "destroy" else "unspecified")
        value = number(row[23])
        if row[9] is not None and row[7] is None:  # a write-on offsets losses of its cause
            value = -value
        self.causes[cause] += value
        day = datetime.fromisoformat(row[1]).astimezone(self.tz).date()
        self.over_time[(_bucket(day, self.weekly), cause)] += value

    def section(self) -> Section:
        causes = sorted(self.causes)
        labels = [d.strftime("%d %b" if self.weekly else "%b %y") for d in self.buckets]
        series = {
            cause: [float(self.over_time.get((d, cause), 0)) for d in self.buckets]
            for cause in causes
        }
        total = sum(self.causes.values(), Decimal(0))
        return Section(
            "Shrinkage by cause",
            lines=(
                "Write-offs less write-ons of the same cause, and destructions, at cost"
                " (adjustments.csv, movements.csv).",
                f"Total shrinkage at cost: {figures.money(total)}",
                "Movements by kind: "
                + (", ".join(f"{k} {n}" for k, n in sorted(self.kinds.items())) or "none"),
            ),
            tables=(
                TextTable(
                    "Shrinkage at cost by cause",
                    ("Cause", "Value"),
                    [(c, figures.money(self.causes[c])) for c in causes],
                ),
            ),
            chart=Chart(
                f"Shrinkage at cost by cause, per {'week' if self.weekly else 'month'}",
                labels,
                series,
                "cost",
            )
            if causes
            else None,
        )


class ChainTally:
    """The chain heads, folded into one digest an inspector can recompute from the CSV."""

    def __init__(self, period: Period) -> None:
        self.packages = 0
        self.movements = 0
        self.interleaved = 0
        self.digest = hashlib.sha256()

    def add(self, row: tuple) -> None:
        self.packages += 1
        self.movements += int(row[6])
        self.interleaved += int(row[7])
        self.digest.update(f"{row[0]},{row[4]},{row[5]}\n".encode())

    def section(self) -> Section:
        return Section(
            "Chain heads",
            lines=(
                f"Packages with movements in the period: {self.packages}",
                f"Movements in the period: {self.movements}",
                f"Heads digest: {self.digest.hexdigest()}",
                "(SHA-256 of the lines 'tag,last_sequence,head_at_period_end' of chain_heads.csv,"
                " each ending in a newline, in the file's order.)",
            )
            + (
                (
                    f"Movements dated outside the period but chained between its first and last"
                    f" (backdated entries): {self.interleaved}",
                )
                if self.interleaved
                else ()
            ),
        )


STOCK = Part("stock", "Stock at start and end", STOCK_HEADER, sql_rows(STOCK_SQL), StockTally, True)
ROLLUP = Part(
    "package_rollup", "Each tag's roll-up", ROLLUP_HEADER, sql_rows(ROLLUP_SQL), RollupTally, True
)
MOVEMENTS = Part(
    "movements", "Movements", MOVEMENTS_HEADER, sql_rows(MOVEMENTS_SQL), MovementTally, True
)
CHAIN_HEADS = Part(
    "chain_heads", "Chain heads", CHAIN_HEADER, sql_rows(CHAIN_SQL), ChainTally, True
)
