"""Lab samples: weighed into the QA/testing zone, sent to the lab, received back or written off.

The stock leaves our books when it goes to the lab (a ``qa_testing`` write-off naming the lab
as destination, reported to the state like any adjustment); what the lab returns comes back
as a write-on, and what it used up is closed without a second movement.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import asyncpg

from domain import service
from domain.errors import NotFound, StepOutOfOrder, ValidationError
from domain.identity.principal import Principal
from domain.inventory import ledger, lookup
from domain.inventory.model import AdjustmentReason, MovementKind
from domain.inventory.rules import clean_note
from domain.lab.model import LabSampleStatus
from domain.organisation.model import ZoneKind
from domain.quantities import parse_quantity, require_unit
from domain.roles import Capability
from domain.rows import returned
from domain.samples.zones import zone_of_kind
from domain.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CreateLabSample:
    location_id: int
    tag: str
    from_zone_id: int
    quantity: Decimal
    lab_license: str
    sample_code: str
    unit: str | None = None
    qa_zone_id: int | None = None
    note: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class LabSampleStep:
    """Send, receive back (``quantity`` returned, into ``zone_id`` or the sample's QA zone) or
    write off one lab sample."""

    location_id: int
    lab_sample_id: int
    quantity: Decimal | None = None
    zone_id: int | None = None
    note: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class LabSampleMoved:
    lab_sample_id: int
    movement_ids: list[int]


def _code(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError(field, "required")
    if len(value) > 64:
        raise ValidationError(field, "at most 64 characters")
    return value


async def create_lab_sample(
    uow: UnitOfWork, principal: Principal, cmd: CreateLabSample
) -> service.Outcome:
    """Weigh product out of a package into the QA/testing zone as a lab sample.

    Exists so the weight a lab takes is accounted for from the moment it is set aside, under
    the lab's own sample id. Held product may be sampled (a re-test is how a hold ends); a
    finished package may not.
    """
    principal.require(Capability.TAKE_SAMPLES, cmd.location_id)
    quantity = parse_quantity(cmd.quantity)
    lab_license = _code(cmd.lab_license, "labLicense")
    sample_code = _code(cmd.sample_code, "sampleCode")
    note = clean_note(cmd.note)
    package, zones = await lookup.package_and_zones(cmd.location_id, cmd.tag, (cmd.from_zone_id,))
    require_unit(package.unit, cmd.unit)
    source = zones[cmd.from_zone_id]
    qa = await zone_of_kind(cmd.location_id, cmd.qa_zone_id, ZoneKind.QA_TESTING, "qaZoneId")
    if source.id == qa.id:
        raise ValidationError("fromZoneId", "the stock is already in the QA/testing zone")
    if source.kind in (ZoneKind.SAMPLES, ZoneKind.WASTE, ZoneKind.RESERVED):
        raise ValidationError("fromZoneId", f"lab samples are not taken from the {source.name}")

    async def work(uow: UnitOfWork) -> LabSampleMoved:
        conn = uow.conn
        try:
            lab_sample_id = returned(
                await conn.fetchval(
                    "INSERT INTO lab_sample (location, package, batch, zone, sample_code,"
                    " lab_license, quantity, status, note, created_by, created_at)"
                    " SELECT $1, p.id, p.batch, $3, $4, $5, $6, 'created', $7, $8, now()"
                    " FROM package p WHERE p.id = $2 RETURNING id",
                    cmd.location_id,
                    package.id,
                    qa.id,
                    sample_code,
                    lab_license,
                    quantity,
                    note,
                    principal.user_id,
                )
            )
        except asyncpg.UniqueViolationError:
            raise ValidationError(
                "sampleCode", "this lab already has a sample with that id here"
            ) from None
        posted = await ledger.post(
            uow,
            [
                ledger.Draft(
                    package_id=package.id,
                    kind=MovementKind.TRANSFER,
                    quantity=quantity,
                    from_zone=source,
                    to_zone=qa,
                    reason=AdjustmentReason.QA_TESTING,
                    note=note or f"lab sample {sample_code} for {lab_license}",
                )
            ],
            ledger.Posting(
                actor_id=principal.user_id,
                source_document=f"lab-sample:{lab_sample_id}",
                idempotency_key=cmd.idempotency_key,
            ),
        )
        return LabSampleMoved(lab_sample_id, [p.id for p in posted])

    return await service.run(uow, principal, "createLabSample", cmd, work, LabSampleMoved)


async def _locked(uow: UnitOfWork, location_id: int, lab_sample_id: int) -> dict:
    conn = uow.conn
    row = await conn.fetchrow(
        "SELECT s.id, s.package, s.zone, s.quantity, s.status, s.sample_code,"
        " s.lab_license, z.name AS zone_name FROM lab_sample s JOIN zone z ON z.id = s.zone"
        " WHERE s.id = $1 AND s.location = $2 FOR UPDATE OF s",
        lab_sample_id,
        location_id,
    )
    if row is None:
        raise NotFound("lab sample", str(lab_sample_id))
    return dict(row)


def _require(row: dict, allowed: set[LabSampleStatus], action: str) -> None:
    if row["status"] not in allowed:
        raise StepOutOfOrder("lab sample", str(row["id"]), row["status"], action)


async def _set(
    uow: UnitOfWork,
    lab_sample_id: int,
    status: LabSampleStatus,
    returned_quantity: Decimal | None = None,
) -> None:
    stamp = "sent_at" if status == LabSampleStatus.SENT else "closed_at"
    conn = uow.conn
    await conn.execute(
        f"UPDATE lab_sample SET status = $2, returned_quantity = $3, {stamp} = now() WHERE id = $1",
        lab_sample_id,
        str(status),
        returned_quantity,
    )


def _qa_zone(row: dict, location_id: int) -> ledger.ZoneRef:
    return ledger.ZoneRef(row["zone"], location_id, ZoneKind.QA_TESTING, row["zone_name"])


async def _post(
    uow: UnitOfWork, principal: Principal, cmd: LabSampleStep, draft: ledger.Draft
) -> list[ledger.Posted]:
    return await ledger.post(
        uow,
        [draft],
        ledger.Posting(
            actor_id=principal.user_id,
            source_document=f"lab-sample:{cmd.lab_sample_id}",
            idempotency_key=cmd.idempotency_key,
        ),
    )


async def send_lab_sample(
    uow: UnitOfWork, principal: Principal, cmd: LabSampleStep
) -> service.Outcome:
    """Hand a lab sample to the lab: the weight leaves the QA zone with the lab as destination
    (a ``qa_testing`` write-off the state hears about, naming the lab's licence)."""
    principal.require(Capability.TAKE_SAMPLES, cmd.location_id)
    note = clean_note(cmd.note)

    async def work(uow: UnitOfWork) -> LabSampleMoved:
        row = await _locked(uow, cmd.location_id, cmd.lab_sample_id)
        _require(row, {LabSampleStatus.CREATED}, "send it")
        draft = ledger.Draft(
            package_id=row["package"],
            kind=MovementKind.ADJUST,
            quantity=row["quantity"],
            from_zone=_qa_zone(row, cmd.location_id),
            reason=AdjustmentReason.QA_TESTING,
            note=note or f"to lab {row['lab_license']}, sample {row['sample_code']}",
            report_data={
                "destination_license": row["lab_license"],
                "lab_sample_code": row["sample_code"],
            },
        )
        posted = await _post(uow, principal, cmd, draft)
        await _set(uow, cmd.lab_sample_id, LabSampleStatus.SENT)
        return LabSampleMoved(cmd.lab_sample_id, [p.id for p in posted])

    return await service.run(uow, principal, "sendLabSample", cmd, work, LabSampleMoved)


async def receive_lab_sample(
    uow: UnitOfWork, principal: Principal, cmd: LabSampleStep
) -> service.Outcome:
    """Take back what the lab returned (at most what was sent), into the QA zone or the
    zone named; the package is held or released by the result, not by its return."""
    principal.require(Capability.TAKE_SAMPLES, cmd.location_id)
    if cmd.quantity is None:
        raise ValidationError("quantity", "say how much came back")
    quantity = parse_quantity(cmd.quantity)
    note = clean_note(cmd.note)
    target = None
    if cmd.zone_id is not None:
        target = (await lookup.zones(cmd.location_id, (cmd.zone_id,)))[cmd.zone_id]
        if target.kind not in (ZoneKind.QA_TESTING, ZoneKind.QUARANTINE, ZoneKind.VAULT):
            raise ValidationError("zoneId", "returned lab stock goes to QA, quarantine or vault")

    async def work(uow: UnitOfWork) -> LabSampleMoved:
        row = await _locked(uow, cmd.location_id, cmd.lab_sample_id)
        _require(row, {LabSampleStatus.SENT}, "receive it back")
        if quantity > row["quantity"]:
            raise ValidationError("quantity", f"only {row['quantity']} was sent to the lab")
        draft = ledger.Draft(
            package_id=row["package"],
            kind=MovementKind.ADJUST,
            quantity=quantity,
            to_zone=target or _qa_zone(row, cmd.location_id),
            reason=AdjustmentReason.QA_TESTING,
            note=note or f"returned by lab {row['lab_license']}, sample {row['sample_code']}",
        )
        posted = await _post(uow, principal, cmd, draft)
        await _set(uow, cmd.lab_sample_id, LabSampleStatus.RECEIVED, quantity)
        return LabSampleMoved(cmd.lab_sample_id, [p.id for p in posted])

    return await service.run(uow, principal, "receiveLabSample", cmd, work, LabSampleMoved)


async def write_off_lab_sample(
    uow: UnitOfWork, principal: Principal, cmd: LabSampleStep
) -> service.Outcome:
    """Close a lab sample nothing will come back from. Sent: it already left the books, so
    nothing moves. Never sent: its weight is written off the QA zone now."""
    principal.require(Capability.TAKE_SAMPLES, cmd.location_id)
    note = clean_note(cmd.note)

    async def work(uow: UnitOfWork) -> LabSampleMoved:
        row = await _locked(uow, cmd.location_id, cmd.lab_sample_id)
        _require(row, {LabSampleStatus.CREATED, LabSampleStatus.SENT}, "write it off")
        movement_ids: list[int] = []
        if row["status"] == LabSampleStatus.CREATED:
            draft = ledger.Draft(
                package_id=row["package"],
                kind=MovementKind.ADJUST,
                quantity=row["quantity"],
                from_zone=_qa_zone(row, cmd.location_id),
                reason=AdjustmentReason.QA_TESTING,
                note=note or f"lab sample {row['sample_code']} written off unsent",
            )
            movement_ids = [p.id for p in await _post(uow, principal, cmd, draft)]
        await _set(uow, cmd.lab_sample_id, LabSampleStatus.WRITTEN_OFF)
        return LabSampleMoved(cmd.lab_sample_id, movement_ids)

    return await service.run(uow, principal, "writeOffLabSample", cmd, work, LabSampleMoved)
