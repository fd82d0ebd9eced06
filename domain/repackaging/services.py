"""Repackaging and assembly: new packages made from existing ones, in one ledger post.

A split breaks a bulk package into several retail ones; an assembly makes outputs of another
product from several inputs (pre-rolls from flower, multipacks). Either way the inputs are
consumed (REPACK out), the outputs are created with their lineage (parent tags on the repack
record and in the state report, a batch that expires with the earliest input) and stocked
(REPACK in), and what was lost in packaging leaves as its own PACKAGING_WASTE write-off, so a
shrinkage report sees it as packaging loss, not as an unexplained difference. The yield is
compared with what the operator expected and flagged when it falls below the location's
threshold. The state hears of it through the ledger's outbox (METRC: package creation from
packages with their ingredients, plus the waste adjustment).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from domain import db, service
from domain.destruction import queries as waste_policy
from domain.errors import (
    NotFound,
    PackageAtAnotherLocation,
    PackageNotSellable,
    StateCannotRecord,
    ValidationError,
)
from domain.identity.principal import Principal
from domain.inventory import ledger, lookup
from domain.inventory.model import AdjustmentReason, MovementKind, PackageStatus
from domain.inventory.rules import clean_note
from domain.quantities import Unit, parse_quantity
from domain.repackaging import queries, rules, tags
from domain.roles import Capability
from domain.unit_of_work import UnitOfWork
from plugins.base import Mode, ReportKind

MAX_LINES = 50


@dataclass(frozen=True)
class RepackInput:
    tag: str
    zone_id: int
    quantity: Decimal  # in the package's own unit


@dataclass(frozen=True)
class RepackOutput:
    product_id: int
    zone_id: int
    quantity: Decimal  # in the product's unit
    tag: str | None = None  # None: the next free tag of the state's pool


@dataclass(frozen=True)
class Repackage:
    location_id: int
    inputs: list[RepackInput]
    outputs: list[RepackOutput]
    # Grams of cannabis lost in packaging (shake, trim, spills), written off on its own.
    packaging_loss: Decimal = Decimal(0)
    # The yield the operator expects (outputs' content as a percentage of the inputs').
    expected_yield_pct: Decimal | None = None
    note: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Repackaged:
    repack_id: int
    kind: str
    output_package_ids: list[int] = field(default_factory=list)
    movement_ids: list[int] = field(default_factory=list)
    low_yield: bool = False


async def repackage(uow: UnitOfWork, principal: Principal, cmd: Repackage) -> service.Outcome:
    """Split or assemble packages: inputs consumed, outputs created with lineage, packaging
    loss written off, the yield checked; refused, writing nothing, when the outputs and loss
    exceed what the inputs give or an input is at another location."""
    principal.require(Capability.ADJUST_STOCK, cmd.location_id)
    if not cmd.inputs or not cmd.outputs:
        raise ValidationError("inputs" if not cmd.inputs else "outputs", "at least one is needed")
    if len(cmd.inputs) > MAX_LINES or len(cmd.outputs) > MAX_LINES:
        raise ValidationError("outputs", f"at most {MAX_LINES} inputs and {MAX_LINES} outputs")
    in_qty = [
        parse_quantity(i.quantity, field=f"inputs[{n}].quantity") for n, i in enumerate(cmd.inputs)
    ]
    out_qty = [
        parse_quantity(o.quantity, field=f"outputs[{n}].quantity")
        for n, o in enumerate(cmd.outputs)
    ]
    loss = parse_quantity(cmd.packaging_loss, field="packagingLoss", allow_zero=True)
    expected = None
    if cmd.expected_yield_pct is not None:
        expected = parse_quantity(cmd.expected_yield_pct, field="expectedYieldPct")
        if expected > 100:
            raise ValidationError("expectedYieldPct", "at most 100")
    note = clean_note(cmd.note)
    in_tags = [i.tag.strip() for i in cmd.inputs]
    out_tags = await tags.fill(uow, cmd.location_id, [o.tag for o in cmd.outputs])
    if len(set(in_tags)) != len(in_tags):
        raise ValidationError("inputs", "each package may appear once")
    if len(set(out_tags)) != len(out_tags) or set(out_tags) & set(in_tags):
        raise ValidationError("outputs", "each output needs a new tag of its own")
    system_name, state = await _location(cmd.location_id)
    system = uow.registry.state_system(system_name)
    if system.mode != Mode.NONE and not system.reports(ReportKind.REPACK, state):
        # Stock would change here and never at the state: refuse rather than drift apart.
        raise StateCannotRecord(
            tag=cmd.inputs[0].tag,
            system=system.title,
            reason="LeafLedger cannot report repackaging there yet; repackage at the state"
            " system, then bring the new packages in",
        )
    for n, tag in enumerate(out_tags):
        if (refusal := system.tag_format.refusal(tag)) is not None:
            raise ValidationError(f"outputs[{n}].tag", f"{system.title} tags {refusal}")

    found = await queries.inputs(cmd.location_id, in_tags)
    for tag in in_tags:
        if tag not in found:
            if await queries.tag_elsewhere(principal.operator_id, cmd.location_id, tag):
                raise PackageAtAnotherLocation(tag=tag)
            raise NotFound("package", tag)
    sources = [found[tag] for tag in in_tags]
    for source in sources:
        if source.status != PackageStatus.ACTIVE:
            raise PackageNotSellable(
                tag=source.tag, reason=f"the package is {source.status.replace('_', ' ')}"
            )
    zone_ids = [i.zone_id for i in cmd.inputs] + [o.zone_id for o in cmd.outputs]
    zones = await lookup.zones(cmd.location_id, zone_ids)
    lookup.require_move(principal, cmd.location_id, *zones.values())
    products = await queries.products(principal.operator_id, [o.product_id for o in cmd.outputs])
    for output in cmd.outputs:
        if output.product_id not in products:
            raise NotFound("product", str(output.product_id))

    in_grams = [
        _content(q, s.unit, s.unit_weight_grams, f"inputs[{n}]")
        for n, (q, s) in enumerate(zip(in_qty, sources, strict=True))
    ]
    out_products = [products[o.product_id] for o in cmd.outputs]
    out_grams = [
        _content(q, p.unit, p.unit_weight_grams, f"outputs[{n}]")
        for n, (q, p) in enumerate(zip(out_qty, out_products, strict=True))
    ]
    total_in, total_out = sum(in_grams, Decimal(0)), sum(out_grams, Decimal(0))
    rules.check_balance(total_in, total_out, loss)
    weighed = [
        g if s.unit in (Unit.GRAMS, Unit.MILLIGRAMS) else None
        for g, s in zip(in_grams, sources, strict=True)
    ]
    loss_shares = rules.split_loss(weighed, loss)
    portions = rules.allocate(
        [g - share for g, share in zip(in_grams, loss_shares, strict=True)], out_grams
    )
    kind = (
        "split"
        if len(sources) == 1 and all(o.product_id == sources[0].product_id for o in cmd.outputs)
        else "assemble"
    )
    actual = rules.yield_pct(total_in, total_out)
    threshold = (await waste_policy.policy(cmd.location_id)).min_yield_pct
    low = rules.low_yield(actual, expected, threshold)
    cost = _input_cost(in_qty, sources)

    async def work(uow: UnitOfWork) -> Repackaged:
        now = datetime.now(UTC)
        repack_id = await queries.insert_repack(
            cmd.location_id, kind, principal.user_id, loss, expected, actual, low, note, now
        )
        output_ids = []
        for n, (product, parts) in enumerate(zip(out_products, portions, strict=True)):
            feeding = [sources[p.input_index] for p in parts] or sources
            batch_id = await queries.lineage_batch(product.id, feeding)
            unit_cost = (
                (cost * out_grams[n] / total_out / out_qty[n]).quantize(Decimal("0.0001"))
                if cost is not None and total_out
                else None
            )
            output_ids.append(
                await queries.new_package(
                    cmd.location_id, out_tags[n], product, batch_id, unit_cost, n
                )
            )
        drafts = _drafts(
            cmd,
            zones,
            sources,
            in_qty,
            loss_shares,
            out_qty,
            output_ids,
            out_products,
            portions,
            note,
        )
        posted = await ledger.post(
            uow,
            drafts,
            ledger.Posting(
                actor_id=principal.user_id,
                occurred_at=now,
                source_document=f"repack:{repack_id}",
                idempotency_key=cmd.idempotency_key,
                report_context={"repack_kind": kind, "packaging_loss": str(loss)},
            ),
        )
        await queries.insert_lines(
            repack_id,
            cmd.location_id,
            [
                (s.id, "input", q, i.zone_id)
                for s, q, i in zip(sources, in_qty, cmd.inputs, strict=True)
            ]
            + [
                (pid, "output", q, o.zone_id)
                for pid, q, o in zip(output_ids, out_qty, cmd.outputs, strict=True)
            ],
        )
        return Repackaged(repack_id, kind, output_ids, [p.id for p in posted], low)

    return await service.run(uow, principal, "repackage", cmd, work, Repackaged)


def _drafts(
    cmd, zones, sources, in_qty, loss_shares, out_qty, output_ids, out_products, portions, note
) -> list[ledger.Draft]:
    """Per input: its packaging loss (an ADJUST with its waste weight) and what went into the
    outputs (REPACK out); per output: REPACK in, carrying its ingredients for the state."""
    drafts: list[ledger.Draft] = []
    for source, quantity, share, line in zip(sources, in_qty, loss_shares, cmd.inputs, strict=True):
        lost = rules.in_unit(share, source.unit, source.unit_weight_grams) if share else Decimal(0)
        if lost > 0:
            drafts.append(
                ledger.Draft(
                    package_id=source.id,
                    kind=MovementKind.ADJUST,
                    quantity=lost,
                    from_zone=zones[line.zone_id],
                    reason=AdjustmentReason.PACKAGING_WASTE,
                    note=note or "packaging loss while repackaging",
                    report_data={"waste_weight": share, "waste_unit": str(Unit.GRAMS)},
                )
            )
        if quantity - lost > 0:
            drafts.append(
                ledger.Draft(
                    package_id=source.id,
                    kind=MovementKind.REPACK,
                    quantity=quantity - lost,
                    from_zone=zones[line.zone_id],
                    note=note,
                    report_data={"role": "input", "item": source.product_name},
                )
            )
    for package_id, quantity, product, parts, line in zip(
        output_ids, out_qty, out_products, portions, cmd.outputs, strict=True
    ):
        ingredients = [
            {
                "tag": sources[p.input_index].tag,
                "quantity": str(
                    rules.in_unit(
                        p.grams,
                        sources[p.input_index].unit,
                        sources[p.input_index].unit_weight_grams,
                    )
                ),
                "unit": sources[p.input_index].unit,
            }
            for p in parts
        ]
        drafts.append(
            ledger.Draft(
                package_id=package_id,
                kind=MovementKind.REPACK,
                quantity=quantity,
                to_zone=zones[line.zone_id],
                note=note,
                report_data={"role": "output", "item": product.name, "ingredients": ingredients},
            )
        )
    return drafts


def _content(quantity: Decimal, unit: str, unit_weight: Decimal | None, where: str) -> Decimal:
    found = rules.grams(quantity, unit, unit_weight)
    if found is None:
        raise ValidationError(where, "its product is counted in units and has no unit weight")
    return found


def _input_cost(quantities: list[Decimal], sources: list[queries.InputPackage]) -> Decimal | None:
    if any(s.unit_cost is None for s in sources):
        return None
    return sum(
        (q * (s.unit_cost or 0) for q, s in zip(quantities, sources, strict=True)), Decimal(0)
    )


async def _location(location_id: int) -> tuple[str, str]:
    """The location's state system and state."""
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT state_system, state FROM location WHERE id = $1", location_id
        )
    if row is None:
        raise NotFound("location", str(location_id))
    return row["state_system"], row["state"]
