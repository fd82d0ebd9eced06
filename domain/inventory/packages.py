"""Package life: registering opening balances, holds, releases and batch recalls."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import asyncpg

from domain import db, events, service
from domain.errors import NotFound, UnitMismatch, ValidationError
from domain.identity.principal import Principal
from domain.inventory import ledger, lookup
from domain.inventory.model import MovementKind, PackageStatus
from domain.organisation.model import SELLABLE_KINDS, ZoneKind
from domain.quantities import Unit, parse_quantity
from domain.roles import Capability
from domain.rows import returned
from domain.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class OpeningBalance:
    zone_id: int
    quantity: Decimal


@dataclass(frozen=True)
class RegisterPackage:
    location_id: int
    tag: str
    product_id: int
    unit: str
    balances: list[OpeningBalance]
    batch_id: int | None = None
    unit_cost: Decimal | None = None
    note: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class PackageRegistered:
    package_id: int
    movement_ids: list[int]


@dataclass(frozen=True)
class ChangeHold:
    location_id: int
    tag: str
    reason: str
    idempotency_key: str | None = None


@dataclass(frozen=True)
class HoldChanged:
    package_id: int
    changed: bool


@dataclass(frozen=True)
class RecallBatch:
    location_id: int
    batch_id: int
    reason: str
    quarantine_zone_id: int | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class BatchRecalled:
    batch_id: int
    package_ids: list[int] = field(default_factory=list)
    movement_ids: list[int] = field(default_factory=list)


async def _location_state_system(location_id: int) -> str:
    async with db.connection() as conn:
        name = await conn.fetchval("SELECT state_system FROM location WHERE id = $1", location_id)
    if name is None:
        raise NotFound("location", str(location_id))
    return name


async def register_package(
    uow: UnitOfWork, principal: Principal, cmd: RegisterPackage
) -> service.Outcome:
    """Bring a package already on site into the ledger with its opening balances.

    Used when a store moves onto LeafLedger (before receiving exists for it); each opening
    balance is a ``register`` movement, so the package's history starts at a known point.
    """
    principal.require(Capability.REGISTER_PACKAGE, cmd.location_id)
    tag = cmd.tag.strip()
    system = uow.registry.state_system(await _location_state_system(cmd.location_id))
    if (refusal := system.tag_format.refusal(tag)) is not None:
        raise ValidationError("tag", f"{system.title} tags {refusal}")
    if not cmd.balances:
        raise ValidationError("balances", "at least one opening balance is required")
    quantities = [
        parse_quantity(b.quantity, field=f"balances[{i}].quantity")
        for i, b in enumerate(cmd.balances)
    ]
    if len({b.zone_id for b in cmd.balances}) != len(cmd.balances):
        raise ValidationError("balances", "each zone may appear once")
    unit_cost = None
    if cmd.unit_cost is not None:
        unit_cost = parse_quantity(cmd.unit_cost, field="unitCost", allow_zero=True)
    zones = await lookup.zones(cmd.location_id, [b.zone_id for b in cmd.balances])
    lookup.require_move(principal, cmd.location_id, *zones.values())
    async with db.connection() as conn:
        product = await conn.fetchrow(
            "SELECT id, unit FROM product WHERE id = $1 AND operator = $2",
            cmd.product_id,
            principal.operator_id,
        )
        if product is None:
            raise NotFound("product", str(cmd.product_id))
        if cmd.batch_id is not None:
            batch_product = await conn.fetchval(
                "SELECT product FROM batch WHERE id = $1", cmd.batch_id
            )
            if batch_product != cmd.product_id:
                raise NotFound("batch", str(cmd.batch_id))
    if Unit(product["unit"]) != cmd.unit:
        raise UnitMismatch(expected=product["unit"], given=str(cmd.unit))

    async def work(uow: UnitOfWork) -> PackageRegistered:
        async with db.connection() as conn:
            try:
                package_id = returned(
                    await conn.fetchval(
                        "INSERT INTO package (location, tag, product, batch, unit, status,"
                        " unit_cost, movement_count, last_hash, created_at)"
                        " VALUES ($1, $2, $3, $4, $5, 'active', $6, 0, $7, now()) RETURNING id",
                        cmd.location_id,
                        tag,
                        cmd.product_id,
                        cmd.batch_id,
                        product["unit"],
                        unit_cost,
                        ledger.hashchain.GENESIS,
                    )
                )
            except asyncpg.UniqueViolationError:
                raise ValidationError("tag", "this tag is already registered here") from None
        drafts = [
            ledger.Draft(
                package_id=package_id,
                kind=MovementKind.REGISTER,
                quantity=quantity,
                to_zone=zones[balance.zone_id],
                note=cmd.note,
            )
            for balance, quantity in zip(cmd.balances, quantities, strict=True)
        ]
        posted = await ledger.post(
            uow,
            drafts,
            ledger.Posting(actor_id=principal.user_id, idempotency_key=cmd.idempotency_key),
        )
        return PackageRegistered(package_id, [p.id for p in posted])

    return await service.run(uow, principal, "registerPackage", cmd, work, PackageRegistered)


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError("reason", "say why (an auditor will ask)")
    if len(reason) > 1000:
        raise ValidationError("reason", "at most 1000 characters")
    return reason


async def _set_status(
    uow: UnitOfWork,
    principal: Principal,
    package_ids: list[int],
    to_status: PackageStatus,
    allowed_from: set[PackageStatus],
    reason: str,
) -> list[int]:
    """Change status under lock, logging each change; returns the packages that changed."""
    locked = await ledger.lock_packages(package_ids)
    changing = [p for p in locked.values() if p.status in allowed_from]
    if not changing:
        return []
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE package SET status = $2, status_reason = $3 WHERE id = ANY($1::int[])",
            [p.id for p in changing],
            str(to_status),
            reason,
        )
        await conn.executemany(
            "INSERT INTO package_status_change (location, package, from_status, to_status,"
            " reason, actor, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, now())",
            [
                (p.location_id, p.id, str(p.status), str(to_status), reason, principal.user_id)
                for p in changing
            ],
        )
    for p in changing:
        uow.record(
            events.PackageStatusChanged(
                location_id=p.location_id,
                package_id=p.id,
                from_status=p.status,
                to_status=to_status,
            )
        )
    return [p.id for p in changing]


async def hold_package(uow: UnitOfWork, principal: Principal, cmd: ChangeHold) -> service.Outcome:
    """Stop a package being sold or put on display until someone releases it."""
    principal.require(Capability.HOLD_STOCK, cmd.location_id)
    reason = _reason(cmd.reason)
    package = await lookup.package_by_tag(cmd.location_id, cmd.tag)

    async def work(uow: UnitOfWork) -> HoldChanged:
        changed = await _set_status(
            uow, principal, [package.id], PackageStatus.ON_HOLD, {PackageStatus.ACTIVE}, reason
        )
        return HoldChanged(package.id, bool(changed))

    return await service.run(uow, principal, "holdPackage", cmd, work, HoldChanged)


async def release_package(
    uow: UnitOfWork, principal: Principal, cmd: ChangeHold
) -> service.Outcome:
    """Lift a hold or a recall: the package may be sold again."""
    principal.require(Capability.HOLD_STOCK, cmd.location_id)
    reason = _reason(cmd.reason)
    package = await lookup.package_by_tag(cmd.location_id, cmd.tag)

    async def work(uow: UnitOfWork) -> HoldChanged:
        changed = await _set_status(
            uow,
            principal,
            [package.id],
            PackageStatus.ACTIVE,
            {PackageStatus.ON_HOLD, PackageStatus.RECALLED},
            reason,
        )
        return HoldChanged(package.id, bool(changed))

    return await service.run(uow, principal, "releasePackage", cmd, work, HoldChanged)


async def recall_batch(uow: UnitOfWork, principal: Principal, cmd: RecallBatch) -> service.Outcome:
    """Recall a whole batch at a location: every package is held, customer-facing stock
    (sales floor and reserved orders) goes to quarantine, all in one transaction."""
    principal.require(Capability.HOLD_STOCK, cmd.location_id)
    reason = _reason(cmd.reason)
    async with db.connection() as conn:
        batch_operator = await conn.fetchval(
            "SELECT p.operator FROM batch b JOIN product p ON p.id = b.product WHERE b.id = $1",
            cmd.batch_id,
        )
        if batch_operator != principal.operator_id:
            raise NotFound("batch", str(cmd.batch_id))
        quarantine_id = cmd.quarantine_zone_id or await conn.fetchval(
            "SELECT id FROM zone WHERE location = $1 AND kind = 'quarantine' AND active"
            " ORDER BY id LIMIT 1",
            cmd.location_id,
        )
    if quarantine_id is None:
        raise ValidationError("quarantineZoneId", "this location has no quarantine zone")
    quarantine = (await lookup.zones(cmd.location_id, (quarantine_id,)))[quarantine_id]
    if quarantine.kind != ZoneKind.QUARANTINE:
        raise ValidationError("quarantineZoneId", "must be a quarantine zone")

    async def work(uow: UnitOfWork) -> BatchRecalled:
        async with db.connection() as conn:
            package_ids = [
                r["id"]
                for r in await conn.fetch(
                    "SELECT id FROM package WHERE location = $1 AND batch = $2 ORDER BY id",
                    cmd.location_id,
                    cmd.batch_id,
                )
            ]
        if not package_ids:
            return BatchRecalled(cmd.batch_id)
        await _set_status(
            uow,
            principal,
            package_ids,
            PackageStatus.RECALLED,
            {PackageStatus.ACTIVE, PackageStatus.ON_HOLD},
            reason,
        )
        async with db.connection() as conn:
            exposed = await conn.fetch(
                "SELECT sb.package, sb.zone, sb.quantity, z.kind, z.name FROM stock_balance sb"
                " JOIN zone z ON z.id = sb.zone"
                " WHERE sb.package = ANY($1::int[]) AND sb.quantity > 0"
                " AND z.kind = ANY($2::text[]) ORDER BY sb.package, sb.zone",
                package_ids,
                [str(k) for k in SELLABLE_KINDS],
            )
        drafts = [
            ledger.Draft(
                package_id=row["package"],
                kind=MovementKind.TRANSFER,
                quantity=row["quantity"],
                from_zone=ledger.ZoneRef(
                    row["zone"], cmd.location_id, ZoneKind(row["kind"]), row["name"]
                ),
                to_zone=quarantine,
                note=f"recall: {reason}"[:1000],
            )
            for row in exposed
        ]
        # The ledger re-reads the (now recalled) status; recalled stock may go to quarantine.
        posted = await ledger.post(
            uow,
            drafts,
            ledger.Posting(
                actor_id=principal.user_id,
                source_document=f"recall:batch:{cmd.batch_id}",
                idempotency_key=cmd.idempotency_key,
            ),
        )
        return BatchRecalled(cmd.batch_id, package_ids, [p.id for p in posted])

    return await service.run(uow, principal, "recallBatch", cmd, work, BatchRecalled)
