"""BioTrack (legacy serverjson v4): AR, CT, DE, HI, IL medical, NM, ND, PR. Real-time API.

Why this package exists: it declares BioTrack as a state system (what it reports, its rules,
the credentials a licence needs) and provides the client the sync engine drives. Modules:
``session`` (login, renewal, answers), ``inventory`` (reads, units, packages), ``mapping``
(reports -> actions, reasons, rooms, nonces), ``client`` (the ``StateClient``), ``sales``
(which sale lines BioTrack can record, checked at the register).
"""

from __future__ import annotations

from datetime import timedelta

from plugins.base import Mode, ReportKind, StateCapability, StateRules, StateSystem, TagFormat
from plugins.builtin.biotrack.client import BioTrackClient
from plugins.builtin.biotrack.inventory import UNITS
from plugins.builtin.biotrack.mapping import ADJUST_TYPES, REASON_LIMIT, REASON_TYPES
from plugins.builtin.biotrack.sales import refusal as sale_line_refusal
from plugins.hookspecs import hookimpl

RULES = StateRules(
    reports=frozenset(
        {
            ReportKind.SALE,
            ReportKind.VOID,
            ReportKind.RETURN,
            ReportKind.ADJUST,
            ReportKind.MOVE,
            ReportKind.DESTROY,
        }
    ),
    # [u]: our notes give no BioTrack state's deadline; operators override with counsel's number.
    reporting_deadline=timedelta(hours=24),
    # One report per request: each carries its own nonce, so each can be replayed on its own.
    batch_reporting=False,
    max_batch=1,
    note_max_length=REASON_LIMIT,
    units=UNITS,
    adjustment_reasons={ours: ADJUST_TYPES[code] for ours, code in REASON_TYPES.items()},
    source="BioTrack v4 documentation [s] and our notes [c]; deadline 24 h [u]",
)

BIOTRACK = StateSystem(
    name="biotrack",
    title="BioTrack",
    mode=Mode.REALTIME_API,
    tag_format=TagFormat(r"[0-9]{16}", "a 16-digit barcode"),
    capabilities=frozenset(
        {
            StateCapability.REPORT_SALE,
            StateCapability.VOID_SALE,
            StateCapability.ADJUST,
            StateCapability.MOVE,
            StateCapability.DESTROY,
            StateCapability.PULL_ACTIVE_PACKAGES,
            StateCapability.PULL_ADJUSTMENT_REASONS,
        }
    ),
    rules=RULES,
    connect=BioTrackClient,
    required_credentials=("username", "password"),
    sale_line_refusal=sale_line_refusal,
)


@hookimpl
def register_state_systems() -> list[StateSystem]:
    return [BIOTRACK]
