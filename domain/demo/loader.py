"""Writing the demo into a migrated database whose pool is already started.

Everything goes through the same doors as real data: the operator, locations and users through
the organisation and identity services, products and batches through the catalogue services
(so they are validated like any other), holds through ``hold_package``, and every opening
quantity through ``ledger.post`` as ``register`` movements. Only the 2,000 package rows are
inserted in bulk, after ``stockplan.check_plan`` and the state system's tag format have vetted
them, because
``register_package`` one by one would spend most of the load on round trips. The year of trade
before today (``domain.demo.past``) is written with COPY too, as the rows the ledger would have
written (see ``domain.demo.history_copy``).

The whole load is one transaction behind an advisory lock: a crash leaves no half-loaded demo
that would later pass for a loaded one, and two ``leafledger demo`` runs cannot both load.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from random import Random

from domain import db, hashchain
from domain.catalog import services as catalog
from domain.demo import past
from domain.demo.catalogue import CatalogueItem, build_catalogue
from domain.demo.history_copy import HistoryStore
from domain.demo.sites import (
    ADMIN,
    OPERATOR_NAME,
    PASSWORD,
    SEED,
    SITES,
    STATE_SYSTEM,
    USERS,
    credential_lines,
)
from domain.demo.stockplan import PackagePlan, StockPlan, build_stock
from domain.identity import services as identity
from domain.identity.principal import Principal
from domain.identity.tokens import TokenClaims
from domain.inventory import ledger, packages
from domain.inventory.model import MovementKind
from domain.organisation import services as organisation
from domain.organisation.model import ZoneKind
from domain.piccolo_app import TABLES
from domain.quantities import parse_quantity
from domain.roles import Role
from domain.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# pg_advisory_xact_lock key: "LEAF DEMO" (any constant no other code uses).
LOCK_KEY = 0x1EAF_DE70
PACKAGES_PER_POST = 200
SOURCE_DOCUMENT = "demo:opening-inventory"
NOTE = "Opening balance imported when the store moved onto LeafLedger (demo data)."

_INSERT_PACKAGES = """
INSERT INTO package (location, tag, product, batch, unit, status, unit_cost, movement_count,
                     last_hash, created_at)
SELECT p.location, p.tag, p.product, p.batch, p.unit, 'active', p.unit_cost, 0, $7, now()
FROM unnest($1::int[], $2::text[], $3::int[], $4::int[], $5::text[], $6::numeric[])
     AS p(location, tag, product, batch, unit, unit_cost)
RETURNING id, location, tag
"""


@dataclass(frozen=True)
class Store:
    location_id: int
    zones: dict[ZoneKind, ledger.ZoneRef]


async def populate(uow: UnitOfWork, *, reset: bool = False, today: date | None = None) -> list[str]:
    """Load the demo unless it is already there (or wipe everything first when ``reset``).

    Assumes a started pool on a migrated database; returns the CLI's credential lines.
    """
    started = time.perf_counter()
    async with uow:
        async with db.connection() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", LOCK_KEY)
            if reset:
                tables = ", ".join(table._meta.tablename for table in TABLES)
                await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            elif await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM app_user WHERE email = $1)", ADMIN.email
            ):
                log.info("demo data already loaded; nothing to do")
                return credential_lines()
        await _load(uow, today or date.today())
    log.info("demo data loaded in %.1f s", time.perf_counter() - started)
    return credential_lines()


async def _load(uow: UnitOfWork, today: date) -> None:
    rng = Random(SEED)
    stores, users = await _organisation(uow)
    admin = users[Role.ADMIN]
    catalogue = build_catalogue(rng)
    plan = build_stock(rng, catalogue, today)
    product_ids = await _products(uow, admin, catalogue)
    batch_ids = await _batches(uow, admin, plan, product_ids)
    package_ids = await _packages(uow, plan, stores, product_ids, batch_ids)
    await _opening_balances(uow, admin, plan.packages, package_ids, stores)
    await _holds(uow, users[Role.COMPLIANCE], plan.packages, stores)
    await _past(uow, users, catalogue, plan, product_ids, stores, today)


async def _past(
    uow: UnitOfWork,
    users: dict[Role, Principal],
    catalogue: Sequence[CatalogueItem],
    plan: StockPlan,
    product_ids: dict[str, int],
    stores: dict[str, Store],
    today: date,
) -> None:
    """A year of trade before today, in the same transaction (see ``domain.demo.past``)."""
    stocked_at: dict[str, set[str]] = {}
    for package in plan.packages:
        if package.hold_reason is None:
            stocked_at.setdefault(package.site, set()).add(package.batch.item.sku)
    history_stores = {}
    for site in SITES:
        seller = next(
            users[u.role]
            for u in USERS
            if site.code in u.sites and u.role in (Role.BUDTENDER, Role.INVENTORY_LEAD)
        )
        store = stores[site.code]
        history_stores[site.code] = HistoryStore(
            location_id=store.location_id,
            timezone=site.timezone,
            vault_zone=store.zones[ZoneKind.VAULT].id,
            floor_zone=store.zones[ZoneKind.SALES_FLOOR].id,
            facility_code=site.facility_code,
            receiver_id=users[Role.MANAGER].user_id,
            seller_id=seller.user_id,
        )
    async with uow:
        await past.load_past(catalogue, stocked_at, product_ids, history_stores, today, SEED)


async def _principal(user_id: int) -> Principal:
    principal = await identity.load_principal(TokenClaims(user_id, 0))
    if principal is None:
        raise RuntimeError(f"demo user {user_id} cannot be loaded")
    return principal


async def _organisation(uow: UnitOfWork) -> tuple[dict[str, Store], dict[Role, Principal]]:
    first, *others = SITES
    operator_id, first_location, admin_id = await organisation.bootstrap_operator(
        uow.registry, OPERATOR_NAME, first.create_location(), ADMIN.email, ADMIN.name, PASSWORD
    )
    location_ids = {first.code: first_location}
    admin = await _principal(admin_id)
    for site in others:
        outcome = await organisation.create_location(uow, admin, site.create_location())
        location_ids[site.code] = outcome.value.location_id
    principals = {Role.ADMIN: await _principal(admin_id)}
    for user in USERS:
        if user.role == Role.ADMIN:
            continue
        user_id = await identity.create_user(
            operator_id=operator_id,
            email=user.email,
            name=user.name,
            password=PASSWORD,
            grants={location_ids[code]: user.role for code in user.sites},
        )
        principals[user.role] = await _principal(user_id)
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, location, kind, name FROM zone WHERE location = ANY($1::int[])",
            list(location_ids.values()),
        )
    stores = {}
    for code, location_id in location_ids.items():
        refs = [
            ledger.ZoneRef(r["id"], location_id, ZoneKind(r["kind"]), r["name"])
            for r in rows
            if r["location"] == location_id
        ]
        zones = {ref.kind: ref for ref in refs}
        stores[code] = Store(location_id, zones)
    return stores, principals


async def _products(
    uow: UnitOfWork, admin: Principal, catalogue: Sequence[CatalogueItem]
) -> dict[str, int]:
    ids = {}
    for item in catalogue:
        outcome = await catalog.create_product(uow, admin, catalog.CreateProduct(item.product))
        ids[item.sku] = outcome.value.product_id
    return ids


async def _batches(
    uow: UnitOfWork, admin: Principal, plan: StockPlan, product_ids: dict[str, int]
) -> dict[str, int]:
    ids = {}
    for batch in plan.batches:
        fields = dataclasses.replace(batch.fields, product_id=product_ids[batch.item.sku])
        outcome = await catalog.create_batch(uow, admin, catalog.CreateBatch(fields))
        ids[batch.key] = outcome.value.batch_id
    return ids


async def _packages(
    uow: UnitOfWork,
    plan: StockPlan,
    stores: dict[str, Store],
    product_ids: dict[str, int],
    batch_ids: dict[str, int],
) -> list[int]:
    """Insert the package rows (no stock yet); their ids in plan order."""
    tag_format = uow.registry.state_system(STATE_SYSTEM).tag_format
    for package in plan.packages:
        if (refusal := tag_format.refusal(package.tag)) is not None:
            raise ValueError(f"demo tag {package.tag} {refusal}")
    rows = plan.packages
    async with db.connection() as conn:
        inserted = await conn.fetch(
            _INSERT_PACKAGES,
            [stores[p.site].location_id for p in rows],
            [p.tag for p in rows],
            [product_ids[p.batch.item.sku] for p in rows],
            [batch_ids[p.batch.key] for p in rows],
            [str(p.unit) for p in rows],
            [p.batch.item.product.unit_cost for p in rows],
            hashchain.GENESIS,
        )
    ids = {(r["location"], r["tag"]): r["id"] for r in inserted}
    return [ids[(stores[p.site].location_id, p.tag)] for p in rows]


async def _opening_balances(
    uow: UnitOfWork,
    admin: Principal,
    plans: Sequence[PackagePlan],
    package_ids: Sequence[int],
    stores: dict[str, Store],
) -> None:
    """Every package's opening balances as ``register`` movements, a few hundred per post."""
    posting = ledger.Posting(actor_id=admin.user_id, source_document=SOURCE_DOCUMENT)
    for start in range(0, len(plans), PACKAGES_PER_POST):
        drafts = [
            ledger.Draft(
                package_id=package_id,
                kind=MovementKind.REGISTER,
                quantity=parse_quantity(quantity),
                to_zone=stores[plan.site].zones[zone],
                note=NOTE,
            )
            for plan, package_id in zip(
                plans[start : start + PACKAGES_PER_POST],
                package_ids[start : start + PACKAGES_PER_POST],
                strict=True,
            )
            for zone, quantity in plan.balances
        ]
        async with uow:
            await ledger.post(uow, drafts, posting)


async def _holds(
    uow: UnitOfWork, compliance: Principal, plans: Sequence[PackagePlan], stores: dict[str, Store]
) -> None:
    """Compliance puts the failed batch's packages on hold, each with its audit row."""
    for plan in plans:
        if plan.hold_reason is None:
            continue
        await packages.hold_package(
            uow,
            compliance,
            packages.ChangeHold(stores[plan.site].location_id, plan.tag, plan.hold_reason),
        )
