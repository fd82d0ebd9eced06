"""Washington's CCRS: weekly CSV uploads; our identifiers become the state's keys.

No API: reports wait in the outbox until the week's files are exported (``filed``); their
deadline is the Sunday after the reporting week.
"""

from __future__ import annotations

from datetime import datetime

from plugins.base import Mode, ReportKind, StateCapability, StateRules, StateSystem, TagFormat
from plugins.builtin.ccrs.export import CcrsWeeklyFiles
from plugins.builtin.ccrs_files import reporting_week
from plugins.hookspecs import hookimpl


def weekly_deadline(occurred_at: datetime, timezone: str, state: str) -> datetime:
    """Files for Sunday–Saturday are due the following Sunday (store's local time)."""
    return reporting_week(timezone, occurred_at).due_by


CCRS = StateSystem(
    name="ccrs",
    title="WA CCRS",
    mode=Mode.BATCH_FILE,
    tag_format=TagFormat(r"[0-9A-Za-z._-]{1,50}", "1 to 50 letters, digits, '.', '_' or '-'"),
    capabilities=frozenset(
        {
            StateCapability.REPORT_SALE,
            StateCapability.VOID_SALE,
            StateCapability.ADJUST,
            StateCapability.DESTROY,
        }
    ),
    rules=StateRules(
        reports=frozenset(
            {
                ReportKind.SALE,
                ReportKind.VOID,
                ReportKind.RETURN,
                ReportKind.ADJUST,
                ReportKind.DESTROY,
                ReportKind.REPACK,
            }
        ),
        batch_reporting=True,
        source="CCRS weekly upload, due the following Sunday [c]",
    ),
    deadline=weekly_deadline,
    weekly_files=CcrsWeeklyFiles(),
)


@hookimpl
def register_state_systems() -> list[StateSystem]:
    return [CCRS]
