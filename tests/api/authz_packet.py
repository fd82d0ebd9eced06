"""Authorization matrix entries for audit packets (registered by authz_cases.py)."""

from __future__ import annotations

from datetime import date, timedelta

from domain.roles import Role
from tests.api.authz_cases import Case, Places, _by_input

AUDIT = frozenset({Role.COMPLIANCE, Role.AUDITOR, Role.ADMIN})


async def _request(places: Places, loc, role):
    # A finished day (UTC's yesterday is over in every US time zone too).
    day = date.today() - timedelta(days=2)
    return {"locationId": str(loc), "from": day.isoformat(), "to": day.isoformat()}


CASES: dict[str, Case] = {
    "requestAuditPacket": _by_input(
        "requestAuditPacket", "RequestAuditPacketInput", _request, AUDIT
    ),
}
