"""Per-licence map from our adjustment reasons to the state's, and the state's list as fetched.

Why it exists: METRC publishes each licence's adjustment reasons at runtime (names differ by
state, and each says whether it requires a note or a waste weight). Guessing one at send time
sent every adjustment under whatever name matched first, or under METRC's first reason (issue 9,
finding 2). Here a compliance user sees the state's list and a suggestion from the names, and
chooses; the drain sends only mapped reasons (``held_reports``), and ``adjustStock`` refuses an
adjustment that lacks what its mapped state reason requires.

Only systems that publish their reasons at runtime and declare no fixed mapping of their own use
it (METRC). BioTrack and CCRS map our reasons in their plugins and never read this table.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain import db, events, service
from domain.changelog import record as changelog
from domain.compliance import connections
from domain.errors import (
    NotFound,
    ReasonDetailRequired,
    StateSystemUnavailable,
    UnknownStateReason,
    ValidationError,
)
from domain.identity.principal import Principal
from domain.inventory.model import AdjustmentReason
from domain.roles import Capability
from domain.unit_of_work import PluginRegistry, UnitOfWork
from plugins.base import Mode, ReportKind, StateCapability, StateReason, StateSystem

log = logging.getLogger(__name__)

# Words to look for in the state's reason names, first match wins. Only ever a suggestion shown
# to a person: it is never sent.
KEYWORDS: Mapping[str, Sequence[str]] = {
    "theft": ("theft", "stolen"),
    "damage": ("damage", "unusable"),
    "destruction": ("destruction", "destroy", "waste"),
    "expired": ("expir", "spoil"),
    "packaging_waste": ("waste", "unusable"),
    "count_correction": ("scale variance", "audit", "count", "variance"),
    "entry_error": ("entry error", "error", "incorrect"),
    "sample": ("trade sample", "sample"),
    "qa_testing": ("lab", "testing", "sample"),
    "other": ("other",),
}
ADJUST_KINDS = (ReportKind.ADJUST.value, ReportKind.DESTROY.value)
STATE_REASON_MAX = 200


@dataclass(frozen=True)
class StateReasonInfo:
    """One of the state's reasons; ``listed`` False: mapped, but the state no longer lists it."""

    name: str
    requires_note: bool = False
    requires_waste_weight: bool = False
    listed: bool = True


@dataclass(frozen=True)
class ReasonLine:
    reason: AdjustmentReason
    mapped: StateReasonInfo | None
    suggestion: StateReasonInfo | None
    held_reports: int


@dataclass(frozen=True)
class ReasonMapView:
    location_id: int
    system: str
    applies: bool  # False: the licence's state system maps reasons itself
    fetched_at: datetime | None
    state_reasons: list[StateReasonInfo]
    lines: list[ReasonLine]


def applies(system: StateSystem, state: str) -> bool:
    """Whether ``system`` needs a per-licence reason map: it publishes reasons at runtime and
    declares no fixed mapping of its own."""
    return (
        system.mode == Mode.REALTIME_API
        and StateCapability.PULL_ADJUSTMENT_REASONS in system.capabilities
        and not system.rules_for(state).adjustment_reasons
    )


def our_reason(kind: str, reason: str | None) -> str:
    """The taxonomy reason a report carries (a destruction without one is a destruction)."""
    if reason:
        return reason
    return AdjustmentReason.DESTRUCTION if kind == ReportKind.DESTROY else AdjustmentReason.OTHER


def suggest(ours: str, theirs: Sequence[str]) -> str | None:
    """The state reason whose name looks like ours, or None (never a fallback)."""
    for keyword in KEYWORDS.get(ours, ()):
        for name in theirs:
            if keyword in name.lower():
                return name
    return None


def missing_details(info: StateReasonInfo, note: str | None, waste_weight: object) -> list[str]:
    missing = []
    if info.requires_note and not (note and note.strip()):
        missing.append("note")
    if info.requires_waste_weight and waste_weight in (None, ""):
        missing.append("wasteWeight")
    return missing


async def _location(plugins: PluginRegistry, location_id: int) -> tuple[StateSystem, str]:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT state_system, state FROM location WHERE id = $1", location_id
        )
    if row is None:
        raise NotFound("location", str(location_id))
    return plugins.state_system(row["state_system"]), row["state"]


async def state_reasons(location_id: int) -> tuple[list[StateReasonInfo], datetime | None]:
    """The state's reasons for the licence as last fetched, and when (None: never)."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT name, requires_note, requires_waste_weight, fetched_at"
            " FROM state_adjustment_reason WHERE location = $1 ORDER BY name",
            location_id,
        )
    fetched = max((r["fetched_at"] for r in rows), default=None)
    return [
        StateReasonInfo(r["name"], r["requires_note"], r["requires_waste_weight"]) for r in rows
    ], fetched


async def mappings(location_id: int) -> dict[str, str]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT reason, state_reason FROM adjustment_reason_map WHERE location = $1",
            location_id,
        )
    return {r["reason"]: r["state_reason"] for r in rows}


def resolved(name: str | None, listed: Mapping[str, StateReasonInfo]) -> StateReasonInfo | None:
    if name is None:
        return None
    return listed.get(name) or StateReasonInfo(name, listed=False)


async def view(plugins: PluginRegistry, location_id: int) -> ReasonMapView:
    """What a compliance user sees: each of our reasons, its mapping, a suggestion, the flags."""
    system, state = await _location(plugins, location_id)
    reasons, fetched_at = await state_reasons(location_id)
    listed = {r.name: r for r in reasons}
    mapped = await mappings(location_id)
    async with db.connection() as conn:
        held = await conn.fetch(
            "SELECT payload->>'reason' AS reason, kind, count(*) AS n FROM state_report"
            " WHERE location = $1 AND status = 'held' GROUP BY 1, 2",
            location_id,
        )
    held_by_reason: dict[str, int] = {}
    for row in held:
        ours = our_reason(row["kind"], row["reason"])
        held_by_reason[ours] = held_by_reason.get(ours, 0) + row["n"]
    lines = [
        ReasonLine(
            reason=reason,
            mapped=resolved(mapped.get(reason), listed),
            suggestion=listed.get(suggest(reason, list(listed)) or ""),
            held_reports=held_by_reason.get(reason, 0),
        )
        for reason in AdjustmentReason
    ]
    return ReasonMapView(
        location_id, system.name, applies(system, state), fetched_at, reasons, lines
    )


async def check_adjustment(
    plugins: PluginRegistry,
    location_id: int,
    reason: str,
    note: str | None,
    waste_weight: Decimal | None,
) -> None:
    """Refuse an adjustment its mapped state reason could not take (a missing note or waste
    weight). Unmapped reasons pass: their reports are held until mapped, and say so."""
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT l.state_system, l.state, s.name, s.requires_note, s.requires_waste_weight"
            " FROM location l"
            " JOIN adjustment_reason_map m ON m.location = l.id AND m.reason = $2"
            " JOIN state_adjustment_reason s ON s.location = l.id AND s.name = m.state_reason"
            " WHERE l.id = $1",
            location_id,
            str(reason),
        )
    if row is None or not applies(plugins.state_system(row["state_system"]), row["state"]):
        return
    info = StateReasonInfo(row["name"], row["requires_note"], row["requires_waste_weight"])
    missing = missing_details(info, note, waste_weight)
    if missing:
        raise ReasonDetailRequired(str(reason), info.name, missing)


@dataclass(frozen=True)
class SetReasonMapping:
    location_id: int
    reason: str
    state_reason: str | None  # None clears the mapping
    idempotency_key: str | None = None


@dataclass(frozen=True)
class StateReasonsRefreshed:
    location_id: int


async def _require_applies(
    plugins: PluginRegistry, principal: Principal, location_id: int
) -> StateSystem:
    principal.require(Capability.HOLD_STOCK, location_id)
    system, state = await _location(plugins, location_id)
    if not applies(system, state):
        raise ValidationError(
            "locationId", f"{system.title} reasons are mapped by its plugin, not per licence"
        )
    return system


async def set_mapping(
    uow: UnitOfWork, principal: Principal, cmd: SetReasonMapping
) -> service.Outcome:
    """Choose the state reason one of our reasons is sent as at this licence (or clear it).

    Compliance, managers and admins only (the capability compliance work uses). The name must
    be one the state listed when last fetched; setting what is already set changes nothing.
    """
    try:
        reason = AdjustmentReason(cmd.reason)
    except ValueError:
        raise ValidationError("reason", f"{cmd.reason!r} is not one of our reasons") from None
    await _require_applies(uow.registry, principal, cmd.location_id)
    wanted = (cmd.state_reason or "").strip() or None
    if wanted is not None and len(wanted) > STATE_REASON_MAX:
        raise ValidationError("stateReason", f"at most {STATE_REASON_MAX} characters")
    chosen: str | None = None
    if wanted is not None:
        listed, _ = await state_reasons(cmd.location_id)
        # The state's spelling is stored (METRC compares names without regard to case).
        chosen = next((r.name for r in listed if r.name.lower() == wanted.lower()), None)
        if chosen is None:
            raise UnknownStateReason(wanted, [r.name for r in listed])

    async def work(uow: UnitOfWork) -> StateReasonsRefreshed:
        async with db.connection() as conn:
            was = await conn.fetchval(
                "SELECT state_reason FROM adjustment_reason_map WHERE location = $1"
                " AND reason = $2 FOR UPDATE",
                cmd.location_id,
                reason.value,
            )
            if chosen is None:
                await conn.execute(
                    "DELETE FROM adjustment_reason_map WHERE location = $1 AND reason = $2",
                    cmd.location_id,
                    reason.value,
                )
            else:
                await conn.execute(
                    "INSERT INTO adjustment_reason_map"
                    " (location, reason, state_reason, updated_by, updated_at)"
                    " VALUES ($1, $2, $3, $4, now())"
                    " ON CONFLICT (location, reason) DO UPDATE"
                    " SET state_reason = EXCLUDED.state_reason,"
                    " updated_by = EXCLUDED.updated_by, updated_at = now()"
                    " WHERE adjustment_reason_map.state_reason <> EXCLUDED.state_reason",
                    cmd.location_id,
                    reason.value,
                    chosen,
                    principal.user_id,
                )
        await changelog.change(
            uow,
            principal,
            "setAdjustmentReasonMapping",
            "adjustment reason",
            reason.value,
            location_id=cmd.location_id,
            before={"state_reason": was},
            after={"state_reason": chosen},
        )
        await release_held(uow, cmd.location_id)
        return StateReasonsRefreshed(cmd.location_id)

    return await service.run(
        uow, principal, "setAdjustmentReasonMapping", cmd, work, StateReasonsRefreshed
    )


@dataclass(frozen=True)
class RefreshStateReasons:
    location_id: int
    idempotency_key: str | None = None


async def refresh(
    uow: UnitOfWork, principal: Principal, cmd: RefreshStateReasons
) -> service.Outcome:
    """Fetch the licence's adjustment reasons from the state now (the drain also does when
    its copy is an hour old), so a new or renamed state reason can be mapped."""
    await _require_applies(uow.registry, principal, cmd.location_id)
    fetched = await fetch(uow.registry, cmd.location_id)

    async def work(uow: UnitOfWork) -> StateReasonsRefreshed:
        await store(cmd.location_id, fetched)
        await release_held(uow, cmd.location_id)
        return StateReasonsRefreshed(cmd.location_id)

    return await service.run(
        uow, principal, "refreshStateAdjustmentReasons", cmd, work, StateReasonsRefreshed
    )


async def fetch(plugins: PluginRegistry, location_id: int) -> list[StateReason]:
    """The state's reasons through the licence's connection (outside any transaction)."""
    target = await connections.load(plugins, location_id)
    if target is None or target.system.connect is None:
        raise StateSystemUnavailable("the state system", "no connection is configured")
    client = target.system.connect(target.connection)
    try:
        return await client.adjustment_reasons()
    except Exception as exc:  # any plugin's failure: the caller may try again later
        log.warning("fetching adjustment reasons for location %s failed: %s", location_id, exc)
        raise StateSystemUnavailable(target.system.title, str(exc)[:300]) from None
    finally:
        await client.close()


async def store(location_id: int, reasons: Sequence[StateReason]) -> None:
    """Replace the licence's copy of the state's list (mappings are kept: a mapped name the
    state stopped listing shows as unlisted, and its reports are held)."""
    unique = {r.name.strip(): r for r in reasons if r.name and r.name.strip()}
    # A name that cannot be stored (too long, a NUL) could never be chosen or sent either.
    names = [n for n in unique if len(n) <= STATE_REASON_MAX and "\x00" not in n]
    async with db.connection() as conn:
        await conn.execute(
            "DELETE FROM state_adjustment_reason WHERE location = $1 AND NOT name = ANY($2)",
            location_id,
            names,
        )
        await conn.executemany(
            "INSERT INTO state_adjustment_reason"
            " (location, name, requires_note, requires_waste_weight, fetched_at)"
            " VALUES ($1, $2, $3, $4, now()) ON CONFLICT (location, name) DO UPDATE"
            " SET requires_note = EXCLUDED.requires_note,"
            " requires_waste_weight = EXCLUDED.requires_waste_weight, fetched_at = now()",
            [
                (location_id, n, unique[n].requires_note, unique[n].requires_waste_weight)
                for n in names
            ],
        )


_RELEASE = """
UPDATE state_report r SET status = 'pending', next_attempt_at = now(), last_error = NULL,
       updated_at = now()
WHERE r.location = $1 AND r.status = 'held' AND r.kind = ANY($2::text[])
  AND coalesce(nullif(r.payload->>'reason', ''),
               CASE r.kind WHEN 'destroy' THEN 'destruction' ELSE 'other' END) IN (
      SELECT m.reason FROM adjustment_reason_map m
      JOIN state_adjustment_reason s ON s.location = m.location AND s.name = m.state_reason
      WHERE m.location = $1)
RETURNING r.id
"""


async def release_held(uow: UnitOfWork, location_id: int) -> int:
    """Queue again the held reports whose reason is now mapped to a listed state reason (the
    drain checks the rest again); a drain is kicked after commit."""
    async with uow:
        released = await uow.conn.fetch(_RELEASE, location_id, list(ADJUST_KINDS))
        if released:
            uow.record(events.StateReportsQueued(location_id=location_id))
    return len(released)
