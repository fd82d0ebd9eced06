"""Per-licence state-system connections: which system, which host, which (encrypted) keys."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain import db, service
from domain.changelog import record as changelog
from domain.compliance import credentials
from domain.errors import NotFound, ValidationError
from domain.identity.principal import Principal
from domain.roles import Capability
from domain.unit_of_work import PluginRegistry, UnitOfWork
from plugins.base import Mode, StateAccess, StateSystem

MAX_TIMEOUT_SECONDS = 300


def _positive_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and number > 0 else None


def check_settings(settings: dict[str, Any]) -> None:
    """Refuse the connection settings the state clients would choke on at every sync (a NaN or
    negative timeout, a history start without an offset, a rate that is not a number), so the
    mistake is the caller's ValidationError now rather than a failing drain later."""
    if "timeout_seconds" in settings:
        timeout = _positive_number(settings["timeout_seconds"])
        if timeout is None or timeout > MAX_TIMEOUT_SECONDS:
            raise ValidationError(
                "settings.timeout_seconds",
                f"must be a number of seconds, 0 to {MAX_TIMEOUT_SECONDS}",
            )
    if "history_start" in settings:
        start = settings["history_start"]
        try:
            parsed = datetime.fromisoformat(start) if isinstance(start, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise ValidationError(
                "settings.history_start", "must be an ISO 8601 date-time with an offset"
            )
    if "get_rates" in settings:
        rates = settings["get_rates"]
        if not (
            isinstance(rates, list)
            and len(rates) == 2
            and all(_positive_number(r) is not None for r in rates)
        ):
            raise ValidationError("settings.get_rates", "must be two positive numbers")
    for name in ("rooms", "adjustment_types"):
        if name in settings and not isinstance(settings[name], dict):
            raise ValidationError(f"settings.{name}", "must be an object")


@dataclass(frozen=True)
class Target:
    """Everything the sync engine needs to talk to one licence's state system."""

    location_id: int
    state: str
    timezone: str
    system: StateSystem
    connection: StateAccess
    configured: bool


async def load(plugins: PluginRegistry, location_id: int) -> Target | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT l.license_number, l.state, l.timezone, l.state_system, c.base_url,"
            " c.credentials, c.settings, c.enabled FROM location l"
            " LEFT JOIN state_connection c ON c.location = l.id WHERE l.id = $1",
            location_id,
        )
    if row is None:
        return None
    system = plugins.state_system(row["state_system"])
    configured = bool(row["base_url"]) and row["enabled"] is not False
    if system.mode == Mode.REALTIME_API and not configured:
        return None
    settings = row["settings"]
    return Target(
        location_id=location_id,
        state=row["state"],
        timezone=row["timezone"],
        system=system,
        connection=StateAccess(
            license_number=row["license_number"],
            base_url=row["base_url"] or "",
            credentials={
                k: credentials.Secret(v)
                for k, v in credentials.decrypt(row["credentials"] or "").items()
            },
            settings=settings or {},
        ),
        configured=configured,
    )


# What the change log compares of a connection ("credentials" is redacted by name).
_LOGGED = "system, base_url, credentials, settings, enabled"


@dataclass(frozen=True)
class ConfigureConnection:
    location_id: int
    base_url: str
    # Write-only: stored encrypted, never returned. None keeps what is stored.
    credentials: Any = None
    settings: Any = None
    enabled: bool = True
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ConnectionSaved:
    location_id: int


async def configure(
    uow: UnitOfWork, principal: Principal, cmd: ConfigureConnection
) -> service.Outcome:
    """Point a licence at its state system (sandbox or production) with its keys."""
    principal.require(Capability.MANAGE_LOCATION, cmd.location_id)
    if not cmd.base_url.startswith(("https://", "http://")) or len(cmd.base_url) > 300:
        raise ValidationError("baseUrl", "must be an http(s) URL")
    if cmd.credentials is not None and not (
        isinstance(cmd.credentials, dict)
        and all(isinstance(v, str) for v in cmd.credentials.values())
    ):
        raise ValidationError("credentials", "must be an object of strings")
    if cmd.settings is not None and not isinstance(cmd.settings, dict):
        raise ValidationError("settings", "must be an object")
    if isinstance(cmd.settings, dict):
        check_settings(cmd.settings)
    if isinstance(cmd.settings, dict) and "adjustment_reasons" in cmd.settings:
        # Pinned reasons were silently mixed with guesses; the map is its own table now.
        raise ValidationError(
            "settings", "adjustment_reasons are mapped with setAdjustmentReasonMapping"
        )
    async with db.connection() as conn:
        system_name = await conn.fetchval(
            "SELECT state_system FROM location WHERE id = $1", cmd.location_id
        )
    if system_name is None:
        raise NotFound("location", str(cmd.location_id))
    required = uow.registry.state_system(system_name).required_credentials
    if cmd.credentials is not None:
        missing = [k for k in required if not cmd.credentials.get(k)]
        if missing:
            raise ValidationError("credentials", f"{system_name} needs {', '.join(missing)}")
    token = credentials.encrypt(cmd.credentials) if cmd.credentials is not None else None
    # Keys are not part of what a retry must repeat, and never stored in the replay record.
    request = ConfigureConnection(
        cmd.location_id, cmd.base_url, None, cmd.settings, cmd.enabled, cmd.idempotency_key
    )

    async def work(uow: UnitOfWork) -> ConnectionSaved:
        async with db.connection() as conn:
            before = await conn.fetchrow(
                f"SELECT {_LOGGED} FROM state_connection WHERE location = $1 FOR UPDATE",
                cmd.location_id,
            )
            after = await conn.fetchrow(
                "INSERT INTO state_connection (location, system, base_url, credentials,"
                " settings, enabled, updated_at) VALUES ($1, $2, $3, coalesce($4, ''),"
                " coalesce($5::jsonb, '{}'), $6, now())"
                " ON CONFLICT (location) DO UPDATE SET system = EXCLUDED.system,"
                " base_url = EXCLUDED.base_url,"
                " credentials = coalesce($4, state_connection.credentials),"
                " settings = coalesce($5::jsonb, state_connection.settings),"
                " enabled = EXCLUDED.enabled, updated_at = now()"
                f" RETURNING {_LOGGED}",
                cmd.location_id,
                system_name,
                cmd.base_url,
                token,
                cmd.settings,
                cmd.enabled,
            )
        # The encrypted credentials are compared, never logged: a change shows as redacted.
        await changelog.change(
            uow,
            principal,
            "configureStateConnection",
            "state connection",
            cmd.location_id,
            location_id=cmd.location_id,
            before=dict(before) if before else None,
            after=dict(after) if after else None,
        )
        return ConnectionSaved(cmd.location_id)

    return await service.run(
        uow, principal, "configureStateConnection", request, work, ConnectionSaved
    )
