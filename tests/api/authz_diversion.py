"""Authorization matrix entries for the diversion mutations (registered by authz_cases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain import db
from domain.roles import Role
from tests.api.authz_cases import LOCATION_ADMINS, Case, _by_input, fresh

# Managers (and admins) post door events, review flags; a door system does it through a key.
REVIEWERS = frozenset({Role.MANAGER, Role.ADMIN})


async def _access_events(places, loc, role):
    return {
        "locationId": str(loc),
        "source": "lobby",
        "events": [
            {
                "eventId": fresh("door"),
                "occurredAt": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
                "direction": "ENTRY",
                "zone": "Vault",
                "badge": "B-1",
            }
        ],
    }


def _staff(places, loc) -> str:
    return str(places.stores[loc].users[Role.BUDTENDER].user_id)


async def _badge(places, loc, role):
    return {"locationId": str(loc), "code": fresh("badge"), "userId": _staff(places, loc)}


async def _shift(places, loc, role):
    start = datetime.now(UTC).replace(microsecond=0)
    return {
        "locationId": str(loc),
        "userId": _staff(places, loc),
        "startsAt": start.isoformat(),
        "endsAt": (start + timedelta(hours=8)).isoformat(),
    }


async def _review(places, loc, role):
    async with db.connection() as conn:
        flag_id = await conn.fetchval(
            "INSERT INTO diversion_flag (location, rule, severity, evidence_key, summary,"
            " movement_ids, access_event_ids, facts, status, raised_at)"
            " VALUES ($1, 'unknown_access', 'medium', $2, 'seeded', '[]', '[]', '{}', 'open',"
            " now()) RETURNING id",
            loc,
            fresh("evidence"),
        )
    return {"flagId": str(flag_id), "action": "ACKNOWLEDGE"}


async def _thresholds(places, loc, role):
    return {"locationId": str(loc), "values": [{"name": "closing_hour", "value": "21"}]}


CASES: dict[str, Case] = {
    "recordAccessEvents": _by_input(
        "recordAccessEvents", "RecordAccessEventsInput", _access_events, REVIEWERS
    ),
    "assignBadge": _by_input("assignBadge", "AssignBadgeInput", _badge, LOCATION_ADMINS),
    "scheduleShift": _by_input("scheduleShift", "ScheduleShiftInput", _shift, LOCATION_ADMINS),
    "reviewDiversionFlag": _by_input(
        "reviewDiversionFlag", "ReviewDiversionFlagInput", _review, REVIEWERS, hidden=True
    ),
    "setDiversionThresholds": _by_input(
        "setDiversionThresholds", "SetDiversionThresholdsInput", _thresholds, LOCATION_ADMINS
    ),
}
