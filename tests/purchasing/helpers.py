"""A vendor, its products and purchase orders for the purchasing tests, made through the
services (as a store's staff would)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain import db
from domain.purchasing import orders, vendors
from domain.receiving import completion, sessions, shipments
from domain.receiving.model import Answer, Decision
from domain.roles import Role
from tests.support.units import new_uow
from tests.support.world import World, add_product

_serial = iter(range(1, 1_000_000))


async def vendor(world: World, name: str = "Emerald Farms", lead_days: int = 5, **extra) -> int:
    outcome = await vendors.create_vendor(
        new_uow(),
        world.as_(Role.MANAGER),
        vendors.CreateVendor(
            vendors.VendorFields(
                name=name,
                license_number=f"CDPH-{name[:3].upper()}-1",
                contact_email="orders@emerald.test",
                order_weekdays=(0, 3),
                default_lead_time_days=lead_days,
                payment_terms="Net 30",
                **extra,
            )
        ),
    )
    return outcome.value.vendor_id


async def carries(
    world: World,
    vendor_id: int,
    product_id: int,
    *,
    case_pack: str = "12",
    minimum: str = "24",
    cost: str | None = "4.2500",
    preferred: bool = False,
) -> None:
    await vendors.set_vendor_product(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        vendors.SetVendorProduct(
            vendor_id,
            product_id,
            case_pack=Decimal(case_pack),
            minimum_order=Decimal(minimum),
            last_cost=None if cost is None else Decimal(cost),
            vendor_sku=f"V-{product_id}",
            preferred=preferred,
        ),
    )


async def product(world: World, sku: str) -> int:
    product_id, _ = await add_product(world.as_(Role.ADMIN), sku)
    return product_id


async def draft(world: World, vendor_id: int, lines: dict[int, str]) -> int:
    outcome = await orders.draft_purchase_order(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        orders.DraftPurchaseOrder(
            world.ca.location_id,
            vendor_id,
            [orders.OrderLine(p, Decimal(q)) for p, q in lines.items()],
        ),
    )
    return outcome.value.purchase_order_id


async def sent(world: World, vendor_id: int, lines: dict[int, str]) -> int:
    """A drafted, approved and sent order."""
    order_id = await draft(world, vendor_id, lines)
    await orders.approve_purchase_order(
        new_uow(), world.as_(Role.MANAGER), orders.ChangePurchaseOrder(order_id)
    )
    await orders.send_purchase_order(
        new_uow(), world.as_(Role.INVENTORY_LEAD), orders.ChangePurchaseOrder(order_id)
    )
    return order_id


async def status(order_id: int) -> str:
    async with db.connection() as conn:
        return await conn.fetchval("SELECT status FROM purchase_order WHERE id = $1", order_id)


# One package on the manifest: (product id, shipped, decision, received).
Delivered = tuple[int, str, Decision, str | None]


async def receive(world: World, order_id: int | None, packages: list[Delivered]) -> int:
    """A manifest entered at the dock against ``order_id``, scanned and completed."""
    lead = world.as_(Role.INVENTORY_LEAD)
    serial = next(_serial)
    tags = [f"1A4FF0100000077{serial:04d}{i:05d}" for i in range(len(packages))]
    created = await shipments.create_shipment(
        new_uow(),
        lead,
        shipments.CreateShipment(
            location_id=world.ca.location_id,
            manifest_number=f"PO-M-{serial}",
            packages=[
                shipments.ManifestPackage(
                    tag,
                    f"Item {product_id}",
                    Decimal(shipped),
                    "grams",
                    lab_state="TestPassed",
                    product_id=product_id,
                )
                for tag, (product_id, shipped, _, _) in zip(tags, packages, strict=True)
            ],
            shipper_name="Emerald Farms Distribution",
            purchase_order_id=order_id,
        ),
    )
    shipment_id = created.value.shipment_id
    session = await sessions.start_receiving(
        new_uow(), lead, sessions.StartReceiving(shipment_id, driver_name="R. Diaz")
    )
    session_id = session.value.session_id
    for item in await sessions.checklist_for(world.ca.location_id):
        await sessions.answer_checklist(
            new_uow(), lead, sessions.AnswerChecklist(session_id, item.key, Answer.YES)
        )
    for tag, (_, _, decision, received) in zip(tags, packages, strict=True):
        await sessions.scan_package(
            new_uow(),
            lead,
            sessions.ScanPackage(
                session_id,
                tag,
                decision,
                received_quantity=None if received is None else Decimal(received),
                reason=None if decision == Decision.ACCEPT else "short or damaged",
            ),
        )
    await completion.complete_receiving(new_uow(), lead, completion.CompleteReceiving(session_id))
    return shipment_id


async def backdate(order_id: int, sent_days_ago: float, received_days_ago: float) -> None:
    """Move an order's sending and first receipt into the past (a lead-time history)."""
    now = datetime.now(UTC)
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE purchase_order SET sent_at = $2, first_received_at = $3 WHERE id = $1",
            order_id,
            now - timedelta(days=sent_days_ago),
            now - timedelta(days=received_days_ago),
        )
