"""The zone a sample or lab sample goes to: the one named, or the location's first of a kind."""

from __future__ import annotations

from domain import db
from domain.errors import ValidationError
from domain.inventory import lookup
from domain.inventory.ledger import ZoneRef
from domain.organisation.model import ZoneKind


async def zone_of_kind(
    location_id: int, zone_id: int | None, kind: ZoneKind, field: str
) -> ZoneRef:
    """``zone_id`` at the location, which must be a ``kind`` zone; None: the first active one."""
    if zone_id is None:
        async with db.connection() as conn:
            zone_id = await conn.fetchval(
                "SELECT id FROM zone WHERE location = $1 AND kind = $2 AND active"
                " ORDER BY id LIMIT 1",
                location_id,
                str(kind),
            )
        if zone_id is None:
            raise ValidationError(field, f"this location has no {kind.replace('_', ' ')} zone")
    zone = (await lookup.zones(location_id, (zone_id,)))[zone_id]
    if zone.kind != kind:
        raise ValidationError(field, f"must be a {kind.replace('_', ' ')} zone")
    return zone
