"""Undoing sales: a void puts the stock back where it was sold from; a return goes to quarantine.

A returned product has been in a customer's hands: it never goes back on the floor. Both are
reported to the state (the void cancels the receipt; the return reports what came back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain import db, events, service
from domain.errors import NotFound, ValidationError
from domain.identity.principal import Principal
from domain.inventory import ledger
from domain.inventory.model import MovementKind, PackageStatus
from domain.inventory.rules import clean_note
from domain.organisation.model import ZoneKind
from domain.quantities import parse_quantity
from domain.roles import Capability
from domain.rows import returned
from domain.sales.model import SaleStatus
from domain.sales.sales import state_can_record
from domain.unit_of_work import UnitOfWork
from plugins.base import SaleLineFacts

CENT = Decimal("0.01")


@dataclass(frozen=True)
class VoidSale:
    location_id: int
    register: str
    pos_receipt_id: str
    reason: str
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ReturnLine:
    tag: str
    quantity: Decimal


@dataclass(frozen=True)
class ReturnSale:
    location_id: int
    register: str
    pos_receipt_id: str
    lines: list[ReturnLine]
    reason: str
    idempotency_key: str | None = None


@dataclass(frozen=True)
class SaleUndone:
    sale_id: int
    status: str
    movement_ids: list[int] = field(default_factory=list)


async def _lock_sale(location_id: int, register: str, receipt: str) -> Any:
    async with db.connection() as conn:
        sale = await conn.fetchrow(
            "SELECT s.id, s.status, s.external_id, s.occurred_at, l.state_system FROM sale s"
            " JOIN location l ON l.id = s.location WHERE s.location = $1"
            " AND s.register = $2 AND s.pos_receipt_id = $3 FOR UPDATE OF s",
            location_id,
            register,
            receipt,
        )
        if sale is None:
            raise NotFound("sale", f"{register}/{receipt}")
        lines = await conn.fetch(
            "SELECT l.id, l.package, l.quantity, l.returned_quantity, l.unit_price, l.discount,"
            " l.sales_tax, l.excise_tax, l.total, p.tag, p.unit, pr.category, z.id AS zone_id,"
            " z.kind, z.name FROM sale_line l JOIN package p ON p.id = l.package"
            " JOIN product pr ON pr.id = l.product"
            " JOIN zone z ON z.id = l.zone WHERE l.sale = $1 ORDER BY l.line_number",
            sale["id"],
        )
    return sale, lines


async def _quarantine(location_id: int) -> ledger.ZoneRef:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT id, name FROM zone WHERE location = $1 AND kind = 'quarantine' AND active"
            " ORDER BY id LIMIT 1",
            location_id,
        )
    if row is None:
        raise ValidationError("locationId", "this location has no quarantine zone")
    return ledger.ZoneRef(row["id"], location_id, ZoneKind.QUARANTINE, row["name"])


async def void_sale(uow: UnitOfWork, principal: Principal, cmd: VoidSale) -> service.Outcome:
    """Cancel a whole receipt (a register mistake): its stock returns to where it was sold from
    (to quarantine instead if the package has since been held or recalled)."""
    principal.require(Capability.SELL, cmd.location_id)
    reason = clean_note(cmd.reason)
    if not reason:
        raise ValidationError("reason", "say why the sale is voided")

    async def work(uow: UnitOfWork) -> SaleUndone:
        sale, lines = await _lock_sale(cmd.location_id, cmd.register, cmd.pos_receipt_id)
        if sale["status"] not in (SaleStatus.COMPLETED, SaleStatus.PARTLY_RETURNED):
            raise ValidationError("posReceiptId", f"the sale is {sale['status']}")
        locked = await ledger.lock_packages([r["package"] for r in lines])
        quarantine = await _quarantine(cmd.location_id)
        drafts = []
        for r in lines:
            remaining = r["quantity"] - r["returned_quantity"]
            if remaining <= 0:
                continue
            back = ledger.ZoneRef(r["zone_id"], cmd.location_id, ZoneKind(r["kind"]), r["name"])
            if locked[r["package"]].status != PackageStatus.ACTIVE:
                back = quarantine
            drafts.append(
                ledger.Draft(r["package"], MovementKind.VOID, remaining, None, back, note=reason)
            )
        posted = await ledger.post(
            uow,
            drafts,
            ledger.Posting(
                actor_id=principal.user_id,
                source_document=f"void:{sale['id']}",
                report_context={
                    "related_external_id": sale["external_id"],
                    "external_id": f"{sale['external_id']}-V",
                    "reason": reason,
                },
            ),
            locked=locked,
        )
        async with db.connection() as conn:
            await conn.execute(
                "UPDATE sale SET status = 'voided', voided_at = now(), void_reason = $2"
                " WHERE id = $1",
                sale["id"],
                reason,
            )
        uow.record(events.SaleUpdated(location_id=cmd.location_id, sale_id=sale["id"]))
        return SaleUndone(sale["id"], SaleStatus.VOIDED, [p.id for p in posted])

    return await service.run(
        uow,
        principal,
        "voidSale",
        cmd,
        work,
        SaleUndone,
        scope=f"void:{cmd.location_id}:{cmd.register}",
        key=cmd.idempotency_key or cmd.pos_receipt_id,
    )


async def return_sale(uow: UnitOfWork, principal: Principal, cmd: ReturnSale) -> service.Outcome:
    """Take back part or all of a sale into quarantine (never to the floor)."""
    principal.require(Capability.SELL, cmd.location_id)
    reason = clean_note(cmd.reason)
    if not reason:
        raise ValidationError("reason", "say why the product came back")
    if not cmd.lines:
        raise ValidationError("lines", "at least one line")
    wanted = [
        (line.tag.strip(), parse_quantity(line.quantity, field=f"lines[{i}].quantity"))
        for i, line in enumerate(cmd.lines)
    ]

    async def work(uow: UnitOfWork) -> SaleUndone:
        sale, lines = await _lock_sale(cmd.location_id, cmd.register, cmd.pos_receipt_id)
        if sale["status"] not in (SaleStatus.COMPLETED, SaleStatus.PARTLY_RETURNED):
            raise ValidationError("posReceiptId", f"the sale is {sale['status']}")
        quarantine = await _quarantine(cmd.location_id)
        drafts, updates = _take_back(lines, wanted, quarantine, reason)
        async with db.connection() as conn:
            await state_can_record(
                uow.registry,
                conn,
                cmd.location_id,
                sale["state_system"],
                returned_facts(lines, wanted),
            )
        posted = await ledger.post(
            uow,
            drafts,
            ledger.Posting(
                actor_id=principal.user_id,
                source_document=f"return:{sale['id']}:{cmd.idempotency_key or ''}",
                report_context={
                    "related_external_id": sale["external_id"],
                    "reason": reason,
                    # What the state's copy of the receipt must say once this return is in:
                    # absolute, so sending it twice changes nothing.
                    "sale_occurred_at": sale["occurred_at"].isoformat(),
                    "remaining_by_tag": remaining_by_tag(lines, updates),
                },
            ),
        )
        async with db.connection() as conn:
            await conn.executemany(
                "UPDATE sale_line SET returned_quantity = returned_quantity + $2 WHERE id = $1",
                updates,
            )
            status = returned(
                await conn.fetchval(
                    "UPDATE sale SET status = CASE WHEN (SELECT bool_and(returned_quantity ="
                    " quantity) FROM sale_line WHERE sale = $1) THEN 'returned' ELSE"
                    " 'partly_returned' END WHERE id = $1 RETURNING status",
                    sale["id"],
                )
            )
        return SaleUndone(sale["id"], status, [p.id for p in posted])

    return await service.run(uow, principal, "returnSale", cmd, work, SaleUndone)


def remaining_by_tag(lines: list[Any], updates: list[tuple[int, Decimal]]) -> dict[str, str]:
    """Pure: what stays sold of each tag on the receipt once ``updates`` are returned."""
    taken: dict[int, Decimal] = {}
    for line_id, quantity in updates:
        taken[line_id] = taken.get(line_id, Decimal(0)) + quantity
    remaining: dict[str, Decimal] = {}
    for r in lines:
        left = r["quantity"] - r["returned_quantity"] - taken.get(r["id"], Decimal(0))
        remaining[r["tag"]] = remaining.get(r["tag"], Decimal(0)) + left
    return {tag: str(quantity) for tag, quantity in remaining.items()}


def returned_facts(lines: list[Any], wanted: list[tuple[str, Decimal]]) -> list[SaleLineFacts]:
    """Pure: each returned tag as the state system checks a line (what came back of it)."""
    first = {r["tag"]: r for r in reversed(lines)}
    return [
        SaleLineFacts(tag, quantity, first[tag]["unit"], first[tag]["category"])
        for tag, quantity in wanted
        if tag in first
    ]


def returned_amounts(line: Any, taken: Decimal) -> dict[str, str]:
    """Pure: the money of the ``taken`` part of a sale line, pro-rated to the cent, for the
    state report (a state refunds what was paid for what came back, e.g. BioTrack's price)."""
    share = taken / line["quantity"]

    def part(amount: Decimal) -> str:
        return str((amount * share).quantize(CENT, rounding=ROUND_HALF_UP))

    return {
        "unit_price": str(line["unit_price"]),
        "discount": part(line["discount"]),
        "sales_tax": part(line["sales_tax"]),
        "excise_tax": part(line["excise_tax"]),
        "total_amount": part(line["total"]),
    }


def _take_back(
    lines: list[Any], wanted: list[tuple[str, Decimal]], quarantine: ledger.ZoneRef, reason: str
) -> tuple[list[ledger.Draft], list[tuple[int, Decimal]]]:
    """Pure: match returned quantities to the sale's lines (no more than was sold)."""
    left = {r["id"]: r["quantity"] - r["returned_quantity"] for r in lines}
    drafts, updates = [], []
    for tag, quantity in wanted:
        need = quantity
        for r in lines:
            if r["tag"] != tag or need <= 0 or left[r["id"]] <= 0:
                continue
            take = min(need, left[r["id"]])
            left[r["id"]] -= take
            need -= take
            updates.append((r["id"], take))
            drafts.append(
                ledger.Draft(
                    r["package"],
                    MovementKind.RETURN,
                    take,
                    None,
                    quarantine,
                    note=reason,
                    report_data=returned_amounts(r, take),
                )
            )
        if need > 0:
            raise ValidationError("lines", f"{tag}: more returned than was sold on this receipt")
    return drafts, updates
