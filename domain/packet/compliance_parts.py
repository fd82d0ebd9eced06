"""Parts for the licence's dealings with its books and its state: counts and variances, state
reports and their outcomes, reconciliation discrepancies and resolutions, diversion flags."""

from __future__ import annotations

import bisect
from collections import Counter
from decimal import Decimal

from domain.packet import figures
from domain.packet.parts import Part, Section, TextTable, number, sql_rows, utc
from domain.packet.period import Period

# Open counts are left out: their lines are blind until submission and prove nothing yet.
COUNTS_SQL = f"""
SELECT s.id, s.kind, s.status, {utc("s.started_at")}, {utc("s.submitted_at")},
       {utc("s.decided_at")}, du.name, l.id, l.round, l.tag, l.package, z.name,
       l.counted_quantity::text, l.unit, l.expected_quantity::text, l.variance::text,
       l.variance_value::text, l.finding,
       CASE WHEN l.superseded THEN 'yes' ELSE 'no' END,
       CASE WHEN l.requires_recount THEN 'yes' ELSE 'no' END,
       cu.name, wu.name, {utc("l.counted_at")}
FROM count_session s
JOIN count_line l ON l.session = s.id
LEFT JOIN zone z ON z.id = l.zone
LEFT JOIN app_user du ON du.id = s.decided_by
LEFT JOIN app_user cu ON cu.id = l.counter LEFT JOIN app_user wu ON wu.id = l.witness
WHERE s.location = $1 AND s.status <> 'open'
  AND coalesce(s.decided_at, s.submitted_at, s.started_at) >= $2
  AND coalesce(s.decided_at, s.submitted_at, s.started_at) < $3
ORDER BY s.id, l.id
"""
COUNTS_HEADER = (
    "session_id",
    "session_kind",
    "session_status",
    "started_at",
    "submitted_at",
    "decided_at",
    "decided_by",
    "line_id",
    "round",
    "tag",
    "package_id",
    "zone",
    "counted_quantity",
    "unit",
    "expected_quantity",
    "variance",
    "variance_value",
    "finding",
    "superseded",
    "requires_recount",
    "counter",
    "witness",
    "counted_at",
)

STATE_REPORTS_SQL = f"""
SELECT r.id, r.kind, r.status, r.external_id, {utc("r.occurred_at")}, {utc("r.created_at")},
       {utc("r.sent_at")}, {utc("r.deadline_at")}, r.attempts,
       CASE WHEN r.outcome_unknown THEN 'yes' ELSE 'no' END,
       array_to_string(r.tags, ';'), array_to_string(r.movements, ';'),
       array_to_string(r.state_ids, ';'), r.last_error,
       round(extract(epoch FROM r.sent_at - r.occurred_at)::numeric, 3)::text,
       CASE WHEN r.deadline_at IS NULL THEN ''
            WHEN coalesce(r.sent_at, $3) > r.deadline_at THEN 'yes' ELSE 'no' END
FROM state_report r
WHERE r.location = $1 AND r.occurred_at >= $2 AND r.occurred_at < $3
ORDER BY r.id
"""
STATE_REPORTS_HEADER = (
    "report_id",
    "kind",
    "status",
    "external_id",
    "occurred_at",
    "queued_at",
    "sent_at",
    "deadline_at",
    "attempts",
    "outcome_unknown",
    "tags",
    "movement_ids",
    "state_ids",
    "last_error",
    "delay_seconds",
    "late",
)

# Every discrepancy alive at some point of the period, and whether it was still open at its end.
DISCREPANCIES_SQL = f"""
SELECT d.id, d.tag, d.kind, d.status,
       CASE WHEN d.status = 'open' OR d.resolved_at >= $3 THEN 'open' ELSE 'resolved' END,
       d.our_quantity::text, d.state_quantity::text, d.physical_quantity::text,
       d.difference::text, d.our_status, d.state_status, d.suspected_cause,
       {utc("d.first_seen_at")}, {utc("d.last_seen_at")}, ou.name, d.resolution,
       d.resolution_note, ru.name, {utc("d.resolved_at")}
FROM discrepancy d
LEFT JOIN app_user ou ON ou.id = d.owner LEFT JOIN app_user ru ON ru.id = d.resolved_by
WHERE d.location = $1 AND d.first_seen_at < $3
  AND (d.status = 'open' OR d.resolved_at IS NULL OR d.resolved_at >= $2)
ORDER BY d.first_seen_at, d.id
"""
DISCREPANCIES_HEADER = (
    "discrepancy_id",
    "tag",
    "kind",
    "status_now",
    "at_period_end",
    "our_quantity",
    "state_quantity",
    "physical_quantity",
    "difference",
    "our_status",
    "state_status",
    "suspected_cause",
    "first_seen_at",
    "last_seen_at",
    "owner",
    "resolution",
    "resolution_note",
    "resolved_by",
    "resolved_at",
)

FLAGS_SQL = f"""
SELECT f.id, f.rule, f.severity, f.status, {utc("f.raised_at")}, f.summary, su.name,
       f.evidence_key, ru.name, {utc("f.reviewed_at")}, f.review_note
FROM diversion_flag f
LEFT JOIN app_user su ON su.id = f.subject_user LEFT JOIN app_user ru ON ru.id = f.reviewed_by
WHERE f.location = $1 AND f.raised_at >= $2 AND f.raised_at < $3
ORDER BY f.raised_at, f.id
"""
FLAGS_HEADER = (
    "flag_id",
    "rule",
    "severity",
    "status",
    "raised_at",
    "summary",
    "subject",
    "evidence_key",
    "reviewed_by",
    "reviewed_at",
    "review_note",
)


class CountsTally:
    """Count accuracy as ``domain.counts.accuracy`` defines it: of approved counts' final lines
    for packages we hold, the share counted without variance."""

    def __init__(self, period: Period) -> None:
        self.sessions: Counter[str] = Counter()
        self.last: int | None = None
        self.counted = 0
        self.exact = 0
        self.variance = Decimal(0)

    def add(self, row: tuple) -> None:
        if row[0] != self.last:
            self.last = row[0]
            self.sessions[row[2]] += 1
        final = row[18] == "no" and row[17] is None and row[10] is not None
        if row[2] == "approved" and final and row[15] is not None:
            self.counted += 1
            self.exact += number(row[15]) == 0
            self.variance += number(row[16])

    def section(self) -> Section:
        return Section(
            "Count accuracy",
            lines=(
                "Counts by status: "
                + (", ".join(f"{s} {n}" for s, n in sorted(self.sessions.items())) or "none"),
                f"Packages counted in approved counts: {self.counted}",
                f"Counted without variance: {self.exact}"
                f" ({figures.share(self.exact, self.counted)})",
                f"Net variance at cost: {figures.money(self.variance)}",
            ),
        )


# Delay histogram bounds (seconds): percentiles are read to the bucket's upper bound.
_DELAY_BOUNDS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600)


class StateReportsTally:
    """State sync: reports by status, failures, lateness and the delay to the state."""

    def __init__(self, period: Period) -> None:
        self.status: Counter[str] = Counter()
        self.late = 0
        self.sent = 0
        self.delay_total = Decimal(0)
        self.delay_max = Decimal(0)
        self.buckets = [0] * (len(_DELAY_BOUNDS) + 1)

    def add(self, row: tuple) -> None:
        self.status[row[2]] += 1
        self.late += row[15] == "yes"
        if row[14] is not None:
            delay = number(row[14])
            self.sent += 1
            self.delay_total += delay
            self.delay_max = max(self.delay_max, delay)
            self.buckets[bisect.bisect_left(_DELAY_BOUNDS, delay)] += 1

    def _p95(self) -> str:
        if not self.sent:
            return "n/a"
        wanted, seen = self.sent * 0.95, 0
        for index, n in enumerate(self.buckets):
            seen += n
            if seen >= wanted:
                if index < len(_DELAY_BOUNDS):
                    return f"at most {_DELAY_BOUNDS[index]} s"
                return f"over {_DELAY_BOUNDS[-1]} s"
        return "n/a"

    def section(self) -> Section:
        mean = self.delay_total / self.sent if self.sent else Decimal(0)
        return Section(
            "State sync",
            lines=(
                f"State reports: {sum(self.status.values())}",
                "By status: "
                + (", ".join(f"{s} {n}" for s, n in sorted(self.status.items())) or "none"),
                f"Failed: {self.status.get('failed', 0)}",
                f"Late (sent after, or still unsent past, the state's deadline): {self.late}",
                f"Delay to the state: mean {figures.qty(mean)} s,"
                f" 95th percentile {self._p95()}, longest {figures.qty(self.delay_max)} s",
            ),
        )


class DiscrepanciesTally:
    def __init__(self, period: Period) -> None:
        self.open: Counter[str] = Counter()
        self.resolved = 0

    def add(self, row: tuple) -> None:
        if row[4] == "open":
            self.open[row[2]] += 1
        else:
            self.resolved += 1

    def section(self) -> Section:
        total = sum(self.open.values())
        return Section(
            "Reconciliation discrepancies",
            lines=(
                f"Open at the end of the period: {total}",
                f"Resolved during the period: {self.resolved}",
            ),
            tables=(
                TextTable(
                    "Open at the end of the period, by kind",
                    ("Kind", "Open"),
                    [(k, str(n)) for k, n in sorted(self.open.items())],
                ),
            )
            if total
            else (),
        )


class FlagsTally:
    def __init__(self, period: Period) -> None:
        self.flags: Counter[tuple[str, str, str]] = Counter()

    def add(self, row: tuple) -> None:
        self.flags[(row[1], row[2], row[3])] += 1

    def section(self) -> Section:
        return Section(
            "Diversion flags",
            lines=(f"Flags raised in the period: {sum(self.flags.values())}",),
            tables=(
                TextTable(
                    "",
                    ("Rule", "Severity", "Status", "Flags"),
                    [(*key, str(n)) for key, n in sorted(self.flags.items())],
                ),
            )
            if self.flags
            else (),
        )


COUNTS = Part(
    "counts", "Counts and variances", COUNTS_HEADER, sql_rows(COUNTS_SQL), CountsTally, True
)
STATE_REPORTS = Part(
    "state_reports",
    "State reports and outcomes",
    STATE_REPORTS_HEADER,
    sql_rows(STATE_REPORTS_SQL),
    StateReportsTally,
    True,
)
DISCREPANCIES = Part(
    "discrepancies",
    "Reconciliation discrepancies and resolutions",
    DISCREPANCIES_HEADER,
    sql_rows(DISCREPANCIES_SQL),
    DiscrepanciesTally,
    True,
)
DIVERSION_FLAGS = Part(
    "diversion_flags", "Diversion flags", FLAGS_HEADER, sql_rows(FLAGS_SQL), FlagsTally, True
)
