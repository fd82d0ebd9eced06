"""Where shipments come from: the state's manifests, a person at the dock, or a CSV manifest."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from domain import db, events, service
from domain.compliance import connections
from domain.errors import DomainError, StateSystemUnavailable, ValidationError
from domain.identity.principal import Principal
from domain.purchasing import receipts
from domain.quantities import Unit, parse_quantity
from domain.roles import Capability
from domain.rows import returned
from domain.text import has_nul, storable
from domain.unit_of_work import UnitOfWork
from plugins.base import IncomingTransfer, ResultStatus, StateCapability

PULL_DAYS = 7


@dataclass(frozen=True)
class ManifestPackage:
    tag: str
    item_name: str
    shipped_quantity: Decimal
    unit: str
    batch_number: str | None = None
    lab_state: str | None = None
    product_id: int | None = None
    unit_cost: Decimal | None = None


@dataclass(frozen=True)
class CreateShipment:
    location_id: int
    manifest_number: str
    packages: list[ManifestPackage]
    shipper_license: str | None = None
    shipper_name: str | None = None
    transporter: str | None = None
    driver_name: str | None = None
    estimated_arrival: datetime | None = None
    purchase_order_id: int | None = None
    source: str = "manual"
    state_transfer_id: str | None = None
    state_delivery_id: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ShipmentCreated:
    shipment_id: int
    packages: int = 0
    unmapped: list[str] = field(default_factory=list)


MAX_UNIT_COST = Decimal(1_000_000)


def _check_unit_cost(value: object, field: str) -> None:
    """What we paid per unit (4 places, as products keep it): a NaN or negative cost would land
    in the package's cost at completion and in every valuation after."""
    try:
        cost = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(field, "is not a number") from None
    exponent = cost.normalize().as_tuple().exponent if cost.is_finite() else 0
    if (
        not cost.is_finite()
        or not 0 <= cost <= MAX_UNIT_COST
        or (isinstance(exponent, int) and exponent < -4)
    ):
        raise ValidationError(field, f"must be between 0 and {MAX_UNIT_COST} with at most 4 places")


def _check(cmd: CreateShipment) -> None:
    if not cmd.manifest_number.strip() or len(cmd.manifest_number) > 64:
        raise ValidationError("manifestNumber", "must be 1 to 64 characters")
    if not cmd.packages or len(cmd.packages) > 5000:
        raise ValidationError("packages", "1 to 5000 packages")
    tags = [p.tag.strip() for p in cmd.packages]
    if len(set(tags)) != len(tags):
        raise ValidationError("packages", "a tag appears twice on the manifest")
    for i, p in enumerate(cmd.packages):
        parse_quantity(p.shipped_quantity, field=f"packages[{i}].shippedQuantity")
        if p.unit_cost is not None:
            _check_unit_cost(p.unit_cost, f"packages[{i}].unitCost")
        if p.unit not in set(Unit):
            raise ValidationError(f"packages[{i}].unit", "grams, milligrams or each")


async def create_shipment(
    uow: UnitOfWork, principal: Principal, cmd: CreateShipment
) -> service.Outcome:
    """Record an expected shipment entered by hand (states without an API) or from a CSV."""
    principal.require(Capability.MOVE_VAULT_STOCK, cmd.location_id)
    _check(cmd)

    async def work(uow: UnitOfWork) -> ShipmentCreated:
        return await _insert(uow, principal.operator_id, cmd)

    return await service.run(uow, principal, "createShipment", cmd, work, ShipmentCreated)


async def _insert(uow: UnitOfWork, operator_id: int, cmd: CreateShipment) -> ShipmentCreated:
    conn = uow.conn
    purchase_order_id = cmd.purchase_order_id
    if purchase_order_id is not None:
        await receipts.check_link(conn, cmd.location_id, purchase_order_id)
    elif cmd.source == "state":
        purchase_order_id = await receipts.matching_order(
            conn, cmd.location_id, cmd.shipper_license
        )
    shipment_id = await conn.fetchval(
        "INSERT INTO shipment (location, source, manifest_number, shipper_license,"
        " shipper_name, transporter, driver_name, estimated_arrival, purchase_order,"
        " state_transfer_id, state_delivery_id, status, created_at) VALUES ($1, $2, $3, $4,"
        " $5, $6, $7, $8, $9, $10, $11, 'expected', now())"
        " ON CONFLICT (location, manifest_number) DO NOTHING RETURNING id",
        cmd.location_id,
        cmd.source,
        cmd.manifest_number.strip(),
        cmd.shipper_license,
        cmd.shipper_name,
        cmd.transporter,
        cmd.driver_name,
        cmd.estimated_arrival,
        purchase_order_id,
        cmd.state_transfer_id,
        cmd.state_delivery_id,
    )
    if shipment_id is None:
        raise ValidationError("manifestNumber", "this manifest is already recorded here")
    products = await _products_by_name(conn, operator_id, [p.item_name for p in cmd.packages])
    await conn.executemany(
        "INSERT INTO shipment_package (shipment, tag, item_name, product, batch_number,"
        " shipped_quantity, unit, lab_state, unit_cost, location) VALUES ($1, $2, $3, $4, $5,"
        " $6, $7, $8, $9, $10)",
        [
            (
                shipment_id,
                p.tag.strip(),
                p.item_name,
                p.product_id or products.get(p.item_name.lower()),
                p.batch_number,
                parse_quantity(p.shipped_quantity),
                p.unit,
                p.lab_state,
                p.unit_cost,
                cmd.location_id,
            )
            for p in cmd.packages
        ],
    )
    uow.record(events.ShipmentUpdated(location_id=cmd.location_id, shipment_id=shipment_id))
    unmapped = [
        p.tag for p in cmd.packages if not (p.product_id or products.get(p.item_name.lower()))
    ]
    return ShipmentCreated(shipment_id, len(cmd.packages), unmapped)


async def _products_by_name(conn, operator_id: int, names: list[str]) -> dict[str, int]:
    """Manifest items matched to our catalogue by name (case-insensitive); others are mapped at
    the dock when scanned."""
    rows = await conn.fetch(
        "SELECT id, lower(name) AS name FROM product WHERE operator = $1"
        " AND lower(name) = ANY($2::text[]) AND active ORDER BY id",
        operator_id,
        sorted({n.lower() for n in names}),
    )
    return {r["name"]: r["id"] for r in rows}


CSV_COLUMNS = ("tag", "item_name", "shipped_quantity", "unit")


def parse_csv_manifest(text: str) -> list[ManifestPackage]:
    """A CSV manifest: a header with at least tag,item_name,shipped_quantity,unit (optional
    batch_number, lab_state, unit_cost), one package per row."""
    # newline="" lets the csv module see quoted line breaks and bare carriage returns itself.
    reader = csv.DictReader(io.StringIO(text.strip(), newline=""))
    try:
        header = [h.strip().lower() for h in reader.fieldnames or []]
        rows = list(reader)
    except csv.Error as exc:
        raise ValidationError("csv", f"line {reader.line_num}: {exc}") from None
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ValidationError("csv", f"missing columns: {', '.join(missing)}")
    packages = []
    for number, raw in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        try:
            packages.append(
                ManifestPackage(
                    tag=row["tag"],
                    item_name=row["item_name"],
                    shipped_quantity=parse_quantity(row["shipped_quantity"]),
                    unit=row["unit"].lower(),
                    batch_number=row.get("batch_number") or None,
                    lab_state=row.get("lab_state") or None,
                    unit_cost=Decimal(row["unit_cost"]) if row.get("unit_cost") else None,
                )
            )
        except Exception as exc:
            raise ValidationError("csv", f"line {number}: {exc}") from None
    return packages


@dataclass(frozen=True)
class SkippedManifest:
    """A state manifest the pull could not import as it is, and why (the others were)."""

    manifest_number: str | None
    reason: str


@dataclass(frozen=True)
class PullResult:
    created: int = 0
    skipped: list[SkippedManifest] = field(default_factory=list)


async def pull_incoming_for(uow: UnitOfWork, principal: Principal, location_id: int) -> PullResult:
    """On demand from the dock: fetch the state's manifests now rather than at the next poll."""
    principal.require(Capability.MOVE_VAULT_STOCK, location_id)
    return await pull_manifests(uow, location_id)


async def pull_incoming(uow: UnitOfWork, location_id: int, days: int = PULL_DAYS) -> int:
    """The scheduled pull: how many manifests became expected shipments."""
    return (await pull_manifests(uow, location_id, days)).created


async def pull_manifests(uow: UnitOfWork, location_id: int, days: int = PULL_DAYS) -> PullResult:
    """Bring the state's incoming manifests for a licence in as expected shipments (a job;
    safe to run twice: a manifest already here is left as it is).

    One manifest the state sent unreadable (a null id, a package without a positive quantity)
    must not keep the others from the dock: it is skipped, named in the result and in a
    compliance alert, and tried again at the next pull. When the state's list of manifests
    cannot be had at all, nothing is imported: ``StateSystemUnavailable``."""
    target = await connections.load(uow.registry, location_id)
    if (
        target is None
        or target.system.connect is None
        or StateCapability.PULL_INCOMING_TRANSFERS not in target.system.capabilities
    ):
        return PullResult()
    client = target.system.connect(target.connection)
    try:
        transfers = await client.incoming_transfers(datetime.now(UTC) - timedelta(days=days))
    except Exception as exc:
        if not isinstance(getattr(exc, "status", None), ResultStatus):
            raise  # not the state's answer: our bug, logged as such
        raise StateSystemUnavailable(target.system.name, str(exc)) from None
    finally:
        await client.close()
    async with db.connection() as conn:
        operator_id = returned(
            await conn.fetchval("SELECT operator FROM location WHERE id = $1", location_id),
            "location",
        )
    result = PullResult()
    created = 0
    for transfer in transfers:
        nul_problem = _nul_problem(transfer)
        if nul_problem:  # PostgreSQL text cannot hold it: not even looked up
            transfer = replace(
                transfer,
                manifest_number=storable(transfer.manifest_number),
                problem=nul_problem,
            )
        elif transfer.manifest_number and await _known(location_id, transfer):
            continue
        try:
            if transfer.problem:
                raise ValidationError("manifest", storable(transfer.problem))
            command = _from_state(location_id, transfer)
            _check(command)
            async with uow:  # one transaction per manifest
                await _insert(uow, operator_id, command)
        except DomainError as exc:
            result.skipped.append(SkippedManifest(transfer.manifest_number or None, exc.message))
            continue
        created += 1
    if result.skipped:
        await _alert_skipped(uow, location_id, result.skipped)
    return PullResult(created, result.skipped)


def _nul_problem(t: IncomingTransfer) -> str | None:
    """Why a manifest cannot be stored because the state's text holds a NUL character."""
    fields = [
        ("manifest number", t.manifest_number),
        ("transfer id", t.transfer_id),
        ("delivery id", t.delivery_id),
        ("shipper licence", t.shipper_license),
        ("shipper name", t.shipper_name),
        ("transporter", t.transporter),
        ("driver name", t.driver_name),
    ]
    for p in t.packages:
        fields += [
            ("package label", p.tag),
            ("item name", p.item_name),
            ("lab state", p.lab_state),
            ("batch number", p.batch_number),
        ]
    named = sorted({name for name, value in fields if has_nul(value)})
    return f"the state sent a NUL character in its {', '.join(named)}" if named else None


async def _alert_skipped(uow: UnitOfWork, location_id: int, skipped: list[SkippedManifest]) -> None:
    named = "; ".join(f"{s.manifest_number or 'no number'}: {s.reason}" for s in skipped)
    async with uow:
        uow.record(
            events.ComplianceAlertRaised(
                location_id=location_id,
                kind=events.AlertKind.MANIFESTS_SKIPPED,
                count=len(skipped),
                message=f"{len(skipped)} state manifests could not be imported ({named})",
            )
        )


async def _known(location_id: int, transfer: IncomingTransfer) -> bool:
    async with db.connection() as conn:
        return bool(
            await conn.fetchval(
                "SELECT 1 FROM shipment WHERE location = $1 AND manifest_number = $2",
                location_id,
                transfer.manifest_number,
            )
        )


def _from_state(location_id: int, t: IncomingTransfer) -> CreateShipment:
    return CreateShipment(
        location_id=location_id,
        manifest_number=t.manifest_number,
        packages=[
            ManifestPackage(
                p.tag, p.item_name, p.shipped_quantity, p.unit, p.batch_number, p.lab_state
            )
            for p in t.packages
        ],
        shipper_license=t.shipper_license,
        shipper_name=t.shipper_name,
        transporter=t.transporter,
        driver_name=t.driver_name,
        estimated_arrival=t.estimated_arrival,
        source="state",
        state_transfer_id=t.transfer_id,
        state_delivery_id=t.delivery_id,
    )
