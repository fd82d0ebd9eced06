"""Scheduling waste for destruction and carrying the destruction out.

Two steps, because the states make it two: waste is first moved to the waste zone and held (a
destruction record starts its hold), then destroyed, with the method, the waste and mixing
weights and the witnesses the state's steps require, by the final DESTROY movement. The record
says at each step what was required and by whose rule (``steps``), so an inspector reading it
sees the hold, the witnesses and the method next to what was done.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from domain import events, service
from domain.changelog import record as changelog
from domain.destruction import queries, witnesses
from domain.destruction.steps import Policy, Steps, destroy_refusal, steps_for
from domain.errors import NotFound, ValidationError
from domain.identity.principal import Principal
from domain.inventory import ledger, lookup
from domain.inventory.model import AdjustmentReason, MovementKind
from domain.inventory.rules import clean_note
from domain.organisation.model import ZoneKind
from domain.quantities import Unit, parse_quantity
from domain.roles import Capability
from domain.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from plugins.states.base import WasteRules

# Why waste may be destroyed; the others (a sale correction, a count) are not waste.
WASTE_REASONS = frozenset(
    {
        AdjustmentReason.DESTRUCTION,
        AdjustmentReason.EXPIRED,
        AdjustmentReason.DAMAGE,
        AdjustmentReason.PACKAGING_WASTE,
        AdjustmentReason.QA_TESTING,
        AdjustmentReason.SAMPLE,
        AdjustmentReason.OTHER,
    }
)


@dataclass(frozen=True)
class ScheduleDestruction:
    location_id: int
    tag: str
    zone_id: int
    quantity: Decimal
    reason: AdjustmentReason = AdjustmentReason.DESTRUCTION
    note: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class DestructionScheduled:
    destruction_id: int
    package_id: int
    movement_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class CarryOutDestruction:
    location_id: int
    destruction_id: int
    method: str
    witnesses: list[witnesses.Signoff]
    # What the cannabis waste weighed (grams); a package counted in grams defaults to it.
    waste_weight: Decimal | None = None
    mixing_material: str | None = None
    mixing_weight: Decimal | None = None
    note: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class DestructionCarriedOut:
    destruction_id: int
    package_id: int
    movement_ids: list[int] = field(default_factory=list)


async def location_steps(uow: UnitOfWork, location_id: int) -> Steps:
    """The destruction steps at ``location_id`` now (state rulebook, then the location)."""
    where = await queries.location_facts(location_id)
    if where is None:
        raise NotFound("location", str(location_id))
    return steps_for(_waste_rules(uow, where.state), await queries.policy(location_id))


async def _state_second_step(uow: UnitOfWork, location_id: int) -> timedelta | None:
    """How long after our DESTROY the state system's own destroy step is due, or None when
    the system has no second step. BioTrack schedules a destruction and destroys it after its
    hold; the length of that hold is unconfirmed (72 h is often cited), so it is the location's
    ``state_hold_minutes`` (0 when unset: the job asks, and BioTrack says if it is too early).
    """
    where = await queries.location_facts(location_id)
    if where is None:
        raise NotFound("location", str(location_id))
    system = uow.registry.state_system(where.state_system)
    if system.connect is None or not hasattr(system.connect, "finish_destruction"):
        return None
    minutes = (await queries.policy(location_id)).state_hold_minutes
    return timedelta(minutes=minutes or 0)


def _waste_rules(uow: UnitOfWork, state: str) -> WasteRules | None:
    try:
        return uow.registry.state_rulebook(state).waste
    except KeyError:  # a state nobody wrote rules for: everything is configuration
        return None


async def schedule_destruction(
    uow: UnitOfWork, principal: Principal, cmd: ScheduleDestruction
) -> service.Outcome:
    """Move waste to the waste zone with its reason and start its hold.

    From here the stock cannot be sold (the waste zone is never sellable) and is still counted
    until the destruction's DESTROY movement takes it off the books.
    """
    quantity = parse_quantity(cmd.quantity)
    reason = AdjustmentReason(cmd.reason)
    if reason not in WASTE_REASONS:
        raise ValidationError("reason", f"{reason} is not a reason to destroy stock")
    note = clean_note(cmd.note)
    if reason == AdjustmentReason.OTHER and not note:
        raise ValidationError("note", "say what the waste is")
    principal.require(Capability.ADJUST_STOCK, cmd.location_id)
    waste_zone_id = await queries.waste_zone(cmd.location_id)
    if waste_zone_id is None:
        raise ValidationError("locationId", "this location has no waste zone")
    package, zones = await lookup.package_and_zones(
        cmd.location_id, cmd.tag, (cmd.zone_id, waste_zone_id)
    )
    source, waste = zones[cmd.zone_id], zones[waste_zone_id]
    lookup.require_move(principal, cmd.location_id, source, waste)
    steps = await location_steps(uow, cmd.location_id)

    async def work(uow: UnitOfWork) -> DestructionScheduled:
        now = datetime.now(UTC)
        destruction_id = await queries.insert_destruction(
            location_id=cmd.location_id,
            package_id=package.id,
            waste_zone_id=waste.id,
            quantity=quantity,
            reason=reason,
            note=note,
            actor_id=principal.user_id,
            at=now,
            hold_until=now + steps.hold,
            witnesses_required=steps.witnesses,
        )
        drafts = []
        if source.kind != ZoneKind.WASTE:
            drafts.append(
                ledger.Draft(
                    package_id=package.id,
                    kind=MovementKind.TRANSFER,
                    quantity=quantity,
                    from_zone=source,
                    to_zone=waste,
                    note=f"to be destroyed ({reason})" + (f": {note}" if note else ""),
                )
            )
        posted = await ledger.post(
            uow,
            drafts,
            ledger.Posting(
                actor_id=principal.user_id,
                occurred_at=now,
                source_document=f"destruction:{destruction_id}",
                idempotency_key=cmd.idempotency_key,
            ),
        )
        return DestructionScheduled(destruction_id, package.id, [p.id for p in posted])

    return await service.run(uow, principal, "scheduleDestruction", cmd, work, DestructionScheduled)


async def carry_out_destruction(
    uow: UnitOfWork, principal: Principal, cmd: CarryOutDestruction
) -> service.Outcome:
    """Destroy held waste: the DESTROY movement, once the hold is over and the witnesses the
    steps require have signed in person. Refused, writing nothing, when it is too early, a
    witness is missing, the mix is too lean, or it was done already."""
    principal.require(Capability.ADJUST_STOCK, cmd.location_id)
    method = _text(cmd.method, "method")
    if not method:
        raise ValidationError("method", "say how the waste was made unusable")
    mixing_material = _text(cmd.mixing_material, "mixingMaterial") if cmd.mixing_material else None
    mixing_weight = (
        parse_quantity(cmd.mixing_weight, field="mixingWeight", allow_zero=True)
        if cmd.mixing_weight is not None
        else None
    )
    if mixing_weight and not mixing_material:
        raise ValidationError("mixingMaterial", "say what the waste was mixed with")
    given_weight = (
        parse_quantity(cmd.waste_weight, field="wasteWeight")
        if cmd.waste_weight is not None
        else None
    )
    note = clean_note(cmd.note)
    record = await queries.destruction(cmd.location_id, cmd.destruction_id)
    if record is None:
        raise NotFound("destruction", str(cmd.destruction_id))
    if given_weight is None:
        if record.unit != Unit.GRAMS:
            raise ValidationError("wasteWeight", "weigh the waste (grams): the package is not")
        given_weight = record.quantity
    # Witnesses sign with their own credentials, checked before the transaction (a wrong
    # guess must count even though the destruction is refused; the hash is slow).
    signed = await witnesses.authenticate(cmd.location_id, principal.user_id, cmd.witnesses)
    steps = await location_steps(uow, cmd.location_id)
    state_hold = await _state_second_step(uow, cmd.location_id)

    async def work(uow: UnitOfWork) -> DestructionCarriedOut:
        locked = await queries.lock_destruction(cmd.destruction_id)
        now = datetime.now(UTC)
        refusal = destroy_refusal(
            destruction_id=locked.id,
            status=locked.status,
            hold_until=locked.hold_until,
            now=now,
            witnesses_required=locked.witnesses_required,
            witnesses_given=len(signed),
            min_share=steps.min_non_cannabis_share,
            waste_weight=given_weight,
            mixing_weight=mixing_weight,
        )
        if refusal is not None:
            raise refusal
        waste = (await lookup.zones(cmd.location_id, (locked.waste_zone_id,)))[locked.waste_zone_id]
        posted = await ledger.post(
            uow,
            [
                ledger.Draft(
                    package_id=locked.package_id,
                    kind=MovementKind.DESTROY,
                    quantity=locked.quantity,
                    from_zone=waste,
                    reason=AdjustmentReason(locked.reason),
                    note=note or locked.note,
                    report_data={
                        "waste_weight": given_weight,
                        "waste_unit": str(Unit.GRAMS),
                        "waste_method": method,
                        "mixing_material": mixing_material,
                        "mixing_weight": mixing_weight,
                    },
                )
            ],
            ledger.Posting(
                actor_id=principal.user_id,
                witness_id=signed[0] if signed else None,
                occurred_at=now,
                source_document=f"destruction:{locked.id}",
                idempotency_key=cmd.idempotency_key,
            ),
        )
        state_finish_at = now + state_hold if state_hold is not None else None
        await queries.mark_destroyed(
            locked.id,
            actor_id=principal.user_id,
            at=now,
            method=method,
            waste_weight=given_weight,
            mixing_material=mixing_material,
            mixing_weight=mixing_weight,
            witness_ids=signed,
            movement_id=posted[0].id,
            state_finish_at=state_finish_at,
        )
        uow.record(
            events.DestructionCarriedOut(
                location_id=cmd.location_id,
                destruction_id=locked.id,
                state_finish_at=state_finish_at,
            )
        )
        return DestructionCarriedOut(locked.id, locked.package_id, [p.id for p in posted])

    return await service.run(
        uow, principal, "carryOutDestruction", _without_passwords(cmd), work, DestructionCarriedOut
    )


def _text(value: str | None, name: str, limit: int = 200) -> str:
    text = " ".join((value or "").split())
    if len(text) > limit:
        raise ValidationError(name, f"at most {limit} characters")
    return text


def _without_passwords(cmd: CarryOutDestruction) -> CarryOutDestruction:
    """The request the idempotency key is bound to (and stored): never a witness's password."""
    return replace(cmd, witnesses=[witnesses.Signoff(s.email, "") for s in cmd.witnesses])


@dataclass(frozen=True)
class SetWastePolicy:
    location_id: int
    hold_minutes: int | None = None
    witnesses: int | None = None
    state_hold_minutes: int | None = None
    min_yield_pct: Decimal | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class WastePolicySaved:
    location_id: int


async def set_waste_policy(
    uow: UnitOfWork, principal: Principal, cmd: SetWastePolicy
) -> service.Outcome:
    """Configure what the state's rulebook leaves unconfirmed (a hold, witnesses, the state
    system's own hold) and the repackaging yield threshold, for one location."""
    principal.require(Capability.MANAGE_LOCATION, cmd.location_id)
    for name, value, top in (
        ("holdMinutes", cmd.hold_minutes, 60 * 24 * 90),
        ("witnesses", cmd.witnesses, 5),
        ("stateHoldMinutes", cmd.state_hold_minutes, 60 * 24 * 90),
    ):
        if value is not None and not 0 <= value <= top:
            raise ValidationError(name, f"must be between 0 and {top}")
    pct = cmd.min_yield_pct
    if pct is not None:
        pct = parse_quantity(pct, field="minYieldPct", allow_zero=True)
        if pct > 100:
            raise ValidationError("minYieldPct", "must be between 0 and 100")
    policy = Policy(cmd.hold_minutes, cmd.witnesses, cmd.state_hold_minutes, pct)

    async def work(uow: UnitOfWork) -> WastePolicySaved:
        logged = ("hold_minutes", "witnesses", "state_hold_minutes", "min_yield_pct")
        before = await changelog.fields(
            uow.conn, "waste_policy", cmd.location_id, logged, key="location", lock=True
        )
        await queries.save_policy(cmd.location_id, policy)
        await changelog.change(
            uow,
            principal,
            "setWastePolicy",
            "waste policy",
            cmd.location_id,
            location_id=cmd.location_id,
            before=before,
            after={name: getattr(policy, name) for name in logged},
        )
        return WastePolicySaved(cmd.location_id)

    return await service.run(uow, principal, "setWastePolicy", cmd, work, WastePolicySaved)
