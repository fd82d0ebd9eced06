"""Which ledger changes a state must hear about, as outbox rows written with the movements.

The ledger calls ``derive`` for every post and inserts the result in the same transaction, so
no service can move stock without the report that movement owes: there is no second step to
forget. Reports are state-agnostic facts; each plugin turns them into its own requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.inventory.model import MovementKind
from domain.unit_of_work import PluginRegistry
from plugins.base import ReportKind

# Movement kinds and the report they may owe. Sales, voids and returns are reported per
# document (a POS receipt), the others per movement.
_KIND = {
    MovementKind.ADJUST: ReportKind.ADJUST,
    MovementKind.DESTROY: ReportKind.DESTROY,
    MovementKind.TRANSFER: ReportKind.MOVE,
    MovementKind.RESERVE: ReportKind.MOVE,
    MovementKind.RELEASE: ReportKind.MOVE,
    MovementKind.SALE: ReportKind.SALE,
    MovementKind.VOID: ReportKind.VOID,
    MovementKind.RETURN: ReportKind.RETURN,
    MovementKind.REPACK: ReportKind.REPACK,
}
_PER_DOCUMENT = frozenset({ReportKind.SALE, ReportKind.VOID, ReportKind.RETURN, ReportKind.REPACK})


@dataclass(frozen=True)
class Moved:
    """What reporting needs of one posted movement."""

    movement_id: int
    location_id: int
    state: str
    timezone: str
    state_system: str
    tag: str
    unit: str
    kind: MovementKind
    quantity: Decimal
    from_zone: str | None
    to_zone: str | None
    reason: str | None
    note: str | None
    occurred_at: datetime
    source_document: str | None
    # Line facts a sale report needs (price, discount, taxes), supplied by the sales service.
    report_data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportRow:
    location_id: int
    kind: ReportKind
    movements: list[int]
    tags: list[str]
    payload: dict[str, Any]
    external_id: str
    occurred_at: datetime
    deadline_at: datetime | None


def derive(
    plugins: PluginRegistry, moved: Sequence[Moved], context: Mapping[str, Any] | None = None
) -> list[ReportRow]:
    """The reports ``moved`` owes under each location's state system (often none)."""
    rows: list[ReportRow] = []
    documents: dict[tuple[int, ReportKind, str], list[Moved]] = {}
    for m in moved:
        report_kind = _KIND.get(m.kind)
        if report_kind is None:
            continue
        system = plugins.state_system(m.state_system)
        if not system.reports(report_kind, m.state):
            continue
        if report_kind in _PER_DOCUMENT:
            document = m.source_document or f"movement:{m.movement_id}"
            documents.setdefault((m.location_id, report_kind, document), []).append(m)
            continue
        rows.append(
            _single(report_kind, m, system.deadline_for(m.occurred_at, m.timezone, m.state))
        )
    for (location_id, report_kind, document), lines in documents.items():
        first = lines[0]
        system = plugins.state_system(first.state_system)
        rows.append(
            ReportRow(
                location_id=location_id,
                kind=report_kind,
                movements=[m.movement_id for m in lines],
                tags=sorted({m.tag for m in lines}),
                payload={
                    "document": document,
                    **(context or {}),
                    "lines": [
                        {
                            "tag": m.tag,
                            "quantity": str(m.quantity),
                            "unit": m.unit,
                            **_jsonable(m.report_data),
                        }
                        for m in lines
                    ],
                },
                external_id=str((context or {}).get("external_id") or _external_id(first)),
                occurred_at=first.occurred_at,
                deadline_at=system.deadline_for(first.occurred_at, first.timezone, first.state),
            )
        )
    return rows


def _single(kind: ReportKind, m: Moved, deadline: datetime | None) -> ReportRow:
    # Adjustments are signed: taking stock out of a zone is negative.
    signed = -m.quantity if (m.from_zone and not m.to_zone) else m.quantity
    payload: dict[str, Any] = {"tag": m.tag, "quantity": str(signed), "unit": m.unit}
    if kind == ReportKind.MOVE:
        payload.update(quantity=str(m.quantity), from_zone=m.from_zone, to_zone=m.to_zone)
    else:
        payload.update(reason=m.reason, note=m.note, zone=m.from_zone or m.to_zone)
        # Facts the reason may require at the state (a waste weight), from the service.
        payload.update(_jsonable(m.report_data))
    return ReportRow(
        location_id=m.location_id,
        kind=kind,
        movements=[m.movement_id],
        tags=[m.tag],
        payload=payload,
        external_id=_external_id(m),
        occurred_at=m.occurred_at,
        deadline_at=deadline,
    )


def _external_id(m: Moved) -> str:
    return f"LL{m.location_id}-{m.kind.value[:3].upper()}-{m.movement_id}"


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in data.items()}


INSERT = """
INSERT INTO state_report (location, kind, status, movements, tags, payload, external_id,
                          attempts, outcome_unknown, occurred_at, next_attempt_at, deadline_at,
                          overdue_alerted, state_ids, created_at, updated_at)
SELECT r.location, r.kind, 'pending',
       ARRAY(SELECT jsonb_array_elements_text(r.movements)::bigint),
       ARRAY(SELECT jsonb_array_elements_text(r.tags)),
       r.payload, r.external_id, 0, false, r.occurred_at, now(), r.deadline_at, false,
       '{}', now(), now()
FROM jsonb_to_recordset($1::jsonb) AS r(location int, kind text, movements jsonb, tags jsonb,
                                         payload jsonb, external_id text,
                                         occurred_at timestamptz, deadline_at timestamptz)
RETURNING id, location
"""


def insert_args(rows: Sequence[ReportRow]) -> list[dict[str, Any]]:
    return [
        {
            "location": r.location_id,
            "kind": str(r.kind),
            "movements": r.movements,
            "tags": r.tags,
            "payload": r.payload,
            "external_id": r.external_id,
            "occurred_at": r.occurred_at.isoformat(),
            "deadline_at": r.deadline_at.isoformat() if r.deadline_at else None,
        }
        for r in rows
    ]
