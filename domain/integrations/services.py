"""Configuring a location's POS and delivery connections, and finding one for an inbound request.

Only roles that manage the location (managers, admins) may connect a POS or platform: the
connection's secret lets its holder sell and reserve stock there, as the connection's acting
user. The secret is generated here, returned once and stored only encrypted; a holder that loses
it asks for a new one (``rotate_secret``), which takes effect at once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from domain import db, service
from domain.changelog import record as changelog
from domain.compliance import credentials
from domain.errors import NotFound, ValidationError
from domain.identity.principal import Principal
from domain.identity.services import load_principal
from domain.identity.tokens import TokenClaims
from domain.integrations.tables import IntegrationKind
from domain.roles import Capability
from domain.rows import returned
from domain.unit_of_work import PluginRegistry, UnitOfWork
from domain.webhooks.services import generate_secret
from plugins.integrations import ACCESS_ADAPTERS

_UPSERT = """
INSERT INTO integration_connection (location, kind, adapter, secret, acting_user,
                                    webhook_endpoint, active, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now())
ON CONFLICT (location, kind, adapter) DO UPDATE SET
    acting_user = EXCLUDED.acting_user,
    webhook_endpoint = EXCLUDED.webhook_endpoint,
    active = EXCLUDED.active,
    secret = CASE WHEN $8 THEN EXCLUDED.secret ELSE integration_connection.secret END,
    updated_at = now()
RETURNING id, (xmax = 0) AS inserted, acting_user, webhook_endpoint, active, secret
"""
# What the change log compares of a connection (the secret only as "[redacted]" if rotated).
_LOGGED = "acting_user, webhook_endpoint, active, secret"


@dataclass(frozen=True)
class ConfigureIntegration:
    """The whole connection (all but its secret): configuring again replaces these fields."""

    location_id: int
    kind: IntegrationKind
    adapter: str
    acting_user_id: int
    active: bool = True
    # Issue a new secret for an existing connection (a new connection always gets one).
    rotate_secret: bool = False
    # Delivery only: the outbound webhook endpoint whose bodies the adapter shapes.
    webhook_endpoint_id: int | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class IntegrationSaved:
    connection_id: int
    secret_issued: bool


@dataclass(frozen=True)
class ConfiguredIntegration:
    """A connection saved, and its secret when one was issued: shown this once (None when the
    secret was kept, and when the request was a replay)."""

    connection_id: int
    secret: str | None
    replayed: bool


@dataclass(frozen=True)
class ActiveConnection:
    """What an inbound request needs: the decrypted secret and who to act as."""

    id: int
    location_id: int
    kind: IntegrationKind
    adapter: str
    secret: credentials.Secret
    acting_user_id: int
    acting_token_version: int


def _int4(value: int, entity: str) -> int:
    """Ids of serial (int4) columns: anything out of range is simply not found."""
    if not 0 < value < 2**31:
        raise NotFound(entity, str(value))
    return value


def installed_adapters(plugins: PluginRegistry, kind: IntegrationKind) -> Collection[str]:
    if kind == IntegrationKind.POS:
        return plugins.pos_adapters.keys()
    if kind == IntegrationKind.ACCESS:
        return ACCESS_ADAPTERS.keys()
    return plugins.delivery_adapters.keys()


def acting_capability(kind: IntegrationKind) -> Capability:
    """What a connection's acting user must be allowed: door systems post access events,
    POS and delivery platforms sell and reserve."""
    return Capability.POST_ACCESS_EVENTS if kind == IntegrationKind.ACCESS else Capability.SELL


async def _check_acting_user(
    principal: Principal, user_id: int, location_id: int, kind: IntegrationKind
) -> None:
    """Someone of the caller's operator who may sell (post access events) at the location."""
    _int4(user_id, "user")
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT operator, token_version FROM app_user WHERE id = $1 AND active", user_id
        )
    if row is None or row["operator"] != principal.operator_id:
        raise NotFound("user", str(user_id))
    acting = await load_principal(TokenClaims(user_id, row["token_version"]))
    if acting is None or not acting.can(acting_capability(kind), location_id):
        needs = (
            "may post access events (e.g. manager)"
            if kind == IntegrationKind.ACCESS
            else "may sell at this location (e.g. budtender)"
        )
        raise ValidationError("actingUserId", f"needs a role that {needs}")


async def _check_endpoint(cmd: ConfigureIntegration) -> None:
    if cmd.webhook_endpoint_id is None:
        return
    if cmd.kind != IntegrationKind.DELIVERY:
        raise ValidationError("webhookEndpointId", "only delivery connections shape webhooks")
    _int4(cmd.webhook_endpoint_id, "webhook endpoint")
    async with db.connection() as conn:
        location_id = await conn.fetchval(
            "SELECT location FROM webhook_endpoint WHERE id = $1", cmd.webhook_endpoint_id
        )
        taken = await conn.fetchval(
            "SELECT adapter FROM integration_connection WHERE webhook_endpoint = $1"
            " AND NOT (location = $2 AND kind = $3 AND adapter = $4)",
            cmd.webhook_endpoint_id,
            cmd.location_id,
            str(cmd.kind),
            cmd.adapter,
        )
    if location_id != cmd.location_id:
        raise NotFound("webhook endpoint", str(cmd.webhook_endpoint_id))
    if taken is not None:
        raise ValidationError("webhookEndpointId", f"already shaped by the {taken} connection")


async def configure(
    uow: UnitOfWork,
    principal: Principal,
    cmd: ConfigureIntegration,
    adapters: Collection[str] | None = None,
) -> ConfiguredIntegration:
    """Accept (or change, or deactivate) an adapter's webhooks at a location.

    ``adapters`` are the names that may be configured (default: those installed for the kind).
    A new connection gets a generated secret, returned here once; so does ``rotate_secret``.
    """
    principal.require(Capability.MANAGE_LOCATION, cmd.location_id)
    try:
        kind = IntegrationKind(cmd.kind)
    except ValueError:
        raise ValidationError("kind", "pos or delivery") from None
    known = installed_adapters(uow.registry, kind) if adapters is None else adapters
    if cmd.adapter not in known:
        raise ValidationError("adapter", f"no {kind} adapter named {cmd.adapter!r} is installed")
    await _check_acting_user(principal, cmd.acting_user_id, cmd.location_id, kind)
    await _check_endpoint(cmd)
    secret = generate_secret()
    token = credentials.encrypt({"secret": secret})

    async def work(uow: UnitOfWork) -> IntegrationSaved:
        conn = uow.conn
        before = await conn.fetchrow(
            f"SELECT {_LOGGED} FROM integration_connection WHERE location = $1 AND kind = $2"
            " AND adapter = $3 FOR UPDATE",
            cmd.location_id,
            str(kind),
            cmd.adapter,
        )
        row = await conn.fetchrow(
            _UPSERT,
            cmd.location_id,
            str(kind),
            cmd.adapter,
            token,
            cmd.acting_user_id,
            cmd.webhook_endpoint_id,
            cmd.active,
            cmd.rotate_secret,
        )
        saved = returned(row)  # an upsert always returns its row
        after = {name: saved[name] for name in _LOGGED.split(", ")}
        await changelog.change(
            uow,
            principal,
            "configureIntegration",
            "integration",
            saved["id"],
            location_id=cmd.location_id,
            before=dict(before) if before else None,
            after={"kind": str(kind), "adapter": cmd.adapter, **after} if before is None else after,
        )
        return IntegrationSaved(saved["id"], saved["inserted"] or cmd.rotate_secret)

    outcome = await service.run(uow, principal, "configureIntegration", cmd, work, IntegrationSaved)
    issued = outcome.value.secret_issued and not outcome.replayed
    return ConfiguredIntegration(
        outcome.value.connection_id, secret if issued else None, outcome.replayed
    )


async def active_connection(
    location_id: int, kind: IntegrationKind, adapter: str
) -> ActiveConnection | None:
    """The location's active connection for ``adapter``, with its secret decrypted."""
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT c.id, c.secret, c.acting_user, u.token_version FROM integration_connection c"
            " JOIN app_user u ON u.id = c.acting_user"
            " WHERE c.location = $1 AND c.kind = $2 AND c.adapter = $3 AND c.active",
            location_id,
            str(kind),
            adapter,
        )
    if row is None:
        return None
    return ActiveConnection(
        id=row["id"],
        location_id=location_id,
        kind=kind,
        adapter=adapter,
        secret=credentials.Secret(credentials.decrypt(row["secret"]).get("secret", "")),
        acting_user_id=row["acting_user"],
        acting_token_version=row["token_version"],
    )
