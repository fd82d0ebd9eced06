"""Resolving what a request names (a tag, zone ids) within one location, or refusing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain import db
from domain.errors import NotFound
from domain.identity.principal import Principal
from domain.inventory.ledger import ZoneRef
from domain.organisation.model import ZoneKind
from domain.roles import Capability


@dataclass(frozen=True)
class PackageRef:
    id: int
    tag: str
    location_id: int
    product_id: int
    unit: str
    status: str


async def zones(location_id: int, zone_ids: Iterable[int]) -> dict[int, ZoneRef]:
    """The active zones with these ids at ``location_id``; an id elsewhere is NotFound.

    A zone of another location gets the same answer as a zone that does not exist, so ids
    cannot be used to probe other licences.
    """
    wanted = sorted(set(zone_ids))
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, location, kind, name FROM zone"
            " WHERE id = ANY($1::int[]) AND location = $2 AND active",
            wanted,
            location_id,
        )
    found = {r["id"]: ZoneRef(r["id"], r["location"], ZoneKind(r["kind"]), r["name"]) for r in rows}
    for zone_id in wanted:
        if zone_id not in found:
            raise NotFound("zone", str(zone_id))
    return found


async def package_by_tag(location_id: int, tag: str) -> PackageRef:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT id, tag, location, product, unit, status FROM package"
            " WHERE location = $1 AND tag = $2",
            location_id,
            tag.strip(),
        )
    if row is None:
        raise NotFound("package", tag)
    return PackageRef(
        row["id"], row["tag"], row["location"], row["product"], row["unit"], row["status"]
    )


async def package_and_zones(
    location_id: int, tag: str, zone_ids: Iterable[int]
) -> tuple[PackageRef, dict[int, ZoneRef]]:
    """``package_by_tag`` and ``zones`` in one round trip (the hot path of every move)."""
    wanted = sorted(set(zone_ids))
    async with db.connection() as conn:
        rows = await conn.fetch(
            """
            SELECT 'package' AS part, id, tag, location, product, unit, status,
                   NULL::text AS kind, NULL::text AS name
            FROM package WHERE location = $1 AND tag = $2
            UNION ALL
            SELECT 'zone', id, NULL, location, NULL, NULL, NULL, kind, name
            FROM zone WHERE id = ANY($3::int[]) AND location = $1 AND active
            """,
            location_id,
            tag.strip(),
            wanted,
        )
    package = next((r for r in rows if r["part"] == "package"), None)
    if package is None:
        raise NotFound("package", tag)
    found = {
        r["id"]: ZoneRef(r["id"], r["location"], ZoneKind(r["kind"]), r["name"])
        for r in rows
        if r["part"] == "zone"
    }
    for zone_id in wanted:
        if zone_id not in found:
            raise NotFound("zone", str(zone_id))
    return (
        PackageRef(
            package["id"],
            package["tag"],
            package["location"],
            package["product"],
            package["unit"],
            package["status"],
        ),
        found,
    )


def require_move(principal: Principal, location_id: int, *touched: ZoneRef | None) -> None:
    """Vault stock is the restricted room: only inventory leads and above may move it."""
    principal.require(Capability.READ, location_id)
    if any(z is not None and z.kind == ZoneKind.VAULT for z in touched):
        principal.require(Capability.MOVE_VAULT_STOCK, location_id)
    else:
        principal.require(Capability.MOVE_FLOOR_STOCK, location_id)


async def witness(location_id: int, user_id: int) -> None:
    """A witness must be a real, active person with a grant at this location."""
    async with db.connection() as conn:
        found = await conn.fetchval(
            'SELECT 1 FROM app_user u JOIN location_grant g ON g."user" = u.id'
            " WHERE u.id = $1 AND u.active AND g.location = $2",
            user_id,
            location_id,
        )
    if not found:
        raise NotFound("witness", str(user_id))
