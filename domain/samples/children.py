"""Trade samples made packages of their own, under a tag the state issued.

At a METRC licence a trade sample leaves for another licence under its own tag: a child
package of the one it was taken from (same product and batch), created at METRC from the
parent with ``IsTradeSample`` exactly as a repack creates packages (``POST /packages/v2`` with
the parent as its ingredient), through the ledger's REPACK movements and their outbox row.
The tag is entered by staff or taken from the state's pool of unused tags; either way it is
checked before the transaction so a refusal writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import asyncpg

from domain import db, hashchain
from domain.errors import (
    DomainError,
    StateCannotRecord,
    TagAlreadyUsed,
    TagNotInPool,
    ValidationError,
)
from domain.inventory import ledger
from domain.inventory.model import MovementKind
from domain.repackaging import tags
from domain.rows import returned
from domain.unit_of_work import UnitOfWork
from plugins.base import ReportKind


@dataclass(frozen=True)
class Parent:
    id: int
    tag: str
    product_id: int
    product_name: str
    batch_id: int | None
    unit: str
    unit_cost: Decimal | None


async def child_tag(
    uow: UnitOfWork, location_id: int, parent_tag: str, entered: str | None, from_pool: bool
) -> str | DomainError:
    """The new package's tag: the one entered (unused here, and in the state's pool when the
    pool can be read), or the pool's first tag no package of ours carries.

    What depends on the tags in use comes back as the refusal instead of being raised: the
    caller raises it only once its idempotency key is claimed, because a retried request finds
    its own tag carried (and gone from the pool) and must replay, not be refused."""
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT state_system, state FROM location WHERE id = $1", location_id
        )
    system = uow.registry.state_system(row["state_system"]) if row else None
    if system is None or row is None or not system.reports(ReportKind.REPACK, row["state"]):
        raise StateCannotRecord(
            tag=parent_tag,
            system=system.title if system else "no state system",
            reason="a sample becomes a package of its own only where the state creates"
            " packages from packages (METRC); take it under the parent's tag",
        )
    pool = await tags.issued(uow, location_id)
    if entered is None:
        free = [t for t in pool or [] if t not in await tags.carried(location_id, pool or [])]
        if not free:
            return ValidationError(
                "tagFromPool", "enter the sample's tag: the state's tag pool has none free here"
            )
        return free[0]
    if (refusal := system.tag_format.refusal(entered)) is not None:
        raise ValidationError("newTag", f"{system.title} tags {refusal}")
    if entered == parent_tag:
        raise TagAlreadyUsed(tag=entered)
    if await tags.carried(location_id, [entered]):
        return TagAlreadyUsed(tag=entered)
    # An unreadable pool (the state down, no premium access) is not a refusal: METRC itself
    # refuses a tag it did not issue when the report is sent, and the outbox shows that.
    if pool is not None and entered not in pool:
        return TagNotInPool(tag=entered, system=system.title)
    return entered


async def parent(package_id: int) -> Parent:
    async with db.connection() as conn:
        r = returned(
            await conn.fetchrow(
                "SELECT p.id, p.tag, p.product, pr.name, p.batch, p.unit,"
                " coalesce(p.unit_cost, pr.unit_cost) AS unit_cost"
                " FROM package p JOIN product pr ON pr.id = p.product WHERE p.id = $1",
                package_id,
            ),
            "package",
        )
    return Parent(r["id"], r["tag"], r["product"], r["name"], r["batch"], r["unit"], r["unit_cost"])


async def create(location_id: int, tag: str, of: Parent) -> int:
    """The child package, empty until the ledger stocks it (same product, batch and cost)."""
    async with db.connection() as conn:
        try:
            return returned(
                await conn.fetchval(
                    "INSERT INTO package (location, tag, product, batch, unit, status, unit_cost,"
                    " movement_count, last_hash, created_at)"
                    " VALUES ($1, $2, $3, $4, $5, 'active', $6, 0, $7, now()) RETURNING id",
                    location_id,
                    tag,
                    of.product_id,
                    of.batch_id,
                    of.unit,
                    of.unit_cost,
                    hashchain.GENESIS,
                )
            )
        except asyncpg.UniqueViolationError:  # taken by a request that committed meanwhile
            raise TagAlreadyUsed(tag=tag) from None


def drafts(
    of: Parent,
    child_id: int,
    quantity: Decimal,
    source: ledger.ZoneRef,
    samples: ledger.ZoneRef,
    note: str,
) -> list[ledger.Draft]:
    """The parent's stock out (REPACK) and the child's in, carrying the parent as its only
    ingredient and the trade-sample flag for the state's report."""
    return [
        ledger.Draft(
            package_id=of.id,
            kind=MovementKind.REPACK,
            quantity=quantity,
            from_zone=source,
            note=note,
            report_data={"role": "input", "item": of.product_name},
        ),
        ledger.Draft(
            package_id=child_id,
            kind=MovementKind.REPACK,
            quantity=quantity,
            to_zone=samples,
            note=note,
            report_data={
                "role": "output",
                "item": of.product_name,
                "trade_sample": True,
                "ingredients": [{"tag": of.tag, "quantity": str(quantity), "unit": of.unit}],
            },
        ),
    ]
