"""A New Mexico (BioTrack) store wired to the BioTrack double, and the helpers its tests share.

Why this module exists: ``test_biotrack_sync.py`` and ``test_biotrack_sales.py`` drive the real
sync engine against the double through the same domain services a store uses (write-offs, zone
transfers, sales, voids and returns at the register, ledger posts for destructions); building
that world and reading the outbox back is kept here so the tests read as what they prove.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain import db, service
from domain.compliance import connections, sync
from domain.identity.principal import Principal
from domain.inventory import ledger, lookup, stock
from domain.inventory.model import AdjustmentReason, MovementKind
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.sales import sales, voids
from domain.sales.model import CustomerType
from plugins import registry
from plugins.base import OutboundReport, ReportKind
from tests.doubles.biotrack import BioTrackDouble
from tests.support.units import new_uow
from tests.support.world import Store, add_package, add_product, build_store

TAG = "4157360000000025"  # 10 g in the vault
FLOOR_TAG = "4157360000000026"  # 5 g on the sales floor
VAULT_ROOM = 2
FLOOR_ROOM = 1  # the double's default room, "Sales Floor"
# Reservations sit on the sales floor at BioTrack: moving to them is not a room move.
ROOMS = {"Vault": VAULT_ROOM, "Sales Floor": FLOOR_ROOM, "Reserved Orders": FLOOR_ROOM}
TIMEOUT_SECONDS = 1.0


@dataclass
class BioTrackStore:
    store: Store
    bt: BioTrackDouble

    @property
    def location_id(self) -> int:
        return self.store.location_id

    def as_(self, role: Role) -> Principal:
        return self.store.users[role]

    def zone(self, kind: ZoneKind) -> int:
        return self.store.zone(kind)


# BioTrack states with purchase-limit rules to sell under (NM has none yet: it cannot sell).
ZONES = {"NM": "America/Denver", "IL": "America/Chicago"}


async def build_nm_store(
    bt: BioTrackDouble, *, state: str = "NM", **settings: Any
) -> BioTrackStore:
    """A store on BioTrack (NM unless ``state`` says otherwise; sales need IL) holding TAG and
    FLOOR_TAG, the double holding the same."""
    store = await build_store(
        "Desert Bloom", bt.license_number, state, ZONES[state], "biotrack", "bloom.test"
    )
    admin = store.users[Role.ADMIN]
    product_id, batch_id = await add_product(admin, "NM-FL-3.5")
    vault, floor = store.zone(ZoneKind.VAULT), store.zone(ZoneKind.SALES_FLOOR)
    await add_package(admin, store.location_id, TAG, product_id, batch_id, {vault: Decimal(10)})
    await add_package(
        admin, store.location_id, FLOOR_TAG, product_id, batch_id, {floor: Decimal(5)}
    )
    bt.state.add_room(bt.license_number, VAULT_ROOM, "Vault")
    bt.add_item(TAG, 10, uom="g", room=VAULT_ROOM, product_name="Blue Dream 3.5g")
    bt.add_item(FLOOR_TAG, 5, uom="g", room=FLOOR_ROOM, product_name="Blue Dream 3.5g")
    nm = BioTrackStore(store, bt)
    await configure(nm, **settings)
    return nm


async def configure(nm: BioTrackStore, **settings: Any) -> None:
    await connections.configure(
        new_uow(),
        nm.as_(Role.ADMIN),
        connections.ConfigureConnection(
            location_id=nm.location_id,
            base_url=nm.bt.url,
            credentials={"username": nm.bt.username, "password": nm.bt.password},
            settings={"rooms": ROOMS, "timeout_seconds": TIMEOUT_SECONDS, **settings},
        ),
    )


async def write_off(
    nm: BioTrackStore,
    grams: str,
    reason: AdjustmentReason = AdjustmentReason.DAMAGE,
    note: str | None = None,
) -> None:
    """Adjust TAG in the vault by ``grams`` (negative writes off, positive writes on)."""
    await stock.adjust_stock(
        new_uow(),
        nm.as_(Role.MANAGER),
        stock.AdjustStock(
            nm.location_id, TAG, nm.zone(ZoneKind.VAULT), Decimal(grams), reason, note=note
        ),
    )


async def transfer(
    nm: BioTrackStore, tag: str, source: ZoneKind, destination: ZoneKind, quantity: str
) -> None:
    await stock.transfer_stock(
        new_uow(),
        nm.as_(Role.MANAGER),
        stock.TransferStock(
            nm.location_id, tag, nm.zone(source), nm.zone(destination), Decimal(quantity)
        ),
    )


async def post(
    nm: BioTrackStore,
    kind: MovementKind,
    quantity: str,
    *,
    tag: str = FLOOR_TAG,
    source: ZoneKind | None = None,
    destination: ZoneKind | None = None,
    document: str | None = None,
    context: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    reason: AdjustmentReason | None = None,
) -> None:
    """A movement posted straight through the ledger (as the sales service will post sales)."""
    package = await lookup.package_by_tag(nm.location_id, tag)
    wanted = [nm.zone(k) for k in (source, destination) if k is not None]
    zones = await lookup.zones(nm.location_id, wanted)
    draft = ledger.Draft(
        package_id=package.id,
        kind=kind,
        quantity=Decimal(quantity),
        from_zone=zones[nm.zone(source)] if source else None,
        to_zone=zones[nm.zone(destination)] if destination else None,
        reason=reason,
        report_data=data or {},
    )
    posting = ledger.Posting(
        actor_id=nm.as_(Role.MANAGER).user_id,
        source_document=document,
        report_context=context or {},
    )
    uow = new_uow()
    async with uow:
        await ledger.post(uow, [draft], posting)


async def reports(nm: BioTrackStore) -> list[dict[str, Any]]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, kind, status, attempts, last_error, external_id, payload, state_ids,"
            " outcome_unknown, snapshot, occurred_at FROM state_report WHERE location = $1"
            " ORDER BY id",
            nm.location_id,
        )
    return [dict(r) for r in rows]


async def state_packages(nm: BioTrackStore) -> list[dict[str, Any]]:
    """Reconciliation's mirror of BioTrack's inventory for this store."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT tag, quantity, unit, status FROM state_package WHERE location = $1"
            " ORDER BY tag",
            nm.location_id,
        )
    return [dict(r) for r in rows]


async def drain(nm: BioTrackStore) -> sync.DrainResult:
    return await sync.drain(new_uow(), nm.location_id, owner="test")


async def make_due(nm: BioTrackStore) -> None:
    """Skip the backoff wait (tests do not sleep through it)."""
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE state_report SET next_attempt_at = now() WHERE location = $1",
            nm.location_id,
        )


async def sell(
    nm: BioTrackStore,
    quantity: str,
    unit_price: str = "15.00",
    *,
    receipt: str = "S-1",
    tag: str = FLOOR_TAG,
    discount: str = "0",
) -> service.Outcome:
    """A register sale of ``tag`` through the sales service (raises its refusals)."""
    line = sales.SaleLineInput(tag, Decimal(quantity), Decimal(unit_price), Decimal(discount))
    return await sales.record_sale(
        new_uow(),
        nm.as_(Role.BUDTENDER),
        sales.RecordSale(
            location_id=nm.location_id,
            register="R1",
            pos_receipt_id=receipt,
            customer_type=CustomerType.ADULT_USE,
            customer_key="cust-1",
            lines=[line],
        ),
    )


async def give_back(
    nm: BioTrackStore, quantity: str, *, receipt: str = "S-1", tag: str = FLOOR_TAG
) -> None:
    """The customer returns ``quantity`` of ``tag`` from ``receipt`` (returnSale)."""
    await voids.return_sale(
        new_uow(),
        nm.as_(Role.BUDTENDER),
        voids.ReturnSale(
            nm.location_id,
            "R1",
            receipt,
            [voids.ReturnLine(tag, Decimal(quantity))],
            "sealed, unopened",
            idempotency_key=f"return-{receipt}-{quantity}",
        ),
    )


async def void(nm: BioTrackStore, *, receipt: str = "S-1") -> None:
    await voids.void_sale(
        new_uow(),
        nm.as_(Role.BUDTENDER),
        voids.VoidSale(nm.location_id, "R1", receipt, "rang up twice"),
    )


async def counts(nm: BioTrackStore) -> dict[str, Any]:
    """What our books hold for this store: what a refused sale or return must not change."""
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM sale WHERE location = $1) AS sales,"
            " (SELECT count(*) FROM state_report WHERE location = $1) AS reports,"
            " (SELECT count(*) FROM movement WHERE location = $1) AS movements,"
            " (SELECT coalesce(sum(returned_quantity), 0) FROM sale_line l JOIN sale s"
            "  ON s.id = l.sale WHERE s.location = $1) AS returned",
            nm.location_id,
        )
    return dict(row)


def as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def outbound(row: dict[str, Any]) -> OutboundReport:
    """A report row as the sync engine hands it to a client."""
    return OutboundReport(
        id=row["id"],
        kind=ReportKind(row["kind"]),
        external_id=row["external_id"],
        occurred_at=row["occurred_at"],
        timezone="America/Denver",
        payload=as_json(row["payload"]),
        attempts=row["attempts"],
    )


@asynccontextmanager
async def client_for(nm: BioTrackStore) -> AsyncIterator[Any]:
    """The licence's client, connected as the sync engine connects it."""
    target = await connections.load(registry.current(), nm.location_id)
    assert target is not None
    assert target.system.connect is not None
    client = target.system.connect(target.connection)
    try:
        yield client
    finally:
        await client.close()


def assert_clean(bt: BioTrackDouble) -> None:
    """Nothing BioTrack would call malformed, and nothing it had to tolerate."""
    assert bt.log.invalid() == []
    assert bt.log.notes() == []
