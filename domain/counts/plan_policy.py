"""A location's count policy: reading its plan numbers, and letting a manager change it all
(the plan numbers here, and the count sessions' settings, which the sessions read themselves).

A location without a ``count_policy`` row counts on the defaults (``plan_rules.DEFAULT_POLICY``);
the first change creates the row. Only the numbers sent change, and the numbers are checked
together after the change (an A share raised above the stored B share is refused), so the plan
is never left in a state the classification cannot use.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg

from domain import db, service
from domain.changelog import record as changelog
from domain.counts.plan_rules import DAY_LIMITS, DEFAULT_POLICY, WINDOW_LIMITS, PlanPolicy
from domain.errors import ValidationError
from domain.identity.principal import Principal
from domain.numbers import DecimalRefused, check_decimal
from domain.organisation.model import ZoneKind
from domain.roles import Capability
from domain.unit_of_work import UnitOfWork

MAX_SESSION_HOURS = 72
_COLUMNS = (
    "class_a_days, class_b_days, class_c_days, vault_days, abc_window_days,"
    " class_a_share, class_b_share"
)


def _policy(row: Any) -> PlanPolicy:
    if row is None:
        return DEFAULT_POLICY
    return PlanPolicy(
        class_a_days=row["class_a_days"],
        class_b_days=row["class_b_days"],
        class_c_days=row["class_c_days"],
        vault_days=row["vault_days"],
        abc_window_days=row["abc_window_days"],
        class_a_share=row["class_a_share"],
        class_b_share=row["class_b_share"],
    )


async def load_policy(
    conn: asyncpg.Connection, location_id: int, *, lock: bool = False
) -> PlanPolicy:
    """The location's plan numbers (the defaults when it has no policy row)."""
    sql = f"SELECT {_COLUMNS} FROM count_policy WHERE location = $1"
    return _policy(await conn.fetchrow(sql + (" FOR UPDATE" if lock else ""), location_id))


@dataclass(frozen=True)
class SetCountPolicy:
    location_id: int
    class_a_days: int | None = None
    class_b_days: int | None = None
    class_c_days: int | None = None
    vault_days: int | None = None
    abc_window_days: int | None = None
    class_a_share: Decimal | None = None
    class_b_share: Decimal | None = None
    # Session settings (read by the count sessions, domain/counts/queries.py).
    two_person_zone_kinds: tuple[str, ...] | None = None
    two_person_above_threshold: bool | None = None
    variance_quantity_threshold: Decimal | None = None
    variance_value_threshold: Decimal | None = None
    session_limit_hours: int | None = None
    blind: bool | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class CountPolicySet:
    location_id: int


_FIELD_NAMES = {
    "class_a_days": "classADays",
    "class_b_days": "classBDays",
    "class_c_days": "classCDays",
    "vault_days": "vaultDays",
    "abc_window_days": "abcWindowDays",
    "class_a_share": "classAShare",
    "class_b_share": "classBShare",
}


def _check_days(name: str, value: int | None, limits: tuple[int, int]) -> None:
    if value is None:
        return
    low, high = limits
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            _FIELD_NAMES[name], f"must be a whole number of days, {low} to {high}"
        )


def _check_share(name: str, value: Decimal | None) -> None:
    if value is None:
        return
    try:
        check_decimal(value, places=3, maximum=Decimal(1), allow_zero=False)
    except DecimalRefused:
        raise ValidationError(
            _FIELD_NAMES[name], "must be above 0 and at most 1, with at most 3 decimal places"
        ) from None


def _check_amount(field: str, value: Decimal | None, maximum: int, places: int) -> None:
    if value is None:
        return
    try:
        check_decimal(value, places=places, maximum=Decimal(maximum))
    except DecimalRefused:
        raise ValidationError(
            field, f"must be 0 to {maximum} with at most {places} decimal places"
        ) from None


def _check_session(cmd: SetCountPolicy) -> None:
    kinds = cmd.two_person_zone_kinds
    if kinds is not None:
        known = {str(k) for k in ZoneKind}
        if any(k not in known for k in kinds) or len(set(kinds)) != len(kinds):
            raise ValidationError(
                "twoPersonZoneKinds", "must list zone kinds, each once: " + ", ".join(known)
            )
    _check_amount("varianceQuantityThreshold", cmd.variance_quantity_threshold, 100_000, 3)
    _check_amount("varianceValueThreshold", cmd.variance_value_threshold, 1_000_000, 2)
    hours = cmd.session_limit_hours
    if hours is not None and (isinstance(hours, bool) or not 1 <= hours <= MAX_SESSION_HOURS):
        raise ValidationError(
            "sessionLimitHours", f"must be a whole number of hours, 1 to {MAX_SESSION_HOURS}"
        )


def check(cmd: SetCountPolicy) -> None:
    """Each number sent on its own; the combination is checked against the stored row."""
    for name in ("class_a_days", "class_b_days", "class_c_days", "vault_days"):
        _check_days(name, getattr(cmd, name), DAY_LIMITS)
    _check_days("abc_window_days", cmd.abc_window_days, WINDOW_LIMITS)
    _check_share("class_a_share", cmd.class_a_share)
    _check_share("class_b_share", cmd.class_b_share)
    _check_session(cmd)


def merged(current: PlanPolicy, cmd: SetCountPolicy) -> PlanPolicy:
    """``current`` with the numbers ``cmd`` sends; refuses shares that end up out of order."""
    changes = {
        name: getattr(cmd, name) if getattr(cmd, name) is not None else getattr(current, name)
        for name in _FIELD_NAMES
    }
    try:
        return PlanPolicy(**changes)
    except ValueError:
        raise ValidationError("classAShare", "the A share must not be above the B share") from None


async def set_count_policy(
    uow: UnitOfWork, principal: Principal, cmd: SetCountPolicy
) -> service.Outcome:
    """Change how often a location counts each class and its vaults, how classes are cut, and
    how its count sessions run (witnesses, recount thresholds, time limit, blind or not).

    Managers tune the plan to their store (a high-theft store counts B weekly); the state's
    minimum still caps it when the plan is read, so no setting here can make it laxer than the
    law.
    """
    principal.require(Capability.MANAGE_LOCATION, cmd.location_id)
    check(cmd)

    async def work(uow: UnitOfWork) -> CountPolicySet:
        async with db.connection() as conn:
            # Serialise changes per location: the first one creates the row.
            await conn.execute(
                "INSERT INTO count_policy (location, updated_at) VALUES ($1, now())"
                " ON CONFLICT (location) DO NOTHING",
                cmd.location_id,
            )
            policy = merged(await load_policy(conn, cmd.location_id, lock=True), cmd)
            before = await changelog.fields(
                conn, "count_policy", cmd.location_id, _LOGGED, key="location"
            )
            after = await conn.fetchrow(
                "UPDATE count_policy SET class_a_days = $2, class_b_days = $3,"
                " class_c_days = $4, vault_days = $5, abc_window_days = $6,"
                " class_a_share = $7, class_b_share = $8, updated_by = $9, updated_at = now(),"
                " two_person_zone_kinds = coalesce($10, two_person_zone_kinds),"
                " two_person_above_threshold = coalesce($11, two_person_above_threshold),"
                " variance_quantity_threshold = coalesce($12, variance_quantity_threshold),"
                " variance_value_threshold = coalesce($13, variance_value_threshold),"
                " session_limit_hours = coalesce($14, session_limit_hours),"
                " blind = coalesce($15, blind)"
                f" WHERE location = $1 RETURNING {', '.join(_LOGGED)}",
                cmd.location_id,
                policy.class_a_days,
                policy.class_b_days,
                policy.class_c_days,
                policy.vault_days,
                policy.abc_window_days,
                policy.class_a_share,
                policy.class_b_share,
                principal.user_id,
                None if cmd.two_person_zone_kinds is None else list(cmd.two_person_zone_kinds),
                cmd.two_person_above_threshold,
                cmd.variance_quantity_threshold,
                cmd.variance_value_threshold,
                cmd.session_limit_hours,
                cmd.blind,
            )
        await changelog.change(
            uow,
            principal,
            "setCountPolicy",
            "count policy",
            cmd.location_id,
            location_id=cmd.location_id,
            before=before,
            after=dict(after) if after else None,
        )
        return CountPolicySet(cmd.location_id)

    return await service.run(uow, principal, "setCountPolicy", cmd, work, CountPolicySet)


# What the change log compares of a count policy.
_LOGGED = (
    "class_a_days",
    "class_b_days",
    "class_c_days",
    "vault_days",
    "abc_window_days",
    "class_a_share",
    "class_b_share",
    "two_person_zone_kinds",
    "two_person_above_threshold",
    "variance_quantity_threshold",
    "variance_value_threshold",
    "session_limit_hours",
    "blind",
)
