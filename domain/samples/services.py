"""Taking samples from packages, handing them out, rotating them into waste, and the
rotation schedule with its overdue alert.

A sample's stock stays on its package's tag (the tag the state knows) and moves through the
ledger into the samples zone, which no sale or reservation ever takes from; the sample row
is the log kept apart from sales. Rotating moves it on into the waste zone, where destruction
takes over; a trade or employee sample handed out leaves the books as a ``sample`` write-off,
which the state hears about through the ledger's outbox like any adjustment. At a METRC
licence a trade sample may instead become a child package under a new state tag (children).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain import db, events, service
from domain.changelog import record as changelog
from domain.errors import (
    DomainError,
    NotFound,
    NotSampleable,
    SampleKindNotAllowed,
    SampleLimitExceeded,
    StepOutOfOrder,
    ValidationError,
)
from domain.identity.principal import Principal
from domain.inventory import ledger, lookup
from domain.inventory.model import AdjustmentReason, MovementKind
from domain.inventory.rules import clean_note
from domain.organisation.model import ZoneKind
from domain.quantities import Unit, parse_quantity, require_unit
from domain.roles import Capability
from domain.rows import returned
from domain.samples import children, model
from domain.samples.model import SampleKind, SampleStatus
from domain.samples.zones import zone_of_kind
from domain.unit_of_work import UnitOfWork

# The advisory-lock namespace of employee sample limits (any constant no other lock uses).
EMPLOYEE_LOCK = 1301


@dataclass(frozen=True)
class TakeSample:
    location_id: int
    tag: str
    from_zone_id: int
    quantity: Decimal
    kind: SampleKind = SampleKind.DISPLAY
    unit: str | None = None
    samples_zone_id: int | None = None
    recipient: str | None = None
    employee_id: int | None = None
    note: str | None = None
    idempotency_key: str | None = None
    # Trade samples at METRC licences: a child package under this state tag, or (from_pool)
    # the next unused tag of the state's pool.
    new_tag: str | None = None
    tag_from_pool: bool = False


@dataclass(frozen=True)
class CloseSample:
    location_id: int
    sample_id: int
    note: str | None = None
    waste_zone_id: int | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class SetSampleRotation:
    location_id: int
    every_days: int
    idempotency_key: str | None = None


@dataclass(frozen=True)
class SampleMoved:
    sample_id: int
    movement_ids: list[int]


@dataclass(frozen=True)
class RotationSet:
    location_id: int
    every_days: int
    rescheduled: int


async def _state_of(location_id: int) -> str:
    async with db.connection() as conn:
        state = await conn.fetchval("SELECT state FROM location WHERE id = $1", location_id)
    if state is None:
        raise NotFound("location", str(location_id))
    return state


async def take_sample(uow: UnitOfWork, principal: Principal, cmd: TakeSample) -> service.Outcome:
    """Set part of a package aside as a display, trade or employee sample, out of sale.

    Exists so sample jars are a logged, explained loss rather than an unexplained shortfall:
    the stock moves to the samples zone under a sample id, and the state's rules decide which
    kinds besides display jars a store may take at all.
    """
    principal.require(Capability.TAKE_SAMPLES, cmd.location_id)
    kind = SampleKind(cmd.kind)
    quantity = parse_quantity(cmd.quantity)
    note = clean_note(cmd.note)
    recipient = (cmd.recipient or "").strip() or None
    if recipient is not None and len(recipient) > 200:
        raise ValidationError("recipient", "at most 200 characters")
    if kind == SampleKind.TRADE and recipient is None:
        raise ValidationError("recipient", "say which licence or person receives the sample")
    if kind == SampleKind.EMPLOYEE and cmd.employee_id is None:
        raise ValidationError("employeeId", "say which employee takes the sample")
    if kind != SampleKind.EMPLOYEE and cmd.employee_id is not None:
        raise ValidationError("employeeId", "only employee samples name an employee")
    state = await _state_of(cmd.location_id)
    try:
        rules = uow.registry.state_rulebook(state).samples
    except KeyError:  # no plugin covers the state: display jars only
        rules = None
    if (refusal := model.kind_refusal(kind, rules)) is not None:
        raise SampleKindNotAllowed(kind=str(kind), state=state, reason=refusal)
    package, zones = await lookup.package_and_zones(cmd.location_id, cmd.tag, (cmd.from_zone_id,))
    require_unit(package.unit, cmd.unit)
    source = zones[cmd.from_zone_id]
    # Reserved stock is a customer's order; samples and waste are already out of stock.
    if source.kind in (ZoneKind.SAMPLES, ZoneKind.WASTE, ZoneKind.RESERVED):
        raise ValidationError("fromZoneId", f"a sample cannot be taken from the {source.name}")
    samples = await zone_of_kind(
        cmd.location_id, cmd.samples_zone_id, ZoneKind.SAMPLES, "samplesZoneId"
    )
    if cmd.employee_id is not None:
        try:  # a real, active person with a grant here, as a witness must be
            await lookup.witness(cmd.location_id, cmd.employee_id)
        except NotFound:
            raise NotFound("employee", str(cmd.employee_id)) from None
        limited = rules is not None and rules.employee_grams_per_month is not None
        if package.unit != Unit.GRAMS and limited:
            raise ValidationError("unit", "employee samples are limited by weight: grams only")
    new_tag = (cmd.new_tag or "").strip() or None
    child_tag: str | DomainError | None = None
    if new_tag is not None or cmd.tag_from_pool:
        if kind != SampleKind.TRADE:
            raise ValidationError("newTag", "only trade samples become packages of their own")
        if new_tag is not None and cmd.tag_from_pool:
            raise ValidationError("newTag", "enter a tag or take one from the pool, not both")
        child_tag = await children.child_tag(
            uow, cmd.location_id, package.tag, new_tag, cmd.tag_from_pool
        )

    async def work(uow: UnitOfWork) -> SampleMoved:
        locked = await ledger.lock_packages([package.id])
        state_now = locked[package.id]
        if (why := model.sampling_refusal(state_now, state_now.local_today)) is not None:
            raise NotSampleable(tag=package.tag, reason=why)
        conn = uow.conn
        if cmd.employee_id is not None:
            # One employee's samples are counted one request at a time, so two taken at once
            # (from different packages, which the package lock does not serialise) cannot
            # both fit under the limit.
            await conn.execute(
                "SELECT pg_advisory_xact_lock($1::int, $2::int)", EMPLOYEE_LOCK, cmd.employee_id
            )
            already = returned(
                await conn.fetchval(
                    "SELECT coalesce(sum(quantity), 0) FROM sample WHERE location = $1"
                    " AND employee = $2 AND kind = 'employee' AND taken_at >="
                    " date_trunc('month', now() AT TIME ZONE $3) AT TIME ZONE $3",
                    cmd.location_id,
                    cmd.employee_id,
                    state_now.timezone,
                ),
                "sum",
            )
            limit = model.employee_limit_refusal(rules, already, quantity)
            if limit is not None:
                raise SampleLimitExceeded(
                    employee_id=cmd.employee_id,
                    limit=limit,
                    already=already,
                    requested=quantity,
                )
        rotate_by = None
        if kind == SampleKind.DISPLAY:
            days = await conn.fetchval(
                "SELECT every_days FROM sample_rotation WHERE location = $1", cmd.location_id
            )
            assert state_now.local_today is not None  # the lock always reads it
            rotate_by = model.rotate_by(state_now.local_today, model.rotation_days(days, rules))
        stocked, parent = package.id, None
        if isinstance(child_tag, DomainError):  # after the key's claim: a retry replays
            raise child_tag
        if child_tag is not None:
            parent = await children.parent(package.id)
            stocked = await children.create(cmd.location_id, child_tag, parent)
        sample_id = returned(
            await conn.fetchval(
                "INSERT INTO sample (location, package, parent_package, zone, kind, status,"
                " quantity, recipient, employee, note, rotate_by, due_alerted, taken_by,"
                " taken_at) VALUES ($1, $2, $3, $4, $5, 'out', $6, $7, $8, $9, $10, false,"
                " $11, now()) RETURNING id",
                cmd.location_id,
                stocked,
                parent.id if parent else None,
                samples.id,
                str(kind),
                quantity,
                recipient,
                cmd.employee_id,
                note,
                rotate_by,
                principal.user_id,
            )
        )
        said = note or f"{kind} sample {sample_id}"
        if parent is not None:  # created at the state from the parent, as a repack is
            drafts = children.drafts(parent, stocked, quantity, source, samples, said)
        else:
            drafts = [
                ledger.Draft(
                    package_id=package.id,
                    kind=MovementKind.TRANSFER,
                    quantity=quantity,
                    from_zone=source,
                    to_zone=samples,
                    reason=AdjustmentReason.SAMPLE,
                    note=said,
                )
            ]
        posted = await ledger.post(
            uow,
            drafts,
            ledger.Posting(
                actor_id=principal.user_id,
                source_document=f"sample:{sample_id}",
                idempotency_key=cmd.idempotency_key,
                report_context={"repack_kind": "trade_sample"} if parent else {},
            ),
            locked=locked,
        )
        return SampleMoved(sample_id, [p.id for p in posted])

    return await service.run(uow, principal, "takeSample", cmd, work, SampleMoved)


async def _open_sample(uow: UnitOfWork, location_id: int, sample_id: int, action: str) -> dict:
    """The sample, locked for this transaction; it must still be out."""
    conn = uow.conn
    row = await conn.fetchrow(
        "SELECT s.id, s.package, s.zone, s.kind, s.status, s.quantity, s.recipient,"
        " s.employee, z.name AS zone_name FROM sample s JOIN zone z ON z.id = s.zone"
        " WHERE s.id = $1 AND s.location = $2 FOR UPDATE OF s",
        sample_id,
        location_id,
    )
    if row is None:
        raise NotFound("sample", str(sample_id))
    if row["status"] != SampleStatus.OUT:
        raise StepOutOfOrder("sample", str(sample_id), row["status"], action)
    return dict(row)


def _samples_zone(sample: dict, location_id: int) -> ledger.ZoneRef:
    return ledger.ZoneRef(sample["zone"], location_id, ZoneKind.SAMPLES, sample["zone_name"])


async def _close(uow: UnitOfWork, sample_id: int, status: SampleStatus, actor_id: int) -> None:
    conn = uow.conn
    await conn.execute(
        "UPDATE sample SET status = $2, closed_by = $3, closed_at = now() WHERE id = $1",
        sample_id,
        str(status),
        actor_id,
    )


async def rotate_sample(uow: UnitOfWork, principal: Principal, cmd: CloseSample) -> service.Outcome:
    """Take a sample out of use into the waste zone (stale, discontinued or damaged).

    Exists so the jar's weight is accounted for until it is destroyed: the destruction
    workflow takes it from the waste zone with the state's steps.
    """
    principal.require(Capability.TAKE_SAMPLES, cmd.location_id)
    note = clean_note(cmd.note)
    waste = await zone_of_kind(cmd.location_id, cmd.waste_zone_id, ZoneKind.WASTE, "wasteZoneId")

    async def work(uow: UnitOfWork) -> SampleMoved:
        sample = await _open_sample(uow, cmd.location_id, cmd.sample_id, "rotate it out")
        zone = _samples_zone(sample, cmd.location_id)
        posted = await ledger.post(
            uow,
            [
                ledger.Draft(
                    package_id=sample["package"],
                    kind=MovementKind.TRANSFER,
                    quantity=sample["quantity"],
                    from_zone=zone,
                    to_zone=waste,
                    reason=AdjustmentReason.SAMPLE,
                    note=note or f"sample {cmd.sample_id} rotated out",
                )
            ],
            ledger.Posting(
                actor_id=principal.user_id,
                source_document=f"sample:{cmd.sample_id}",
                idempotency_key=cmd.idempotency_key,
            ),
        )
        await _close(uow, cmd.sample_id, SampleStatus.ROTATED, principal.user_id)
        return SampleMoved(cmd.sample_id, [p.id for p in posted])

    return await service.run(uow, principal, "rotateSample", cmd, work, SampleMoved)


async def hand_out_sample(
    uow: UnitOfWork, principal: Principal, cmd: CloseSample
) -> service.Outcome:
    """Give a trade or employee sample to its recipient: it leaves the books as a sample
    write-off, flagged as such in the state report (display jars are rotated, never given)."""
    principal.require(Capability.TAKE_SAMPLES, cmd.location_id)
    note = clean_note(cmd.note)

    async def work(uow: UnitOfWork) -> SampleMoved:
        sample = await _open_sample(uow, cmd.location_id, cmd.sample_id, "hand it out")
        if sample["kind"] == SampleKind.DISPLAY:
            raise StepOutOfOrder("sample", str(cmd.sample_id), "a display sample", "hand it out")
        zone = _samples_zone(sample, cmd.location_id)
        to = sample["recipient"] or f"employee {sample['employee']}"
        posted = await ledger.post(
            uow,
            [
                ledger.Draft(
                    package_id=sample["package"],
                    kind=MovementKind.ADJUST,
                    quantity=sample["quantity"],
                    from_zone=zone,
                    reason=AdjustmentReason.SAMPLE,
                    note=note or f"{sample['kind']} sample {cmd.sample_id} to {to}"[:1000],
                    report_data={"sample_kind": sample["kind"], "sample_id": cmd.sample_id},
                )
            ],
            ledger.Posting(
                actor_id=principal.user_id,
                source_document=f"sample:{cmd.sample_id}",
                idempotency_key=cmd.idempotency_key,
            ),
        )
        await _close(uow, cmd.sample_id, SampleStatus.HANDED_OUT, principal.user_id)
        return SampleMoved(cmd.sample_id, [p.id for p in posted])

    return await service.run(uow, principal, "handOutSample", cmd, work, SampleMoved)


async def set_sample_rotation(
    uow: UnitOfWork, principal: Principal, cmd: SetSampleRotation
) -> service.Outcome:
    """Set how long display jars stay out at a location; jars out now are rescheduled from
    the day they were taken (and alerted again if that makes them overdue)."""
    principal.require(Capability.MANAGE_LOCATION, cmd.location_id)
    if isinstance(cmd.every_days, bool) or not 1 <= cmd.every_days <= 3650:
        raise ValidationError("everyDays", "between 1 and 3650 days")

    async def work(uow: UnitOfWork) -> RotationSet:
        conn = uow.conn
        was = await conn.fetchval(
            "SELECT every_days FROM sample_rotation WHERE location = $1 FOR UPDATE",
            cmd.location_id,
        )
        await conn.execute(
            "INSERT INTO sample_rotation (location, every_days, updated_at)"
            " VALUES ($1, $2, now()) ON CONFLICT (location)"
            " DO UPDATE SET every_days = EXCLUDED.every_days, updated_at = now()",
            cmd.location_id,
            cmd.every_days,
        )
        status = await conn.execute(
            "UPDATE sample s"
            " SET rotate_by = (s.taken_at AT TIME ZONE l.timezone)::date + $2::int,"
            " due_alerted = false FROM location l WHERE l.id = s.location"
            " AND s.location = $1 AND s.status = 'out' AND s.kind = 'display'",
            cmd.location_id,
            cmd.every_days,
        )
        await changelog.change(
            uow,
            principal,
            "setSampleRotation",
            "sample rotation",
            cmd.location_id,
            location_id=cmd.location_id,
            before={"every_days": was},
            after={"every_days": cmd.every_days},
        )
        return RotationSet(cmd.location_id, cmd.every_days, int(status.split()[-1]))

    return await service.run(uow, principal, "setSampleRotation", cmd, work, RotationSet)


async def raise_due_alerts(uow: UnitOfWork) -> int:
    """A job (safe twice: each overdue jar is alerted once, under its row lock): a
    ``sample_due`` compliance alert for every display jar past its rotation date."""
    async with uow:
        conn = uow.conn
        rows = await conn.fetch(
            "UPDATE sample s SET due_alerted = true FROM location l, package p"
            " WHERE l.id = s.location AND p.id = s.package AND s.status = 'out'"
            " AND NOT s.due_alerted AND s.rotate_by < (now() AT TIME ZONE l.timezone)::date"
            " RETURNING s.id, s.location, s.rotate_by, p.tag"
        )
        for row in rows:
            uow.record(
                events.ComplianceAlertRaised(
                    location_id=row["location"],
                    kind=events.AlertKind.SAMPLE_DUE,
                    message=(
                        f"sample {row['id']} of {row['tag']} was due for rotation on"
                        f" {row['rotate_by'].isoformat()}"
                    ),
                    count=1,
                )
            )
    return len(rows)
