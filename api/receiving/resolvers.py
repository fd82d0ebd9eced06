"""Receiving over GraphQL: shipments, the dock session, the scorecard and live updates."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry

from api.context import Info
from api.errors import CommonError, NotFound, ReceivingError, StateSystemUnavailable, not_found
from api.live.feeds import Feed
from api.mutation import mutate
from api.pagination import Connection, connection, decode_cursor, parse_id, query_id
from api.receiving.types import ChecklistItem, Shipment, VendorScore
from domain.errors import NotFound as NotFoundError
from domain.events import ShipmentUpdated
from domain.receiving import completion, queries, sessions, shipments
from domain.receiving.model import Answer, Decision
from domain.service import Outcome

# The domain enums themselves, registered with strawberry (see api/enums.py).
DecisionEnum = Decision
AnswerEnum = Answer
strawberry.enum(DecisionEnum)
strawberry.enum(AnswerEnum)


@strawberry.input
class ManifestPackageInput:
    tag: str
    item_name: str
    shipped_quantity: Decimal
    unit: str = strawberry.field(description="grams, milligrams or each")
    batch_number: str | None = None
    lab_state: str | None = strawberry.field(
        default=None, description="e.g. TestPassed, TestFailed, NotSubmitted"
    )
    product_id: strawberry.ID | None = None
    unit_cost: Decimal | None = None


@strawberry.input(description="A shipment entered at the dock (states without a manifest API).")
class CreateShipmentInput:
    location_id: strawberry.ID
    manifest_number: str
    packages: list[ManifestPackageInput] = strawberry.field(default_factory=list)
    csv: str | None = strawberry.field(
        default=None,
        description="Instead of packages: a CSV manifest with columns tag,item_name,"
        "shipped_quantity,unit (optional batch_number,lab_state,unit_cost).",
    )
    shipper_license: str | None = None
    shipper_name: str | None = None
    transporter: str | None = None
    driver_name: str | None = None
    idempotency_key: str | None = None
    purchase_order_id: strawberry.ID | None = strawberry.field(
        default=None, description="The sent purchase order this shipment delivers."
    )


@strawberry.input
class StartReceivingInput:
    shipment_id: strawberry.ID
    arrived_at: datetime | None = None
    transporter: str | None = None
    driver_name: str | None = None
    driver_license: str | None = None
    vehicle: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class AnswerChecklistInput:
    session_id: strawberry.ID
    key: str
    answer: AnswerEnum
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class ScanPackageInput:
    session_id: strawberry.ID
    tag: str
    decision: DecisionEnum
    received_quantity: Decimal | None = strawberry.field(
        default=None, description="partial: how much is accepted"
    )
    measured_quantity: Decimal | None = strawberry.field(
        default=None, description="the re-weighed quantity (checked against tolerance)"
    )
    reason: str | None = None
    override_reason: str | None = strawberry.field(
        default=None, description="a manager's reason to accept a weight outside tolerance"
    )
    product_id: strawberry.ID | None = strawberry.field(
        default=None, description="our product for this manifest item, if not matched by name"
    )
    certificate_reference: str | None = None
    expires_on: date | None = None
    idempotency_key: str | None = None


@strawberry.input
class CompleteReceivingInput:
    session_id: strawberry.ID
    vault_zone_id: strawberry.ID | None = None
    quarantine_zone_id: strawberry.ID | None = None
    signed_off_by: strawberry.ID | None = strawberry.field(
        default=None, description="the second person, where the location requires one"
    )
    idempotency_key: str | None = None


@strawberry.type
class ShipmentPayload:
    shipment: Shipment
    replayed: bool


@strawberry.type
class ScanPayload:
    tag: str
    decision: str
    received_quantity: Decimal
    destination: str = strawberry.field(description="vault, quarantine or none (rejected).")
    replayed: bool
    session_id: strawberry.Private[int]

    @strawberry.field(description="The whole shipment as it stands (only loaded when asked).")
    async def shipment(self) -> Shipment:
        shipment_id = await queries.session_shipment(self.session_id)
        shipment = None if shipment_id is None else await _shipment(shipment_id)
        if shipment is None:
            raise NotFoundError("receiving session", str(self.session_id))
        return shipment


@strawberry.type(description="A state manifest the pull could not import, and why.")
class SkippedManifest:
    manifest_number: str | None
    reason: str


@strawberry.type
class ShipmentCount:
    created: int
    skipped: list[SkippedManifest] = strawberry.field(
        description="Manifests the state sent that could not be imported as they are (the"
        " others were); they are tried again at the next pull."
    )


ShipmentResult = Annotated[ShipmentPayload | ReceivingError, strawberry.union("ShipmentResult")]
PullShipmentsResult = Annotated[
    ShipmentCount | StateSystemUnavailable | CommonError, strawberry.union("PullShipmentsResult")
]
ScanResult = Annotated[ScanPayload | ReceivingError, strawberry.union("ScanResult")]


def _optional(value: strawberry.ID | None, entity: str) -> int | None:
    return None if value is None else parse_id(value, entity)


async def _shipment(shipment_id: int) -> Shipment | None:
    row = await queries.shipment(shipment_id)
    return None if row is None else Shipment.from_domain(row)


@strawberry.type
class ReceivingQueries:
    @strawberry.field(description="Inbound shipments at a location, newest first.")
    async def shipments(
        self,
        info: Info,
        location_id: strawberry.ID,
        status: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Shipment]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        page = await queries.shipments_page(loc, status, first, decode_cursor(after))
        return connection(page, Shipment.from_domain)

    @strawberry.field(description="The checklist the dock answers at this location.")
    async def receiving_checklist(
        self, info: Info, location_id: strawberry.ID
    ) -> list[ChecklistItem]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        return [ChecklistItem.from_domain(i) for i in await sessions.checklist_for(loc)]

    @strawberry.field(description="Short, rejected and over-tolerance deliveries per vendor.")
    async def vendor_scorecard(
        self, info: Info, location_id: strawberry.ID, since: datetime, until: datetime
    ) -> list[VendorScore]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        rows = await queries.vendor_scorecard(loc, since, until)
        return [VendorScore.from_domain(r) for r in rows]


@strawberry.type
class ReceivingMutations:
    @strawberry.mutation(description="Record an expected shipment by hand or from a CSV manifest.")
    async def create_shipment(self, info: Info, input: CreateShipmentInput) -> ShipmentResult:
        def command() -> shipments.CreateShipment:
            packages = (
                shipments.parse_csv_manifest(input.csv)
                if input.csv
                else [
                    shipments.ManifestPackage(
                        p.tag,
                        p.item_name,
                        p.shipped_quantity,
                        p.unit,
                        p.batch_number,
                        p.lab_state,
                        _optional(p.product_id, "product"),
                        p.unit_cost,
                    )
                    for p in input.packages
                ]
            )
            return shipments.CreateShipment(
                location_id=parse_id(input.location_id, "location"),
                manifest_number=input.manifest_number,
                packages=packages,
                shipper_license=input.shipper_license,
                shipper_name=input.shipper_name,
                transporter=input.transporter,
                driver_name=input.driver_name,
                source="csv" if input.csv else "manual",
                idempotency_key=input.idempotency_key,
                purchase_order_id=_optional(input.purchase_order_id, "purchase order"),
            )

        return await mutate(info, shipments.create_shipment, command, _payload)

    @strawberry.mutation(description="Open the dock session for a shipment.")
    async def start_receiving(self, info: Info, input: StartReceivingInput) -> ShipmentResult:
        return await mutate(
            info,
            sessions.start_receiving,
            lambda: sessions.StartReceiving(
                parse_id(input.shipment_id, "shipment"),
                input.arrived_at,
                input.transporter,
                input.driver_name,
                input.driver_license,
                input.vehicle,
                input.idempotency_key,
            ),
            _payload,
        )

    @strawberry.mutation(description="Answer one checklist item (who and when are recorded).")
    async def answer_checklist(self, info: Info, input: AnswerChecklistInput) -> ShipmentResult:
        return await mutate(
            info,
            sessions.answer_checklist,
            lambda: sessions.AnswerChecklist(
                parse_id(input.session_id, "receiving session"),
                input.key,
                input.answer,
                input.note,
                input.idempotency_key,
            ),
            _payload,
        )

    @strawberry.mutation(description="Accept, partially accept or reject one scanned package.")
    async def scan_package(self, info: Info, input: ScanPackageInput) -> ScanResult:
        async def present(outcome: Outcome) -> ScanPayload:
            v = outcome.value
            return ScanPayload(
                tag=v.tag,
                decision=v.decision,
                received_quantity=Decimal(v.received_quantity),
                destination=v.destination,
                replayed=outcome.replayed,
                session_id=v.session_id,
            )

        return await mutate(
            info,
            sessions.scan_package,
            lambda: sessions.ScanPackage(
                session_id=parse_id(input.session_id, "receiving session"),
                tag=input.tag,
                decision=input.decision,
                received_quantity=input.received_quantity,
                measured_quantity=input.measured_quantity,
                reason=input.reason,
                override_reason=input.override_reason,
                product_id=_optional(input.product_id, "product"),
                certificate_reference=input.certificate_reference,
                expires_on=input.expires_on,
                idempotency_key=input.idempotency_key,
            ),
            present,
        )

    @strawberry.mutation(description="Put accepted packages into stock and close the shipment.")
    async def complete_receiving(self, info: Info, input: CompleteReceivingInput) -> ShipmentResult:
        return await mutate(
            info,
            completion.complete_receiving,
            lambda: completion.CompleteReceiving(
                parse_id(input.session_id, "receiving session"),
                _optional(input.vault_zone_id, "zone"),
                _optional(input.quarantine_zone_id, "zone"),
                _optional(input.signed_off_by, "user"),
                input.idempotency_key,
            ),
            _payload,
        )

    @strawberry.mutation(description="Fetch the state's incoming manifests for a licence now.")
    async def pull_incoming_shipments(
        self, info: Info, location_id: strawberry.ID
    ) -> PullShipmentsResult:
        def present(pulled: shipments.PullResult) -> ShipmentCount:
            return ShipmentCount(
                created=pulled.created,
                skipped=[
                    SkippedManifest(manifest_number=s.manifest_number, reason=s.reason)
                    for s in pulled.skipped
                ],
            )

        return await mutate(
            info,
            shipments.pull_incoming_for,
            lambda: parse_id(location_id, "location"),
            present,
        )


async def _payload(outcome: Outcome) -> ShipmentPayload | NotFound:
    shipment = await _shipment(outcome.value.shipment_id)
    if shipment is None:
        return not_found("shipment", outcome.value.shipment_id)
    return ShipmentPayload(shipment=shipment, replayed=outcome.replayed)


@strawberry.type(description="A shipment at the dock changed: re-read it.")
class ReceivingUpdate:
    shipment_id: strawberry.ID


SHIPMENTS = Feed(ShipmentUpdated)


@strawberry.type
class ReceivingSubscriptions:
    @strawberry.subscription(description="Scans, answers and completions, for tablet and office.")
    async def receiving_updated(
        self, info: Info, location_id: strawberry.ID
    ) -> AsyncGenerator[ReceivingUpdate, None]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        async with info.context.broadcaster.listen(loc) as queue:
            while True:
                _, event = await SHIPMENTS.next(queue)
                yield ReceivingUpdate(shipment_id=strawberry.ID(str(event.shipment_id)))
