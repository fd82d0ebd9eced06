"""Read models for a location's POS and delivery connections (never their secrets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain import db
from domain.errors import NotFound
from domain.identity.principal import Principal
from domain.integrations.tables import IntegrationKind
from domain.roles import Capability

CONNECTION_COLUMNS = (
    "id, location AS location_id, kind, adapter, acting_user AS acting_user_id,"
    " webhook_endpoint AS webhook_endpoint_id, active, created_at, updated_at"
)


@dataclass(frozen=True)
class ConnectionRow:
    """One adapter accepted at one location, as its managers see it."""

    id: int
    location_id: int
    kind: IntegrationKind
    adapter: str
    acting_user_id: int
    webhook_endpoint_id: int | None
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_record(cls, r: Any) -> ConnectionRow:
        return cls(**{**dict(r), "kind": IntegrationKind(r["kind"])})


async def list_connections(principal: Principal, location_id: int) -> list[ConnectionRow]:
    """A location's connections, oldest first (never their secrets)."""
    principal.require(Capability.READ, location_id)
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {CONNECTION_COLUMNS} FROM integration_connection WHERE location = $1"
            " ORDER BY id",
            location_id,
        )
    return [ConnectionRow.from_record(r) for r in rows]


async def connection(connection_id: int) -> ConnectionRow:
    """One connection as the API shows it (after a service has checked the caller)."""
    async with db.connection() as conn:
        row = await conn.fetchrow(
            f"SELECT {CONNECTION_COLUMNS} FROM integration_connection WHERE id = $1",
            connection_id,
        )
    if row is None:
        raise NotFound("integration connection", str(connection_id))
    return ConnectionRow.from_record(row)
