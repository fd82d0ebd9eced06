"""Recording a POS sale: sellable stock only, within the law, first-expiring first.

One transaction writes the sale, its SALE movements (through the ledger, with the state report
they owe) and its lines. The POS receipt id is the idempotency key: a register that retries gets
the first result. Refusals are typed: stock, sellability (hold, recall, lab, expiry, sell-by),
purchase limits (naming the bucket and the excess), what the location's state system can record
(a plugin's ``sale_line_refusal``) and, where configured, FEFO.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain import db, events, service
from domain.errors import NotFound, PackageNotSellable, StateCannotRecord, ValidationError
from domain.identity.principal import Principal
from domain.inventory import ledger
from domain.inventory.model import MovementKind
from domain.inventory.rules import PackageState, sellability_refusal
from domain.organisation.model import ZoneKind
from domain.quantities import parse_quantity
from domain.roles import Capability
from domain.rows import returned
from domain.sales import limits, stocklevels
from domain.sales.model import CustomerType, FefoPolicy
from domain.sales.pricing import money
from domain.unit_of_work import PluginRegistry, UnitOfWork
from plugins.base import SaleLineFacts

MAX_LINES = 100


@dataclass(frozen=True)
class SaleLineInput:
    tag: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = Decimal(0)
    sales_tax: Decimal = Decimal(0)
    excise_tax: Decimal = Decimal(0)


@dataclass(frozen=True)
class RecordSale:
    location_id: int
    register: str
    pos_receipt_id: str
    customer_type: CustomerType
    lines: list[SaleLineInput]
    customer_key: str | None = None
    patient_license: str | None = None
    # Set by fulfilReservation: sell from that order's reserved stock, not the floor.
    reservation_id: int | None = None


@dataclass(frozen=True)
class SaleRecorded:
    sale_id: int
    movement_ids: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _validate(cmd: RecordSale) -> list[tuple[SaleLineInput, Decimal]]:
    if not cmd.register.strip() or len(cmd.register) > 64:
        raise ValidationError("register", "must be 1 to 64 characters")
    if not cmd.pos_receipt_id.strip() or len(cmd.pos_receipt_id) > 100:
        raise ValidationError("posReceiptId", "must be 1 to 100 characters")
    if not cmd.lines or len(cmd.lines) > MAX_LINES:
        raise ValidationError("lines", f"1 to {MAX_LINES} lines")
    kind = CustomerType(cmd.customer_type)
    if kind == CustomerType.MEDICAL and not (cmd.patient_license or "").strip():
        raise ValidationError("patientLicense", "a medical sale needs the patient's licence")
    if cmd.customer_key is not None and not (0 < len(cmd.customer_key) <= 128):
        raise ValidationError("customerKey", "must be 1 to 128 characters")
    checked = []
    for i, line in enumerate(cmd.lines):
        quantity = parse_quantity(line.quantity, field=f"lines[{i}].quantity")
        for name in ("unit_price", "discount", "sales_tax", "excise_tax"):
            money(getattr(line, name), f"lines[{i}].{name}")
        if money(line.discount, "discount") > money(line.unit_price, "unitPrice") * quantity:
            raise ValidationError(f"lines[{i}].discount", "larger than the line")
        checked.append((line, quantity))
    return checked


async def record_sale(uow: UnitOfWork, principal: Principal, cmd: RecordSale) -> service.Outcome:
    """Sell from the sales floor (or an order's reserved stock), reporting it to the state."""
    checked = _validate(cmd)
    principal.require(Capability.SELL, cmd.location_id)

    async def work(uow: UnitOfWork) -> SaleRecorded:
        return await _record(uow, principal, cmd, checked)

    return await service.run(
        uow,
        principal,
        "recordSale",
        cmd,
        work,
        SaleRecorded,
        scope=f"pos:{cmd.location_id}:{cmd.register}",
        key=cmd.pos_receipt_id,
    )


async def _record(
    uow: UnitOfWork,
    principal: Principal,
    cmd: RecordSale,
    checked: list[tuple[SaleLineInput, Decimal]],
) -> SaleRecorded:
    now = datetime.now(UTC)
    async with db.connection() as conn:
        location = returned(
            await conn.fetchrow(
                "SELECT id, state, timezone, fefo_policy, state_system FROM location WHERE id = $1",
                cmd.location_id,
            ),
            "location",
        )
        packages = await _packages(conn, cmd.location_id, [line.tag for line, _ in checked])
        await _state_can_record(uow.registry, conn, location, packages, checked)
        zones = await _source_zones(conn, cmd, [p["id"] for p in packages.values()])
        if cmd.customer_key:
            # One customer's sales are checked against their limits one at a time.
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1))",
                f"leafledger:limits:{cmd.location_id}:{cmd.customer_key}",
            )
    locked = await ledger.lock_packages([p["id"] for p in packages.values()])
    await limits.check(
        uow.registry,
        location_id=cmd.location_id,
        state=location["state"],
        timezone=location["timezone"],
        kind=CustomerType(cmd.customer_type),
        customer_key=cmd.customer_key,
        lines=[
            limits.NewLine(line.tag, quantity, limits.facts_of(packages[line.tag]))
            for line, quantity in checked
        ],
        at=now,
    )
    warnings = await stocklevels.fefo_warnings(
        cmd.location_id,
        [(packages[line.tag], zones[packages[line.tag]["id"]]) for line, _ in checked],
    )
    if warnings and location["fefo_policy"] == FefoPolicy.REFUSE:
        raise PackageNotSellable(tag=checked[0][0].tag, reason=warnings[0])
    total = sum((_line_total(line, q) for line, q in checked), Decimal(0))
    async with db.connection() as conn:
        # The state's receipt number is ours, from the sale id: taken in the same statement.
        sale = returned(
            await conn.fetchrow(
                "INSERT INTO sale (id, location, register, pos_receipt_id, customer_type,"
                " customer_key, patient_license, status, reservation, external_id, total, warnings,"
                " sold_by, occurred_at)"
                " SELECT n.id, $1::int, $2, $3, $4, $5, $6, 'completed', $7,"
                " 'LL' || $1::int || '-S' || n.id,"
                " $8, $9, $10, $11"
                " FROM (SELECT nextval(pg_get_serial_sequence('sale', 'id')) AS id) AS n"
                " RETURNING id, external_id",
                cmd.location_id,
                cmd.register,
                cmd.pos_receipt_id,
                str(CustomerType(cmd.customer_type)),
                cmd.customer_key,
                cmd.patient_license,
                cmd.reservation_id,
                total,
                warnings,
                principal.user_id,
                now,
            )
        )
    sale_id, external_id = sale["id"], sale["external_id"]
    posted = await ledger.post(
        uow,
        [
            ledger.Draft(
                package_id=packages[line.tag]["id"],
                kind=MovementKind.SALE,
                quantity=quantity,
                from_zone=zones[packages[line.tag]["id"]],
                report_data={
                    "unit_price": str(money(line.unit_price, "unitPrice")),
                    "discount": str(money(line.discount, "discount")),
                    "sales_tax": str(money(line.sales_tax, "salesTax")),
                    "excise_tax": str(money(line.excise_tax, "exciseTax")),
                    "total_amount": str(_line_total(line, quantity)),
                },
            )
            for line, quantity in checked
        ],
        ledger.Posting(
            actor_id=principal.user_id,
            occurred_at=now,
            source_document=f"sale:{sale_id}",
            report_context={
                "customer_type": str(CustomerType(cmd.customer_type)),
                "patient_license": cmd.patient_license,
                "external_id": external_id,
            },
        ),
        guard=_sellable_today,
        locked=locked,
    )
    await _insert_lines(sale_id, cmd.location_id, checked, packages, zones, posted)
    uow.record(events.SaleUpdated(location_id=cmd.location_id, sale_id=sale_id))
    return SaleRecorded(sale_id, [p.id for p in posted], warnings)


async def _state_can_record(
    plugins: PluginRegistry,
    conn: Any,
    location: Any,
    packages: dict[str, Any],
    checked: list[tuple[SaleLineInput, Decimal]],
) -> None:
    lines = []
    for line, quantity in checked:
        package = packages[line.tag]
        lines.append(SaleLineFacts(line.tag, quantity, package["unit"], package["category"]))
    await state_can_record(plugins, conn, location["id"], location["state_system"], lines)


async def state_can_record(
    plugins: PluginRegistry,
    conn: Any,
    location_id: int,
    system_name: str,
    lines: list[SaleLineFacts],
) -> None:
    """Refuse, before anything is written, a line the location's state system could never
    record (e.g. BioTrack: whole units only): the register can still change it now. Sales and
    returns both ask."""
    system = plugins.state_system(system_name)
    if system.sale_line_refusal is None:
        return
    raw = await conn.fetchval(
        "SELECT settings FROM state_connection WHERE location = $1", location_id
    )
    settings = raw or {}
    for facts in lines:
        reason = system.sale_line_refusal(facts, settings)
        if reason is not None:
            raise StateCannotRecord(tag=facts.tag, system=system.title, reason=reason)


def _sellable_today(state: PackageState, draft: ledger.Draft) -> None:
    """Lab result, expiry and sell-by, on the store's calendar, under the package lock."""
    refusal = sellability_refusal(state, today=state.local_today)
    if refusal is not None:
        raise PackageNotSellable(tag=state.tag, reason=refusal)


def _line_total(line: SaleLineInput, quantity: Decimal) -> Decimal:
    return (
        money(line.unit_price, "unitPrice") * quantity - money(line.discount, "discount")
    ).quantize(Decimal("0.01"))


async def _packages(conn: Any, location_id: int, tags: list[str]) -> dict[str, Any]:
    rows = await conn.fetch(
        """
        SELECT p.id, p.tag, p.product, p.batch, p.unit, pr.category, pr.unit_weight_grams,
               pr.thc_mg_per_unit, pr.concentrate_grams_per_unit, pr.net_weight_grams,
               pr.low_stock_threshold, b.expires_on
        FROM package p JOIN product pr ON pr.id = p.product
        LEFT JOIN batch b ON b.id = p.batch
        WHERE p.location = $1 AND p.tag = ANY($2::text[])
        """,
        location_id,
        sorted({t.strip() for t in tags}),
    )
    found = {r["tag"]: dict(r) for r in rows}
    for tag in tags:
        if tag.strip() not in found:
            raise NotFound("package", tag)
    return {tag: found[tag.strip()] for tag in tags}


async def _source_zones(
    conn: Any, cmd: RecordSale, package_ids: list[int]
) -> dict[int, ledger.ZoneRef]:
    """Per package, the zone a line sells from: the order's reserved zone, else the sales-floor
    zone holding the most of it. Stock anywhere else is not for sale."""
    if cmd.reservation_id is not None:
        rows = await conn.fetch(
            "SELECT rl.package, z.id, z.name, z.kind FROM reservation_line rl"
            " JOIN zone z ON z.id = rl.reserved_zone WHERE rl.reservation = $1",
            cmd.reservation_id,
        )
    else:
        rows = await conn.fetch(
            """
            SELECT DISTINCT ON (p.id) p.id AS package, z.id, z.name, z.kind
            FROM unnest($2::int[]) AS p(id)
            CROSS JOIN zone z
            LEFT JOIN stock_balance sb ON sb.package = p.id AND sb.zone = z.id
            WHERE z.location = $1 AND z.kind = 'sales_floor' AND z.active
            ORDER BY p.id, coalesce(sb.quantity, 0) DESC, z.id
            """,
            cmd.location_id,
            package_ids,
        )
    zones = {
        r["package"]: ledger.ZoneRef(r["id"], cmd.location_id, ZoneKind(r["kind"]), r["name"])
        for r in rows
    }
    for package_id in package_ids:
        if package_id not in zones:
            raise ValidationError("lines", "this location has no sales floor to sell from")
    return zones


async def _insert_lines(
    sale_id: int,
    location_id: int,
    checked: list[tuple[SaleLineInput, Decimal]],
    packages: dict[str, Any],
    zones: dict[int, ledger.ZoneRef],
    posted: list[ledger.Posted],
) -> None:
    async with db.connection() as conn:
        await conn.executemany(
            "INSERT INTO sale_line (sale, line_number, package, product, zone, quantity,"
            " returned_quantity, unit_price, discount, sales_tax, excise_tax, total,"
            " limit_facts, movement, location) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9,"
            " $10, $11, $12, $13, $14)",
            [
                (
                    sale_id,
                    n + 1,
                    packages[line.tag]["id"],
                    packages[line.tag]["product"],
                    zones[packages[line.tag]["id"]].id,
                    quantity,
                    money(line.unit_price, "unitPrice"),
                    money(line.discount, "discount"),
                    money(line.sales_tax, "salesTax"),
                    money(line.excise_tax, "exciseTax"),
                    _line_total(line, quantity),
                    limits.facts_of(packages[line.tag]),
                    movement.id,
                    location_id,
                )
                for n, ((line, quantity), movement) in enumerate(zip(checked, posted, strict=True))
            ],
        )
