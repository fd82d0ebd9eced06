"""Moving stock between zones and adjusting it with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain import service
from domain.compliance import adjustment_reasons
from domain.errors import ValidationError
from domain.identity.principal import Principal
from domain.inventory import ledger, lookup
from domain.inventory.model import AdjustmentReason, MovementKind
from domain.inventory.rules import check_adjustment, clean_note
from domain.quantities import Unit, parse_quantity, parse_signed_quantity, require_unit
from domain.roles import Capability
from domain.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class TransferStock:
    location_id: int
    tag: str
    from_zone_id: int
    to_zone_id: int
    quantity: Decimal
    unit: str | None = None
    note: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class AdjustStock:
    location_id: int
    tag: str
    zone_id: int
    # Signed: negative writes stock off, positive writes it on.
    quantity: Decimal
    reason: AdjustmentReason
    unit: str | None = None
    note: str | None = None
    witness_id: int | None = None
    idempotency_key: str | None = None
    # What the waste weighed (some state reasons require it, e.g. METRC's "Waste"): a weight
    # in grams or milligrams, whatever the package's own unit.
    waste_weight: Decimal | None = None
    waste_unit: str | None = None


@dataclass(frozen=True)
class StockMoved:
    package_id: int
    movement_ids: list[int]


async def transfer_stock(
    uow: UnitOfWork, principal: Principal, cmd: TransferStock
) -> service.Outcome:
    """Move part or all of a package from one zone to another inside a location."""
    quantity = parse_quantity(cmd.quantity)
    note = clean_note(cmd.note)
    if cmd.from_zone_id == cmd.to_zone_id:
        raise ValidationError("toZoneId", "must differ from the zone the stock comes from")
    principal.require(Capability.READ, cmd.location_id)
    package, zones = await lookup.package_and_zones(
        cmd.location_id, cmd.tag, (cmd.from_zone_id, cmd.to_zone_id)
    )
    require_unit(package.unit, cmd.unit)
    source, destination = zones[cmd.from_zone_id], zones[cmd.to_zone_id]
    lookup.require_move(principal, cmd.location_id, source, destination)

    async def work(uow: UnitOfWork) -> StockMoved:
        posted = await ledger.post(
            uow,
            [
                ledger.Draft(
                    package_id=package.id,
                    kind=MovementKind.TRANSFER,
                    quantity=quantity,
                    from_zone=source,
                    to_zone=destination,
                    note=note,
                )
            ],
            ledger.Posting(actor_id=principal.user_id, idempotency_key=cmd.idempotency_key),
        )
        return StockMoved(package.id, [p.id for p in posted])

    return await service.run(uow, principal, "transferStock", cmd, work, StockMoved)


async def adjust_stock(uow: UnitOfWork, principal: Principal, cmd: AdjustStock) -> service.Outcome:
    """Write stock on or off with a reason from the taxonomy (never free text alone)."""
    delta = parse_signed_quantity(cmd.quantity)
    reason = AdjustmentReason(cmd.reason)
    note = clean_note(cmd.note)
    check_adjustment(reason, delta, note)
    waste = _waste(cmd.waste_weight, cmd.waste_unit)
    principal.require(Capability.ADJUST_STOCK, cmd.location_id)
    # What the licence's state reason for this requires (METRC: a note, a waste weight).
    await adjustment_reasons.check_adjustment(
        uow.registry, cmd.location_id, reason, note, cmd.waste_weight
    )
    if cmd.witness_id is not None and cmd.witness_id == principal.user_id:
        raise ValidationError("witnessId", "the witness must be someone other than the actor")
    if cmd.witness_id is not None:
        await lookup.witness(cmd.location_id, cmd.witness_id)
    package, zones = await lookup.package_and_zones(cmd.location_id, cmd.tag, (cmd.zone_id,))
    require_unit(package.unit, cmd.unit)
    zone = zones[cmd.zone_id]
    lookup.require_move(principal, cmd.location_id, zone)

    async def work(uow: UnitOfWork) -> StockMoved:
        draft = ledger.Draft(
            package_id=package.id,
            kind=MovementKind.ADJUST,
            quantity=abs(delta),
            from_zone=zone if delta < 0 else None,
            to_zone=zone if delta > 0 else None,
            reason=reason,
            note=note,
            report_data=waste or {},
        )
        posted = await ledger.post(
            uow,
            [draft],
            ledger.Posting(
                actor_id=principal.user_id,
                witness_id=cmd.witness_id,
                idempotency_key=cmd.idempotency_key,
            ),
        )
        return StockMoved(package.id, [p.id for p in posted])

    return await service.run(uow, principal, "adjustStock", cmd, work, StockMoved)


_WEIGHT_UNITS = (Unit.GRAMS, Unit.MILLIGRAMS)


def _waste(weight: Decimal | None, unit: str | None) -> dict[str, str] | None:
    if weight is None:
        if unit is not None:
            raise ValidationError("wasteUnit", "give the waste weight too")
        return None
    value = parse_quantity(weight, field="wasteWeight")
    if unit is not None and unit not in _WEIGHT_UNITS:
        raise ValidationError("wasteUnit", "must be grams or milligrams")
    return {"waste_weight": str(value), "waste_unit": str(unit or Unit.GRAMS)}
