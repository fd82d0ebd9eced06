"""Locations and zones: administering where stock can live."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import asyncpg

from domain import db, service
from domain.changelog import record as changelog
from domain.changelog.model import Actor
from domain.errors import NotFound, PermissionDenied, ValidationError
from domain.identity import services as identity
from domain.identity.principal import Principal
from domain.organisation.model import ZoneKind
from domain.roles import Capability, Role
from domain.rows import returned
from domain.sales.model import FefoPolicy
from domain.unit_of_work import PluginRegistry, UnitOfWork

DEFAULT_ZONES = (
    ("Vault", ZoneKind.VAULT),
    ("Sales Floor", ZoneKind.SALES_FLOOR),
    ("Reserved Orders", ZoneKind.RESERVED),
    ("Quarantine", ZoneKind.QUARANTINE),
    ("QA / Testing", ZoneKind.QA_TESTING),
    ("Samples", ZoneKind.SAMPLES),
    ("Waste", ZoneKind.WASTE),
)
STATE_CODE = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class CreateLocation:
    name: str
    license_number: str
    state: str
    timezone: str
    state_system: str
    with_default_zones: bool = True
    idempotency_key: str | None = None


@dataclass(frozen=True)
class LocationCreated:
    location_id: int


@dataclass(frozen=True)
class CreateZone:
    location_id: int
    name: str
    kind: ZoneKind
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ZoneCreated:
    zone_id: int


@dataclass(frozen=True)
class UpdateZone:
    zone_id: int
    name: str | None = None
    active: bool | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ZoneUpdated:
    zone_id: int


def _check_location_fields(plugins: PluginRegistry, cmd: CreateLocation) -> None:
    if not cmd.name.strip():
        raise ValidationError("name", "is required")
    if not cmd.license_number.strip() or len(cmd.license_number) > 64:
        raise ValidationError("licenseNumber", "must be 1 to 64 characters")
    if not STATE_CODE.match(cmd.state):
        raise ValidationError("state", "must be a two-letter state code such as CA")
    _check_timezone(cmd.timezone)
    _check_state_system(plugins, cmd.state_system)


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("timezone", f"{name!r} is not an IANA time zone") from None


def _check_state_system(plugins: PluginRegistry, name: str) -> None:
    if name not in plugins.state_systems:
        raise ValidationError("stateSystem", f"no state system named {name!r}")


async def create_location(
    uow: UnitOfWork, principal: Principal, cmd: CreateLocation
) -> service.Outcome:
    """Open a new licence for the caller's operator; its creator becomes its admin."""
    if not principal.is_admin_anywhere():
        raise PermissionDenied("create locations", "only an operator admin may")
    _check_location_fields(uow.registry, cmd)

    async def work(uow: UnitOfWork) -> LocationCreated:
        conn = uow.conn
        try:
            location_id = await conn.fetchval(
                "INSERT INTO location (operator, name, license_number, state, timezone,"
                " state_system, created_at) VALUES ($1, $2, $3, $4, $5, $6, now())"
                " RETURNING id",
                principal.operator_id,
                cmd.name.strip(),
                cmd.license_number.strip(),
                cmd.state,
                cmd.timezone,
                cmd.state_system,
            )
        except asyncpg.UniqueViolationError:
            raise ValidationError(
                "licenseNumber", "a location with this licence already exists"
            ) from None
        await conn.execute(
            'INSERT INTO location_grant ("user", location, role) VALUES ($1, $2, $3)',
            principal.user_id,
            location_id,
            str(Role.ADMIN),
        )
        if cmd.with_default_zones:
            await conn.executemany(
                "INSERT INTO zone (location, name, kind, active, created_at)"
                " VALUES ($1, $2, $3, true, now())",
                [(location_id, name, str(kind)) for name, kind in DEFAULT_ZONES],
            )
        await changelog.change(
            uow,
            principal,
            "createLocation",
            "location",
            location_id,
            location_id=location_id,
            after={
                "name": cmd.name.strip(),
                "license_number": cmd.license_number.strip(),
                "state": cmd.state,
                "timezone": cmd.timezone,
                "state_system": cmd.state_system,
            },
        )
        return LocationCreated(returned(location_id))

    return await service.run(uow, principal, "createLocation", cmd, work, LocationCreated)


async def create_zone(uow: UnitOfWork, principal: Principal, cmd: CreateZone) -> service.Outcome:
    """Add a zone (a second vault, a delivery staging area...) to a location."""
    principal.require(Capability.MANAGE_LOCATION, cmd.location_id)
    name = cmd.name.strip()
    if not name or len(name) > 100:
        raise ValidationError("name", "must be 1 to 100 characters")

    async def work(uow: UnitOfWork) -> ZoneCreated:
        conn = uow.conn
        try:
            zone_id = await conn.fetchval(
                "INSERT INTO zone (location, name, kind, active, created_at)"
                " VALUES ($1, $2, $3, true, now()) RETURNING id",
                cmd.location_id,
                name,
                str(ZoneKind(cmd.kind)),
            )
        except asyncpg.UniqueViolationError:
            raise ValidationError("name", "this location already has a zone of that name") from None
        await changelog.change(
            uow,
            principal,
            "createZone",
            "zone",
            zone_id,
            location_id=cmd.location_id,
            after={"name": name, "kind": str(ZoneKind(cmd.kind))},
        )
        return ZoneCreated(returned(zone_id))

    return await service.run(uow, principal, "createZone", cmd, work, ZoneCreated)


async def update_zone(uow: UnitOfWork, principal: Principal, cmd: UpdateZone) -> service.Outcome:
    """Rename or (de)activate a zone; a zone still holding stock cannot be deactivated."""
    async with db.connection() as conn:
        location_id = await conn.fetchval("SELECT location FROM zone WHERE id = $1", cmd.zone_id)
    if location_id is None or principal.role_at(location_id) is None:
        raise NotFound("zone", str(cmd.zone_id))
    principal.require(Capability.MANAGE_LOCATION, location_id)
    if cmd.name is not None and not (0 < len(cmd.name.strip()) <= 100):
        raise ValidationError("name", "must be 1 to 100 characters")

    async def work(uow: UnitOfWork) -> ZoneUpdated:
        conn = uow.conn
        before = await conn.fetchrow(
            "SELECT name, active FROM zone WHERE id = $1 FOR UPDATE", cmd.zone_id
        )
        if cmd.active is False:
            held = await conn.fetchval(
                "SELECT coalesce(sum(quantity), 0) FROM stock_balance WHERE zone = $1",
                cmd.zone_id,
            )
            if returned(held) > 0:
                raise ValidationError("active", "the zone still holds stock; move it first")
        try:
            after = await conn.fetchrow(
                "UPDATE zone SET name = coalesce($2, name), active = coalesce($3, active)"
                " WHERE id = $1 RETURNING name, active",
                cmd.zone_id,
                cmd.name.strip() if cmd.name is not None else None,
                cmd.active,
            )
        except asyncpg.UniqueViolationError:
            raise ValidationError("name", "this location already has a zone of that name") from None
        await changelog.change(
            uow,
            principal,
            "updateZone",
            "zone",
            cmd.zone_id,
            location_id=location_id,
            before=dict(before) if before else None,
            after=dict(after) if after else None,
        )
        return ZoneUpdated(cmd.zone_id)

    return await service.run(uow, principal, "updateZone", cmd, work, ZoneUpdated)


async def bootstrap_operator(
    plugins: PluginRegistry,
    operator_name: str,
    location: CreateLocation,
    admin_email: str,
    admin_name: str,
    password: str,
) -> tuple[int, int, int]:
    """Create an operator, its first location (with default zones) and its first admin.

    The one way in for a new deployment (CLI, demo, tests); every later user and location is
    created by an admin through the API.
    """
    _check_location_fields(plugins, location)
    async with db.connection() as conn:
        operator_id = returned(
            await conn.fetchval(
                "INSERT INTO operator (name, created_at) VALUES ($1, now()) RETURNING id",
                operator_name,
            )
        )
        location_id = returned(
            await conn.fetchval(
                "INSERT INTO location (operator, name, license_number, state, timezone,"
                " state_system, created_at) VALUES ($1, $2, $3, $4, $5, $6, now()) RETURNING id",
                operator_id,
                location.name,
                location.license_number,
                location.state,
                location.timezone,
                location.state_system,
            )
        )
        await conn.executemany(
            "INSERT INTO zone (location, name, kind, active, created_at)"
            " VALUES ($1, $2, $3, true, now())",
            [(location_id, name, str(kind)) for name, kind in DEFAULT_ZONES],
        )
    user_id = await identity.create_user(
        operator_id=operator_id,
        email=admin_email,
        name=admin_name,
        password=password,
        grants={location_id: Role.ADMIN},
        logged_as=Actor.system(operator_id, "bootstrap"),
    )
    return operator_id, location_id, user_id


@dataclass(frozen=True)
class UpdateLocation:
    location_id: int
    name: str | None = None
    timezone: str | None = None
    state_system: str | None = None
    fefo_policy: str | None = None
    reserve_from_vault: bool | None = None
    reservation_hold_minutes: int | None = None
    receiving_tolerance_pct: Decimal | None = None
    receiving_requires_signoff: bool | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class LocationUpdated:
    location_id: int


# The same bounds as the CHECK constraints on location (migration ..._000007) and as a single
# reservation's own hold (domain.sales.reservations.MAX_HOLD: one week).
MAX_HOLD_MINUTES = 7 * 24 * 60
MAX_TOLERANCE_PCT = Decimal(100)


def _check_location_policies(cmd: UpdateLocation) -> None:
    """A hold of 0 minutes creates reservations already expired; a NaN tolerance makes every
    receiving scan fail: refuse such settings rather than store them."""
    if cmd.fefo_policy is not None and cmd.fefo_policy not in set(FefoPolicy):
        raise ValidationError("fefoPolicy", "must be warn or refuse")
    minutes = cmd.reservation_hold_minutes
    if minutes is not None and (isinstance(minutes, bool) or not 1 <= minutes <= MAX_HOLD_MINUTES):
        raise ValidationError(
            "reservationHoldMinutes", f"must be between 1 and {MAX_HOLD_MINUTES} minutes"
        )
    pct = cmd.receiving_tolerance_pct
    if pct is not None and not _is_percentage(pct):
        raise ValidationError(
            "receivingTolerancePct",
            f"must be between 0 and {MAX_TOLERANCE_PCT} with at most 2 decimal places",
        )


def _is_percentage(value: Decimal) -> bool:
    if not isinstance(value, Decimal) or not value.is_finite():
        return False
    exponent = value.normalize().as_tuple().exponent
    return 0 <= value <= MAX_TOLERANCE_PCT and isinstance(exponent, int) and exponent >= -2


async def update_location(
    uow: UnitOfWork, principal: Principal, cmd: UpdateLocation
) -> service.Outcome:
    """Rename a location, fix its time zone or switch its state system (e.g. CCRS → METRC).

    The licence number and state are fixed: a new licence is a new location.
    """
    principal.require(Capability.MANAGE_LOCATION, cmd.location_id)
    if cmd.name is not None and not (0 < len(cmd.name.strip()) <= 200):
        raise ValidationError("name", "must be 1 to 200 characters")
    if cmd.timezone is not None:
        try:
            ZoneInfo(cmd.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                "timezone", f"{cmd.timezone!r} is not an IANA time zone"
            ) from None
    if cmd.state_system is not None and cmd.state_system not in uow.registry.state_systems:
        raise ValidationError("stateSystem", f"no state system named {cmd.state_system!r}")
    _check_location_policies(cmd)

    async def work(uow: UnitOfWork) -> LocationUpdated:
        conn = uow.conn
        before = await changelog.fields(conn, "location", cmd.location_id, _LOCATION_SETTINGS)
        after = await conn.fetchrow(
            "UPDATE location SET name = coalesce($2, name), timezone = coalesce($3, timezone),"
            " state_system = coalesce($4, state_system),"
            " fefo_policy = coalesce($5, fefo_policy),"
            " reserve_from_vault = coalesce($6, reserve_from_vault),"
            " reservation_hold_minutes = coalesce($7, reservation_hold_minutes),"
            " receiving_tolerance_pct = coalesce($8, receiving_tolerance_pct),"
            " receiving_requires_signoff = coalesce($9, receiving_requires_signoff)"
            f" WHERE id = $1 RETURNING {', '.join(_LOCATION_SETTINGS)}",
            cmd.location_id,
            cmd.name.strip() if cmd.name else None,
            cmd.timezone,
            cmd.state_system,
            str(FefoPolicy(cmd.fefo_policy)) if cmd.fefo_policy is not None else None,
            cmd.reserve_from_vault,
            cmd.reservation_hold_minutes,
            cmd.receiving_tolerance_pct,
            cmd.receiving_requires_signoff,
        )
        await changelog.change(
            uow,
            principal,
            "updateLocation",
            "location",
            cmd.location_id,
            location_id=cmd.location_id,
            before=before,
            after=dict(after) if after else None,
        )
        return LocationUpdated(cmd.location_id)

    return await service.run(uow, principal, "updateLocation", cmd, work, LocationUpdated)


# What updateLocation may change: the change log's before and after.
_LOCATION_SETTINGS = (
    "name",
    "timezone",
    "state_system",
    "fefo_policy",
    "reserve_from_vault",
    "reservation_hold_minutes",
    "receiving_tolerance_pct",
    "receiving_requires_signoff",
)
