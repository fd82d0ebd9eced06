"""A small, realistic store for tests: built through the domain services themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from domain import db
from domain.catalog import services as catalog
from domain.catalog.model import Category, LabStatus
from domain.identity import services as identity
from domain.identity.principal import Principal
from domain.identity.tokens import TokenClaims, TokenCodec
from domain.inventory import packages
from domain.organisation import services as organisation
from domain.organisation.model import ZoneKind
from domain.quantities import Unit
from domain.roles import Role
from plugins import registry
from tests.support.units import new_uow

PASSWORD = "correct-horse-battery"
TAG = "1A4FF0100000022000000123"
OTHER_TAG = "1A4FF0100000022000000999"
CODEC = TokenCodec("test-secret-key-not-for-production", 3600)


@dataclass
class Store:
    operator_id: int
    location_id: int
    zones: dict[ZoneKind, int]
    users: dict[Role, Principal] = field(default_factory=dict)

    def zone(self, kind: ZoneKind) -> int:
        return self.zones[kind]

    def token(self, role: Role) -> str:
        p = self.users[role]
        return CODEC.issue(TokenClaims(p.user_id, 0))


@dataclass
class World:
    ca: Store
    co: Store
    product_id: int
    batch_id: int
    package_id: int
    tag: str = TAG

    def as_(self, role: Role) -> Principal:
        return self.ca.users[role]


async def _zones(location_id: int) -> dict[ZoneKind, int]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, kind FROM zone WHERE location = $1 ORDER BY id", location_id
        )
    return {ZoneKind(r["kind"]): r["id"] for r in rows}


async def _principal(user_id: int) -> Principal:
    principal = await identity.load_principal(TokenClaims(user_id, 0))
    assert principal is not None
    return principal


async def build_store(
    name: str, licence: str, state: str, tz: str, system: str, email_domain: str
) -> Store:
    operator_id, location_id, admin_id = await organisation.bootstrap_operator(
        registry.current(),
        name,
        organisation.CreateLocation(
            name=f"{name} {state}",
            license_number=licence,
            state=state,
            timezone=tz,
            state_system=system,
        ),
        f"admin@{email_domain}",
        "Ada Admin",
        PASSWORD,
    )
    store = Store(operator_id, location_id, await _zones(location_id))
    store.users[Role.ADMIN] = await _principal(admin_id)
    for role in Role:
        if role == Role.ADMIN:
            continue
        user_id = await identity.create_user(
            operator_id=operator_id,
            email=f"{role.value}@{email_domain}",
            name=role.value.replace("_", " ").title(),
            password=PASSWORD,
            grants={location_id: role},
        )
        store.users[role] = await _principal(user_id)
    return store


async def add_product(
    principal: Principal,
    sku: str,
    *,
    unit: Unit = Unit.GRAMS,
    category: Category = Category.FLOWER,
    lab: LabStatus = LabStatus.PASSED,
    expires_in_days: int = 90,
) -> tuple[int, int]:
    product = await catalog.create_product(
        new_uow(),
        principal,
        catalog.CreateProduct(
            catalog.ProductFields(
                sku=sku,
                name=f"Product {sku}",
                category=category,
                unit=unit,
                price=Decimal("12.00"),
                unit_cost=Decimal("5.5000"),
                thc_mg_per_unit=Decimal("220"),
            )
        ),
    )
    batch = await catalog.create_batch(
        new_uow(),
        principal,
        catalog.CreateBatch(
            catalog.BatchFields(
                product_id=product.value.product_id,
                producer_batch_number=f"B-{sku}",
                expires_on=date.today() + timedelta(days=expires_in_days),
                lab_status=lab,
            )
        ),
    )
    return product.value.product_id, batch.value.batch_id


async def add_package(
    principal: Principal,
    location_id: int,
    tag: str,
    product_id: int,
    batch_id: int | None,
    balances: dict[int, Decimal],
    unit: Unit = Unit.GRAMS,
) -> int:
    outcome = await packages.register_package(
        new_uow(),
        principal,
        packages.RegisterPackage(
            location_id=location_id,
            tag=tag,
            product_id=product_id,
            unit=unit,
            batch_id=batch_id,
            balances=[packages.OpeningBalance(z, q) for z, q in balances.items()],
        ),
    )
    return outcome.value.package_id


async def build_world() -> World:
    ca = await build_store(
        "Green Leaf", "C10-0000001-LIC", "CA", "America/Los_Angeles", "metrc", "greenleaf.test"
    )
    co = await build_store(
        "Mile High", "402R-00001", "CO", "America/Denver", "metrc", "milehigh.test"
    )
    admin = ca.users[Role.ADMIN]
    product_id, batch_id = await add_product(admin, "FL-OG-3.5")
    package_id = await add_package(
        admin, ca.location_id, TAG, product_id, batch_id, {ca.zone(ZoneKind.VAULT): Decimal(10)}
    )
    co_admin = co.users[Role.ADMIN]
    co_product, co_batch = await add_product(co_admin, "CO-FL-1")
    await add_package(
        co_admin,
        co.location_id,
        OTHER_TAG,
        co_product,
        co_batch,
        {co.zone(ZoneKind.SALES_FLOOR): Decimal(5)},
    )
    return World(ca=ca, co=co, product_id=product_id, batch_id=batch_id, package_id=package_id)
