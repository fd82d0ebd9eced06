"""METRC (v2 REST): most US states. Real-time API, JSON-array batches, per-state hosts."""

from __future__ import annotations

from datetime import timedelta

from plugins.base import Mode, ReportKind, StateCapability, StateRules, StateSystem, TagFormat
from plugins.builtin.metrc.client import MetrcClient
from plugins.builtin.metrc.mapping import NOTE_LIMIT, UNITS
from plugins.hookspecs import hookimpl

_REPORTS = frozenset(
    {
        ReportKind.SALE,
        ReportKind.VOID,
        ReportKind.RETURN,
        ReportKind.ADJUST,
        ReportKind.DESTROY,
        ReportKind.REPACK,
    }
)
# Deadlines are [u] (unconfirmed): our reference says these states require real-time reporting
# and MI allows a 24-hour catch-up; operators override per licence with their counsel's number.
_REALTIME_STATES = ("MD", "CO", "OK", "MT", "MO", "MA", "DC", "MN", "WV")


def _rules(deadline: timedelta, source: str) -> StateRules:
    return StateRules(
        reports=_REPORTS,
        reporting_deadline=deadline,
        batch_reporting=True,
        max_batch=50,
        note_max_length=NOTE_LIMIT,
        units=UNITS,
        source=source,
    )


DEFAULT_RULES = _rules(timedelta(hours=24), "default 24 h [u]")
STATE_RULES = {
    **{st: _rules(timedelta(hours=1), "real-time state [s]; 1 h [u]") for st in _REALTIME_STATES},
    "MI": _rules(timedelta(hours=24), "24-hour catch-up rule [s]"),
}

METRC = StateSystem(
    name="metrc",
    title="METRC",
    mode=Mode.REALTIME_API,
    # 24 characters, digits and capitals; the meaning of the parts is not public.
    tag_format=TagFormat(r"[0-9A-Z]{24}", "24 characters, digits and capital letters"),
    capabilities=frozenset(
        {
            StateCapability.REPORT_SALE,
            StateCapability.VOID_SALE,
            StateCapability.ADJUST,
            StateCapability.DESTROY,
            StateCapability.PULL_ACTIVE_PACKAGES,
            StateCapability.PULL_INCOMING_TRANSFERS,
            StateCapability.PULL_ADJUSTMENT_REASONS,
            StateCapability.PULL_LAB_RESULTS,
        }
    ),
    rules=DEFAULT_RULES,
    state_rules=STATE_RULES,
    connect=MetrcClient,
    required_credentials=("vendor_key", "user_key"),
)


@hookimpl
def register_state_systems() -> list[StateSystem]:
    return [METRC]
