"""A store's day as an inspector would ask about it, and reading its audit packet back."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from domain import db
from domain.inventory import stock
from domain.inventory.model import AdjustmentReason
from domain.organisation.model import ZoneKind
from domain.packet import build, services
from domain.receiving import completion, sessions, shipments
from domain.receiving.model import Answer, Decision
from domain.roles import Role
from domain.sales import sales, voids
from tests.destruction.helpers import CA, carry_out, schedule, signoff
from tests.sales.helpers import floor_package, sale
from tests.support.units import job_ctx, new_uow
from tests.support.world import add_product

RECEIVED = "1A4FF0100000055000000001"
REJECTED = "1A4FF0100000055000000002"


@dataclass
class Day:
    floor_tag: str
    received_tag: str


async def a_day_of_trade(world) -> Day:
    """Sales, a void, a return, write-offs and a write-on, a destruction, a delivery with one
    package rejected: everything a packet reports, through the real services."""
    ca, lead = world.ca, world.as_(Role.INVENTORY_LEAD)
    budtender = world.as_(Role.BUDTENDER)
    floor_tag, _ = await floor_package(world, "20")
    await sales.record_sale(new_uow(), budtender, sale(world, (floor_tag, "3"), receipt="P-1"))
    await sales.record_sale(new_uow(), budtender, sale(world, (floor_tag, "2"), receipt="P-2"))
    await voids.void_sale(
        new_uow(), budtender, voids.VoidSale(ca.location_id, "R1", "P-2", "rang up twice")
    )
    await sales.record_sale(new_uow(), budtender, sale(world, (floor_tag, "4"), receipt="P-3"))
    await voids.return_sale(
        new_uow(),
        budtender,
        voids.ReturnSale(
            ca.location_id, "R1", "P-3", [voids.ReturnLine(floor_tag, Decimal("1.5"))], "seal", "r"
        ),
    )
    for tag, zone, qty, reason in (
        (world.tag, ZoneKind.VAULT, "-1", AdjustmentReason.DAMAGE),
        (world.tag, ZoneKind.VAULT, "0.5", AdjustmentReason.ENTRY_ERROR),
        (floor_tag, ZoneKind.SALES_FLOOR, "-0.25", AdjustmentReason.SAMPLE),
    ):
        await stock.adjust_stock(
            new_uow(),
            lead,
            stock.AdjustStock(
                ca.location_id, tag, ca.zone(zone), Decimal(qty), reason, note="found at count"
            ),
        )
    destruction_id = await schedule(ca, world.tag, "2", reason=AdjustmentReason.EXPIRED)
    await carry_out(ca, destruction_id, [signoff(CA, Role.MANAGER)])
    await _delivery(world)
    return Day(floor_tag, RECEIVED)


async def _delivery(world) -> None:
    ca, lead = world.ca, world.as_(Role.INVENTORY_LEAD)
    product_id, _ = await add_product(lead, "FL-DELIVERED")
    created = await shipments.create_shipment(
        new_uow(),
        lead,
        shipments.CreateShipment(
            ca.location_id,
            "M-0001",
            [
                shipments.ManifestPackage(
                    tag, "Delivered flower", Decimal(50), "grams", "B-1", "TestPassed", product_id
                )
                for tag in (RECEIVED, REJECTED)
            ],
            shipper_name="Coastal Farms",
            shipper_license="CDPH-1001",
        ),
    )
    session = await sessions.start_receiving(
        new_uow(), lead, sessions.StartReceiving(created.value.shipment_id, driver_name="Dee")
    )
    session_id = session.value.session_id
    for item in await sessions.checklist_for(ca.location_id):
        await sessions.answer_checklist(
            new_uow(), lead, sessions.AnswerChecklist(session_id, item.key, Answer.YES)
        )
    await sessions.scan_package(
        new_uow(),
        lead,
        sessions.ScanPackage(
            session_id, RECEIVED, Decision.PARTIAL, received_quantity=Decimal(48), reason="48 g"
        ),
    )
    await sessions.scan_package(
        new_uow(),
        lead,
        sessions.ScanPackage(session_id, REJECTED, Decision.REJECT, reason="mould"),
    )
    await completion.complete_receiving(new_uow(), lead, completion.CompleteReceiving(session_id))


async def request(world, first: date, last: date, role: Role = Role.COMPLIANCE) -> int:
    outcome = await services.request_audit_packet(
        new_uow(),
        world.as_(role),
        services.RequestAuditPacket(world.ca.location_id, first, last),
    )
    return outcome.value.packet_id


async def built(packet_id: int) -> build.Built:
    return await build.build(job_ctx()["units"], packet_id)


def store_today() -> date:
    """Today at the world's CA store (Los Angeles can trail the UTC date by a day)."""
    return datetime.now(UTC).astimezone(ZoneInfo("America/Los_Angeles")).date()


class Packet:
    """A finished packet's ZIP, read as an inspector would: CSVs as dicts, the PDF's text."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with zipfile.ZipFile(path) as archive:
            self.names = archive.namelist()
            self.files = {name: archive.read(name) for name in self.names}

    def rows(self, name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.files[f"{name}.csv"].decode())))

    def pdf_text(self) -> str:
        import pypdfium2

        document = pypdfium2.PdfDocument(self.files["summary.pdf"])
        try:
            return "\n".join(page.get_textpage().get_text_range() for page in document)
        finally:
            document.close()


async def packet_count() -> int:
    async with db.connection() as conn:
        return await conn.fetchval("SELECT count(*) FROM audit_packet")
