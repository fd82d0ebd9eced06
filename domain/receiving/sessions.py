"""At the dock: opening a receiving session, answering the checklist, scanning each package.

Every answer and scan records who and when. A scan is one decision per tag per session, kept by
a unique index, so two tablets scanning the same tag record one scan and the other is told so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from domain import db, events, service
from domain.errors import (
    AlreadyCompleted,
    AlreadyScanned,
    CertificateFailed,
    NotFound,
    PermissionDenied,
    TagNotOnManifest,
    ValidationError,
    WeightOutsideTolerance,
)
from domain.identity.principal import Principal
from domain.inventory.rules import clean_note
from domain.quantities import parse_quantity
from domain.receiving import rules
from domain.receiving.model import (
    DEFAULT_CHECKLIST,
    Answer,
    ChecklistItem,
    Decision,
    ShipmentStatus,
)
from domain.roles import Capability
from domain.rows import returned
from domain.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class StartReceiving:
    shipment_id: int
    arrived_at: datetime | None = None
    transporter: str | None = None
    driver_name: str | None = None
    driver_license: str | None = None
    vehicle: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class SessionChanged:
    session_id: int
    shipment_id: int


async def shipment_location(principal: Principal, shipment_id: int) -> tuple[int, str]:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT location, status FROM shipment WHERE id = $1", shipment_id
        )
    if row is None or principal.role_at(row["location"]) is None:
        raise NotFound("shipment", str(shipment_id))
    principal.require(Capability.MOVE_VAULT_STOCK, row["location"])
    return row["location"], row["status"]


async def start_receiving(
    uow: UnitOfWork, principal: Principal, cmd: StartReceiving
) -> service.Outcome:
    """Open (or rejoin) the shipment's receiving session: who, when, which truck."""
    location_id, status = await shipment_location(principal, cmd.shipment_id)
    if status == ShipmentStatus.COMPLETED:
        raise AlreadyCompleted(cmd.shipment_id)

    async def work(uow: UnitOfWork) -> SessionChanged:
        conn = uow.conn
        session_id = returned(
            await conn.fetchval(
                "INSERT INTO receiving_session (shipment, location, received_by, vehicle,"
                " driver_name, driver_license, transporter, arrived_at, status)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open')"
                " ON CONFLICT (shipment) DO UPDATE SET shipment = EXCLUDED.shipment"
                " RETURNING id",
                cmd.shipment_id,
                location_id,
                principal.user_id,
                cmd.vehicle,
                cmd.driver_name,
                cmd.driver_license,
                cmd.transporter,
                cmd.arrived_at or datetime.now(UTC),
            )
        )
        await conn.execute(
            "UPDATE shipment SET status = 'receiving' WHERE id = $1 AND status = 'expected'",
            cmd.shipment_id,
        )
        _announce(uow, location_id, cmd.shipment_id)
        return SessionChanged(session_id, cmd.shipment_id)

    return await service.run(uow, principal, "startReceiving", cmd, work, SessionChanged)


async def checklist_for(location_id: int) -> list[ChecklistItem]:
    """The location's checklist, or the defaults from the brief."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT key, label, required FROM checklist_template WHERE location = $1"
            " ORDER BY position, key",
            location_id,
        )
    if rows:
        return [ChecklistItem(**r) for r in rows]
    return list(DEFAULT_CHECKLIST)


@dataclass(frozen=True)
class AnswerChecklist:
    session_id: int
    key: str
    answer: Answer
    note: str | None = None
    idempotency_key: str | None = None


async def _open_session(principal: Principal, session_id: int) -> Any:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT s.id, s.shipment, s.location, s.status, sh.manifest_number"
            " FROM receiving_session s JOIN shipment sh ON sh.id = s.shipment WHERE s.id = $1",
            session_id,
        )
    if row is None or principal.role_at(row["location"]) is None:
        raise NotFound("receiving session", str(session_id))
    principal.require(Capability.MOVE_VAULT_STOCK, row["location"])
    if row["status"] != "open":
        raise AlreadyCompleted(row["shipment"])
    return row


async def answer_checklist(
    uow: UnitOfWork, principal: Principal, cmd: AnswerChecklist
) -> service.Outcome:
    """Answer one checklist item (answering again replaces the answer, keeping who and when)."""
    session = await _open_session(principal, cmd.session_id)
    items = {i.key: i for i in await checklist_for(session["location"])}
    if cmd.key not in items:
        raise ValidationError("key", f"not on this location's checklist: {', '.join(items)}")
    note = clean_note(cmd.note)
    if Answer(cmd.answer) == Answer.NO and not note:
        raise ValidationError("note", "say what was wrong")

    async def work(uow: UnitOfWork) -> SessionChanged:
        item = items[cmd.key]
        conn = uow.conn
        await conn.execute(
            "INSERT INTO checklist_answer (session, key, label, required, answer, note,"
            " answered_by, answered_at, location) VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8)"
            " ON CONFLICT (session, key) DO UPDATE SET answer = EXCLUDED.answer,"
            " note = EXCLUDED.note, answered_by = EXCLUDED.answered_by,"
            " answered_at = now()",
            cmd.session_id,
            cmd.key,
            item.label,
            item.required,
            str(Answer(cmd.answer)),
            note,
            principal.user_id,
            session["location"],
        )
        _announce(uow, session["location"], session["shipment"])
        return SessionChanged(cmd.session_id, session["shipment"])

    return await service.run(uow, principal, "answerChecklist", cmd, work, SessionChanged)


@dataclass(frozen=True)
class ScanPackage:
    session_id: int
    tag: str
    decision: Decision
    # Partial: what was accepted. Accept: optionally the re-weighed quantity.
    received_quantity: Decimal | None = None
    measured_quantity: Decimal | None = None
    reason: str | None = None
    override_reason: str | None = None
    product_id: int | None = None
    certificate_reference: str | None = None
    expires_on: date | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Scanned:
    scan_id: int
    session_id: int
    tag: str
    decision: str
    received_quantity: str
    destination: str  # vault | quarantine | none


async def scan_package(uow: UnitOfWork, principal: Principal, cmd: ScanPackage) -> service.Outcome:
    """Record the dock's decision for one package; refusals say exactly what is wrong."""
    session = await _open_session(principal, cmd.session_id)
    decision = Decision(cmd.decision)
    async with db.connection() as conn:
        item = await conn.fetchrow(
            "SELECT sp.id, sp.shipped_quantity, sp.unit, sp.lab_state, sp.product,"
            " l.receiving_tolerance_pct FROM shipment_package sp JOIN shipment s"
            " ON s.id = sp.shipment JOIN location l ON l.id = s.location"
            " WHERE sp.shipment = $1 AND sp.tag = $2",
            session["shipment"],
            cmd.tag.strip(),
        )
    if item is None:
        raise TagNotOnManifest(cmd.tag)
    reason = clean_note(cmd.reason)
    received, override = _decide(principal, session["location"], cmd, decision, item, reason)
    cert = rules.certificate(item["lab_state"])
    if decision != Decision.REJECT and cert == rules.Certificate.FAILED:
        raise CertificateFailed(cmd.tag, item["lab_state"])
    destination = "none" if decision == Decision.REJECT else rules.destination_kind(cert)

    async def work(uow: UnitOfWork) -> Scanned:
        conn = uow.conn
        # Two tablets scanning one tag: the unique index lets one in, the other waits for
        # it and is told the tag was already scanned.
        scan_id = await conn.fetchval(
            "INSERT INTO package_scan (session, shipment_package, tag, decision,"
            " received_quantity, measured_quantity, reason, override_reason,"
            " override_by, certificate_reference, expires_on, scanned_by, scanned_at, location)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now(), $13)"
            " ON CONFLICT (session, tag) DO NOTHING RETURNING id",
            cmd.session_id,
            item["id"],
            cmd.tag.strip(),
            str(decision),
            received,
            cmd.measured_quantity,
            reason,
            override,
            principal.user_id if override else None,
            cmd.certificate_reference,
            cmd.expires_on,
            principal.user_id,
            session["location"],
        )
        if scan_id is None:
            existing = await conn.fetchval(
                "SELECT decision FROM package_scan WHERE session = $1 AND tag = $2",
                cmd.session_id,
                cmd.tag.strip(),
            )
            raise AlreadyScanned(cmd.tag, existing or "scanned")
        if cmd.product_id is not None:
            await _map_product(conn, principal, item["id"], cmd.product_id)
        _announce(uow, session["location"], session["shipment"])
        return Scanned(
            scan_id, cmd.session_id, cmd.tag.strip(), str(decision), str(received), destination
        )

    return await service.run(uow, principal, "scanPackage", cmd, work, Scanned)


def _decide(
    principal: Principal,
    location_id: int,
    cmd: ScanPackage,
    decision: Decision,
    item: Any,
    reason: str | None,
) -> tuple[Decimal, str | None]:
    """The quantity entering stock for this decision, and the override that allowed it."""
    shipped: Decimal = item["shipped_quantity"]
    if decision == Decision.REJECT:
        if not reason:
            raise ValidationError("reason", "say why the package is rejected")
        return Decimal(0), None
    if decision == Decision.PARTIAL:
        if not reason:
            raise ValidationError("reason", "say why only part is accepted")
        if cmd.received_quantity is None:
            raise ValidationError("receivedQuantity", "how much is accepted")
        received = parse_quantity(cmd.received_quantity, field="receivedQuantity")
        if received >= shipped:
            raise ValidationError("receivedQuantity", "a partial acceptance is less than shipped")
    else:
        received = shipped
    if cmd.measured_quantity is None:
        return received, None
    measured = parse_quantity(cmd.measured_quantity, field="measuredQuantity")
    tolerance = item["receiving_tolerance_pct"]
    if not rules.outside_tolerance(received, measured, tolerance):
        return received, None
    override = clean_note(cmd.override_reason)
    if not override:
        raise WeightOutsideTolerance(cmd.tag, received, measured, tolerance)
    if not principal.can(Capability.OVERRIDE_VARIANCE, location_id):
        raise PermissionDenied(str(Capability.OVERRIDE_VARIANCE), "a manager must override")
    return received, override


async def _map_product(conn: Any, principal: Principal, item_id: int, product_id: int) -> None:
    owned = await conn.fetchval(
        "SELECT 1 FROM product WHERE id = $1 AND operator = $2", product_id, principal.operator_id
    )
    if not owned:
        raise NotFound("product", str(product_id))
    await conn.execute(
        "UPDATE shipment_package SET product = $2 WHERE id = $1", item_id, product_id
    )


def _announce(uow: UnitOfWork, location_id: int, shipment_id: int) -> None:
    uow.record(events.ShipmentUpdated(location_id=location_id, shipment_id=shipment_id))
