"""Completing a receiving session: accepted packages enter stock, once, in one transaction.

Accepted (and partly accepted) packages are created with their batch, cost and expiry and
received through the ledger into the vault, or into quarantine while their certificate is
missing or pending. Rejected packages never enter stock. METRC has no API to accept a transfer,
so completion also produces the exact list to enter in its web UI; reconciliation later checks
the state shows the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from domain import db, events, service
from domain.errors import AlreadyCompleted, NotFound, ReceivingIncomplete, ValidationError
from domain.identity.principal import Principal
from domain.inventory import ledger, lookup
from domain.inventory.model import MovementKind
from domain.organisation.model import ZoneKind
from domain.purchasing import receipts
from domain.receiving import rules
from domain.receiving.model import Decision
from domain.receiving.sessions import checklist_for
from domain.roles import Capability
from domain.rows import returned
from domain.unit_of_work import UnitOfWork
from plugins.base import Mode, ReportKind


@dataclass(frozen=True)
class CompleteReceiving:
    session_id: int
    # Where accepted stock goes (default: the location's first vault / quarantine zone).
    vault_zone_id: int | None = None
    quarantine_zone_id: int | None = None
    signed_off_by: int | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ReceivingCompleted:
    session_id: int
    shipment_id: int
    package_ids: list[int] = field(default_factory=list)
    movement_ids: list[int] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    state_task: dict[str, Any] | None = None


async def complete_receiving(
    uow: UnitOfWork, principal: Principal, cmd: CompleteReceiving
) -> service.Outcome:
    """Put the accepted packages into stock and close the shipment (exactly once)."""
    async with db.connection() as conn:
        location_id = await conn.fetchval(
            "SELECT location FROM receiving_session WHERE id = $1", cmd.session_id
        )
    if location_id is None or principal.role_at(location_id) is None:
        raise NotFound("receiving session", str(cmd.session_id))
    principal.require(Capability.MOVE_VAULT_STOCK, location_id)
    zones = await _zones(location_id, cmd)

    async def work(uow: UnitOfWork) -> ReceivingCompleted:
        return await _complete(uow, principal, cmd, location_id, zones)

    return await service.run(uow, principal, "completeReceiving", cmd, work, ReceivingCompleted)


async def _zones(location_id: int, cmd: CompleteReceiving) -> dict[str, ledger.ZoneRef]:
    """The vault and quarantine zones to receive into, which must be this location's."""
    async with db.connection() as conn:
        defaults = {
            r["kind"]: r["id"]
            for r in await conn.fetch(
                "SELECT DISTINCT ON (kind) kind, id FROM zone WHERE location = $1 AND active"
                " AND kind IN ('vault', 'quarantine') ORDER BY kind, id",
                location_id,
            )
        }
    vault = cmd.vault_zone_id or defaults.get("vault")
    quarantine = cmd.quarantine_zone_id or defaults.get("quarantine")
    if vault is None or quarantine is None:
        raise ValidationError("locationId", "receiving needs a vault and a quarantine zone")
    wanted = {"vault": vault, "quarantine": quarantine}
    found = await lookup.zones(location_id, wanted.values())
    refs = {kind: found[zone_id] for kind, zone_id in wanted.items()}
    for kind, ref in refs.items():
        if ref.kind != ZoneKind(kind):
            raise ValidationError(f"{kind}ZoneId", f"must be a {kind} zone")
    return refs


async def _complete(
    uow: UnitOfWork,
    principal: Principal,
    cmd: CompleteReceiving,
    location_id: int,
    zones: dict[str, Any],
) -> ReceivingCompleted:
    conn = uow.conn
    session = returned(
        await conn.fetchrow(
            "SELECT s.id, s.status, s.received_by, sh.id AS shipment,"
            " sh.status AS shipment_status,"
            " sh.manifest_number, sh.shipper_name, l.state_system, l.receiving_requires_signoff"
            " FROM receiving_session s JOIN shipment sh ON sh.id = s.shipment"
            " JOIN location l ON l.id = s.location WHERE s.id = $1 FOR UPDATE OF s, sh",
            cmd.session_id,
        ),
        "receiving session",
    )
    if session["status"] != "open" or session["shipment_status"] == "completed":
        raise AlreadyCompleted(session["shipment"])
    items = await conn.fetch(_ITEMS, session["shipment"], cmd.session_id)
    answers = {
        r["key"]
        for r in await conn.fetch(
            "SELECT key FROM checklist_answer WHERE session = $1", cmd.session_id
        )
    }
    await _check_complete(principal, location_id, session, items, answers, cmd)
    accepted = [i for i in items if i["decision"] != Decision.REJECT]
    package_ids, movement_ids = await _receive(
        uow, principal, location_id, session, accepted, zones
    )
    task = None
    system = uow.registry.state_system(session["state_system"])
    # A state with an API but no way to accept a transfer through it (METRC): a person does it
    # in the state's web UI, from this list. (A plugin that reports receipts would say so.)
    if system.mode == Mode.REALTIME_API and ReportKind.RECEIVE not in system.rules.reports:
        task = rules.state_task(
            session["manifest_number"],
            [
                {**dict(i), "received_quantity": i["received_quantity"], "reason": i["reason"]}
                for i in items
            ],
        )
    await conn.execute(
        "UPDATE receiving_session SET status = 'completed', completed_at = now(),"
        " signed_off_by = $2, state_task = $3 WHERE id = $1",
        cmd.session_id,
        cmd.signed_off_by,
        task or None,
    )
    await conn.execute(
        "UPDATE shipment SET status = 'completed' WHERE id = $1", session["shipment"]
    )
    # The order this shipment delivers (if any) learns what arrived, in the same transaction.
    await receipts.apply_receipt(uow, cmd.session_id, session["shipment"])
    uow.record(events.ShipmentUpdated(location_id=location_id, shipment_id=session["shipment"]))
    return ReceivingCompleted(
        cmd.session_id,
        session["shipment"],
        package_ids,
        movement_ids,
        [i["tag"] for i in items if i["decision"] == Decision.REJECT],
        task,
    )


_ITEMS = """
SELECT sp.id, sp.tag, sp.item_name, sp.product, sp.batch_number, sp.shipped_quantity, sp.unit,
       sp.lab_state, sp.unit_cost, ps.decision, ps.received_quantity, ps.reason,
       ps.certificate_reference, ps.expires_on, pr.unit AS product_unit
FROM shipment_package sp
LEFT JOIN package_scan ps ON ps.shipment_package = sp.id AND ps.session = $2
LEFT JOIN product pr ON pr.id = sp.product
WHERE sp.shipment = $1
ORDER BY sp.id
"""


async def _check_complete(
    principal: Principal,
    location_id: int,
    session: Any,
    items: list[Any],
    answers: set[str],
    cmd: CompleteReceiving,
) -> None:
    missing = [
        f"checklist: {item.label}"
        for item in await checklist_for(location_id)
        if item.required and item.key not in answers
    ]
    missing += [f"not scanned: {i['tag']}" for i in items if i["decision"] is None]
    missing += [
        f"no product for {i['tag']} ({i['item_name']}): scan it with a productId"
        for i in items
        if i["decision"] not in (None, Decision.REJECT) and i["product"] is None
    ]
    missing += [
        f"{i['tag']} is shipped in {i['unit']} but its product is tracked in {i['product_unit']}"
        for i in items
        if i["decision"] not in (None, Decision.REJECT)
        and i["product"] is not None
        and i["product_unit"] != i["unit"]
    ]
    if session["receiving_requires_signoff"]:
        if cmd.signed_off_by is None:
            missing.append("a second person must sign the shipment off")
        elif cmd.signed_off_by in (principal.user_id, session["received_by"]):
            raise ValidationError("signedOffBy", "the sign-off must come from a second person")
    if missing:
        raise ReceivingIncomplete(missing)
    if cmd.signed_off_by is not None:
        await lookup.witness(location_id, cmd.signed_off_by)


async def _receive(
    uow: UnitOfWork,
    principal: Principal,
    location_id: int,
    session: Any,
    accepted: list[Any],
    zones: dict[str, ledger.ZoneRef],
) -> tuple[list[int], list[int]]:
    if not accepted:
        return [], []
    conn = uow.conn
    package_ids = []
    drafts = []
    for item in accepted:
        cert = rules.certificate(item["lab_state"])
        batch_id = await _batch(conn, item, session["manifest_number"], cert)
        package_id = await conn.fetchval(
            "INSERT INTO package (location, tag, product, batch, unit, status, unit_cost,"
            " movement_count, last_hash, created_at) VALUES ($1, $2, $3, $4, $5, 'active',"
            " $6, 0, $7, now()) ON CONFLICT (location, tag) DO NOTHING RETURNING id",
            location_id,
            item["tag"],
            item["product"],
            batch_id,
            item["unit"],
            item["unit_cost"],
            ledger.hashchain.GENESIS,
        )
        if package_id is None:
            raise ValidationError("tag", f"{item['tag']} is already a package here")
        package_ids.append(package_id)
        drafts.append(
            ledger.Draft(
                package_id=package_id,
                kind=MovementKind.RECEIVE,
                quantity=Decimal(item["received_quantity"]),
                to_zone=zones[rules.destination_kind(cert)],
                note=item["reason"],
            )
        )
    posted = await ledger.post(
        uow,
        drafts,
        ledger.Posting(
            actor_id=principal.user_id,
            source_document=f"manifest:{session['manifest_number']}",
        ),
    )
    return package_ids, [p.id for p in posted]


async def _batch(conn: Any, item: Any, manifest: str, cert: rules.Certificate) -> int:
    """The batch a received package belongs to: the producer's batch number when the manifest
    has one, else one per manifest and item; its lab status from the state's certificate."""
    number = (item["batch_number"] or f"{manifest}/{item['item_name']}")[:64]
    return await conn.fetchval(
        "INSERT INTO batch (product, producer_batch_number, lab_status, expires_on,"
        " certificate_reference, created_at) VALUES ($1, $2, $3, $4, $5, now())"
        " ON CONFLICT (product, producer_batch_number) DO UPDATE SET"
        " expires_on = coalesce(batch.expires_on, EXCLUDED.expires_on),"
        " certificate_reference = coalesce(EXCLUDED.certificate_reference,"
        " batch.certificate_reference) RETURNING id",
        item["product"],
        number,
        str(rules.lab_status(cert)),
        item["expires_on"],
        item["certificate_reference"],
    )
