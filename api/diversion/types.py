"""Diversion types: flags, access-event results, thresholds."""

from __future__ import annotations

import json
from datetime import datetime

import strawberry

from domain.diversion import flags, model

# The domain's enums, registered with strawberry in place (as api/integrations/types.py does).
DiversionRule = model.Rule
FlagSeverity = model.Severity
FlagStatus = model.FlagStatus
AccessDirection = model.AccessDirection
FlagReview = flags.Review
strawberry.enum(DiversionRule, name="DiversionRule", description="The rule that raised a flag.")
strawberry.enum(FlagSeverity, name="FlagSeverity")
strawberry.enum(
    FlagStatus,
    name="FlagStatus",
    description="open until a manager acknowledges, escalates or dismisses it.",
)
strawberry.enum(
    AccessDirection,
    name="AccessDirection",
    description="What the reader saw: a door entry or exit, a refused badge, a clock-in or out.",
)
strawberry.enum(FlagReview, name="FlagReview")


def _ids(values: tuple[int, ...]) -> list[strawberry.ID]:
    return [strawberry.ID(str(v)) for v in values]


@strawberry.type(description="A diversion rule's finding, with its evidence.")
class DiversionFlag:
    id: strawberry.ID
    location_id: strawberry.ID
    rule: DiversionRule
    severity: FlagSeverity
    summary: str
    subject_user_id: strawberry.ID | None = strawberry.field(
        description="The person the evidence points to, when it points to one."
    )
    movement_ids: list[strawberry.ID] = strawberry.field(
        description="The movements that triggered it (at most 50)."
    )
    access_event_ids: list[strawberry.ID]
    facts_json: str = strawberry.field(description="The rule's figures, as JSON.")
    status: FlagStatus
    raised_at: datetime
    reviewed_by_id: strawberry.ID | None
    reviewed_at: datetime | None
    review_note: str | None

    @classmethod
    def from_domain(cls, row: flags.FlagRow) -> DiversionFlag:
        return cls(
            id=strawberry.ID(str(row.id)),
            location_id=strawberry.ID(str(row.location_id)),
            rule=model.Rule(row.rule),
            severity=model.Severity(row.severity),
            summary=row.summary,
            subject_user_id=None
            if row.subject_user_id is None
            else strawberry.ID(str(row.subject_user_id)),
            movement_ids=_ids(row.movement_ids),
            access_event_ids=_ids(row.access_event_ids),
            facts_json=json.dumps(row.facts, default=str, sort_keys=True),
            status=model.FlagStatus(row.status),
            raised_at=row.raised_at,
            reviewed_by_id=None
            if row.reviewed_by_id is None
            else strawberry.ID(str(row.reviewed_by_id)),
            reviewed_at=row.reviewed_at,
            review_note=row.review_note,
        )


@strawberry.type(description="One tunable threshold of the diversion rules and its value.")
class DiversionThreshold:
    name: str
    value: str

    @classmethod
    def all_from_domain(cls, thresholds: model.Thresholds) -> list[DiversionThreshold]:
        return [cls(name=k, value=v) for k, v in thresholds.as_dict().items()]
