"""API keys for partners and devices (POS vendors, delivery platforms, door systems, displays).

A person signs in; a device holds a key. A key belongs to one operator, works only at the
locations it names and carries only its scopes, so the principal it yields passes exactly the
permission checks its scopes allow and nothing a role would add. Only a SHA-256 of the key is
stored (the key is 256 random bits, so a slow hash buys nothing and would cost every request);
the secret is shown once. ``llk_<prefix>_<secret>``: the prefix identifies a key in logs and lists
without revealing it. Rotation without downtime: create the new key, deploy it, revoke the old
(any number of keys may be active at once).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from domain import db
from domain.errors import NotFound, PermissionDenied, ValidationError
from domain.identity.principal import Principal
from domain.roles import Capability, Role
from domain.rows import returned
from domain.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

KEY_MARK = "llk_"
PREFIX_LENGTH = 8
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
# last_used_at is written at most this often per key: a busy register must not write per request.
LAST_USED_EVERY = timedelta(seconds=60)
MAX_NAME = 100
MAX_RATE_PER_MINUTE = 100_000


class Scope(enum.StrEnum):
    READ_FLOOR_STOCK = "read_floor_stock"
    RECORD_SALES = "record_sales"
    CREATE_RESERVATIONS = "create_reservations"
    POST_ACCESS_EVENTS = "post_access_events"


# What each scope allows, in the capabilities every service already checks. Sales and
# reservations both need SELL (and READ, to present what was recorded), so a scope also lists the
# root fields it may call: a reservations key cannot record a sale although both need SELL.
SCOPE_CAPABILITIES: dict[Scope, frozenset[Capability]] = {
    Scope.READ_FLOOR_STOCK: frozenset({Capability.READ}),
    Scope.RECORD_SALES: frozenset({Capability.SELL, Capability.READ}),
    Scope.CREATE_RESERVATIONS: frozenset({Capability.SELL, Capability.READ}),
    # Door and badge systems post their events (recordAccessEvents) and nothing else.
    Scope.POST_ACCESS_EVENTS: frozenset({Capability.POST_ACCESS_EVENTS}),
}

SCOPE_FIELDS: dict[Scope, frozenset[str]] = {
    Scope.READ_FLOOR_STOCK: frozenset(
        {
            "locations",
            "location",
            "zones",
            "products",
            "product",
            "packages",
            "package",
            "stockSummary",
            "floorStockChanged",
            "stockChanged",
            "lowStock",
            "floorBoard",
        }
    ),
    Scope.RECORD_SALES: frozenset(
        {"recordSale", "voidSale", "returnSale", "fulfilReservation", "sales"}
    ),
    Scope.CREATE_RESERVATIONS: frozenset(
        {
            "createReservation",
            "cancelReservation",
            "extendReservation",
            "reservations",
            "reservationChanged",
        }
    ),
    Scope.POST_ACCESS_EVENTS: frozenset({"recordAccessEvents"}),
}
# Every key may ask who it is.
ALWAYS_ALLOWED = frozenset({"me", "__typename"})


def fields_allowed(scopes: frozenset[Scope] | set[Scope]) -> frozenset[str]:
    allowed = set(ALWAYS_ALLOWED)
    for scope in scopes:
        allowed |= SCOPE_FIELDS[scope]
    return frozenset(allowed)


def looks_like_key(value: str) -> bool:
    return value.startswith(KEY_MARK)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _split(key: str) -> str | None:
    """The prefix of a well-formed key, or None."""
    mark, _, rest = key.partition("_")
    prefix, _, secret = rest.partition("_")
    if mark + "_" != KEY_MARK or len(prefix) != PREFIX_LENGTH or len(secret) < 20:
        return None
    if any(c not in _PREFIX_ALPHABET for c in prefix):
        return None
    return prefix


@dataclass(frozen=True)
class KeyPrincipal:
    """What authenticating a key yields: the principal, and the facts the limiter needs."""

    principal: Principal
    key_id: int
    prefix: str
    scopes: frozenset[Scope]
    rate_limit_per_minute: int | None


async def authenticate(key: str) -> KeyPrincipal | None:
    """The principal for a valid, unrevoked, unexpired key; None (and a log line) otherwise."""
    prefix = _split(key)
    if prefix is None:
        log.warning("api key refused: malformed")
        return None
    async with db.connection() as conn:
        row = await conn.fetchrow(
            'SELECT k.id, k.operator, k."user" AS user_id, k.name, k.secret_hash, k.scopes,'
            " k.locations, k.rate_limit_per_minute, k.expires_at, k.last_used_at,"
            " k.revoked_at, now() AS now"
            " FROM api_key k WHERE k.prefix = $1",
            prefix,
        )
        if row is None or not hmac.compare_digest(row["secret_hash"], digest(key)):
            log.warning("api key refused: unknown key %s", prefix)
            return None
        if row["revoked_at"] is not None:
            log.warning("api key refused: %s was revoked", prefix)
            return None
        if row["expires_at"] is not None and row["expires_at"] <= row["now"]:
            log.warning("api key refused: %s expired", prefix)
            return None
        if row["last_used_at"] is None or row["last_used_at"] < row["now"] - LAST_USED_EVERY:
            await conn.execute(
                "UPDATE api_key SET last_used_at = now() WHERE id = $1"
                " AND (last_used_at IS NULL OR last_used_at < now() - $2::interval)",
                row["id"],
                LAST_USED_EVERY,
            )
    scopes = frozenset(Scope(s) for s in row["scopes"])
    capabilities = frozenset().union(*(SCOPE_CAPABILITIES[s] for s in scopes))
    principal = Principal(
        user_id=row["user_id"],
        operator_id=row["operator"],
        email=f"{prefix}@api-keys.invalid",
        name=row["name"],
        # A key's locations carry no role of its own: ``scopes`` decides (see Principal.can).
        grants={location_id: Role.AUDITOR for location_id in row["locations"]},
        scopes=capabilities,
        api_key_prefix=prefix,
    )
    return KeyPrincipal(principal, row["id"], prefix, scopes, row["rate_limit_per_minute"])


@dataclass(frozen=True)
class CreateApiKey:
    name: str
    scopes: frozenset[Scope]
    location_ids: frozenset[int]
    expires_at: datetime | None = None
    rate_limit_per_minute: int | None = None


@dataclass(frozen=True)
class CreatedKey:
    key_id: int
    # Shown once; never stored.
    secret: str


def _require_admin(principal: Principal, location_ids: frozenset[int] | list[int]) -> None:
    if principal.scopes is not None:
        raise PermissionDenied(str(Capability.MANAGE_USERS), "keys cannot manage keys")
    for location_id in location_ids:
        if not principal.can(Capability.MANAGE_USERS, location_id):
            raise PermissionDenied(str(Capability.MANAGE_USERS), "at every location of the key")


def _validate(cmd: CreateApiKey) -> None:
    if not cmd.name.strip() or len(cmd.name.strip()) > MAX_NAME:
        raise ValidationError("name", f"give the key a name of 1 to {MAX_NAME} characters")
    if not cmd.scopes:
        raise ValidationError("scopes", "give the key one scope at least")
    if not cmd.location_ids:
        raise ValidationError("locationIds", "give the key one location at least")
    if cmd.rate_limit_per_minute is not None and not (
        0 < cmd.rate_limit_per_minute <= MAX_RATE_PER_MINUTE
    ):
        raise ValidationError("rateLimitPerMinute", f"must be 1 to {MAX_RATE_PER_MINUTE}")
    if cmd.expires_at is not None and cmd.expires_at <= datetime.now(UTC):
        raise ValidationError("expiresAt", "must be in the future")


async def create(uow: UnitOfWork, principal: Principal, cmd: CreateApiKey) -> CreatedKey:
    """An admin of every location the key names issues it; the secret is returned once."""
    _validate(cmd)
    _require_admin(principal, cmd.location_ids)
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    key = f"{KEY_MARK}{prefix}_{secrets.token_urlsafe(32)}"
    name = cmd.name.strip()
    async with uow:
        conn = uow.conn
        owned = await conn.fetchval(
            "SELECT count(*) FROM location WHERE operator = $1 AND id = ANY($2::int[])",
            principal.operator_id,
            list(cmd.location_ids),
        )
        if owned != len(cmd.location_ids):
            raise NotFound("location", ",".join(str(i) for i in sorted(cmd.location_ids)))
        # The key's own user: the actor recorded on its sales and movements. "!" is no
        # password hash, so it can never sign in; it has no grants.
        user_id = await conn.fetchval(
            "INSERT INTO app_user (operator, email, name, password_hash, active, token_version,"
            " created_at) VALUES ($1, $2, $3, '!', true, 0, now()) RETURNING id",
            principal.operator_id,
            f"{prefix}@api-keys.invalid",
            f"API key {name} ({prefix})"[:200],
        )
        key_id = returned(
            await conn.fetchval(
                'INSERT INTO api_key (operator, "user", name, prefix, secret_hash, scopes,'
                " locations, rate_limit_per_minute, expires_at, created_by, created_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now()) RETURNING id",
                principal.operator_id,
                user_id,
                name,
                prefix,
                digest(key),
                sorted(str(s) for s in cmd.scopes),
                sorted(cmd.location_ids),
                cmd.rate_limit_per_minute,
                cmd.expires_at,
                principal.user_id,
            )
        )
    log.info("api key %s created by user %s", prefix, principal.user_id)
    return CreatedKey(key_id, key)


async def revoke(uow: UnitOfWork, principal: Principal, key_id: int) -> int:
    """Revoke a key (an admin at any of its locations). Takes effect within the auth cache
    window; revoking a revoked key changes nothing."""
    async with uow:
        conn = uow.conn
        row = await conn.fetchrow(
            "SELECT locations FROM api_key WHERE id = $1 AND operator = $2 FOR UPDATE",
            key_id,
            principal.operator_id,
        )
        if row is None or principal.scopes is not None:
            raise NotFound("api key", str(key_id))
        if not any(principal.can(Capability.MANAGE_USERS, loc) for loc in row["locations"]):
            raise PermissionDenied(str(Capability.MANAGE_USERS), "at a location of the key")
        await conn.execute(
            "UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1", key_id
        )
    log.info("api key %s revoked by user %s", key_id, principal.user_id)
    return key_id


@dataclass(frozen=True)
class ApiKeyRow:
    """A key as its admins see it: never its secret nor the secret's hash."""

    id: int
    name: str
    prefix: str
    scopes: tuple[Scope, ...]
    location_ids: tuple[int, ...]
    rate_limit_per_minute: int | None
    expires_at: datetime | None
    last_used_at: datetime | None
    created_by: int
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def from_record(cls, r: Any) -> ApiKeyRow:
        return cls(
            **{
                **dict(r),
                "scopes": tuple(Scope(s) for s in r["scopes"]),
                "location_ids": tuple(r["location_ids"]),
            }
        )


async def list_keys(principal: Principal, ids: list[int] | None = None) -> list[ApiKeyRow]:
    """Keys at locations where the caller manages users (never their secrets)."""
    managed = [loc for loc in principal.location_ids if principal.can(Capability.MANAGE_USERS, loc)]
    if not managed or principal.scopes is not None:
        return []
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, name, prefix, scopes, locations AS location_ids, rate_limit_per_minute,"
            " expires_at, last_used_at, created_by, created_at, revoked_at FROM api_key"
            " WHERE operator = $1 AND locations && $2::int[]"
            " AND ($3::int[] IS NULL OR id = ANY($3::int[])) ORDER BY id",
            principal.operator_id,
            managed,
            ids,
        )
    return [ApiKeyRow.from_record(r) for r in rows]
