"""Every audited mutation writes exactly one change-log row with the fields it changed; a
refused one writes none."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain import db, errors
from domain.catalog import services as catalog
from domain.catalog.model import Category, LabStatus
from domain.compliance import connections
from domain.compliance import services as compliance
from domain.counts import plan_policy
from domain.destruction import services as destruction
from domain.display import services as display
from domain.diversion import flags
from domain.identity import api_keys, witness
from domain.identity import services as identity
from domain.integrations import services as integrations
from domain.integrations.tables import IntegrationKind
from domain.lab import results
from domain.lab.model import Analyte
from domain.ordering import policy
from domain.organisation import services as organisation
from domain.organisation.model import ZoneKind
from domain.purchasing import orders
from domain.quantities import Unit
from domain.roles import Role
from domain.rows import returned
from domain.samples import services as samples
from domain.webhooks import services as webhooks
from tests.changelog import later_mutations
from tests.changelog.helpers import Expect, last_id, rows_since
from tests.counts.helpers import approve, line, scan, start, submit
from tests.counts.helpers import witness as witness_count
from tests.purchasing import helpers as purchasing
from tests.sales.helpers import floor_package
from tests.support.units import new_uow
from tests.support.world import PASSWORD

SECRET_VALUES = ("vendor-key-123", "user-key-456", "whsec-very-secret-value-1234567890")


async def _discrepancy(world) -> int:
    async with db.connection() as conn:
        discrepancy_id = await conn.fetchval(
            "INSERT INTO discrepancy (location, tag, kind, our_quantity, state_quantity,"
            " difference, first_seen_run, last_seen_run, first_seen_at, last_seen_at, status)"
            " VALUES ($1, $2, 'quantity_differs', 10, 9, 1, 0, 0, now(), now(), 'open')"
            " RETURNING id",
            world.ca.location_id,
            world.tag,
        )
    return returned(discrepancy_id)


async def create_product(world) -> Expect:
    await catalog.create_product(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        catalog.CreateProduct(
            catalog.ProductFields(
                sku="CL-1",
                name="Log Kush",
                category=Category.FLOWER,
                unit=Unit.GRAMS,
                price=Decimal("30.00"),
                unit_cost=Decimal("12.5"),
            )
        ),
    )
    after = {
        "sku": "CL-1",
        "name": "Log Kush",
        "category": "flower",
        "unit": "grams",
        "price": "30",
        "unit_cost": "12.5",
    }
    return Expect("createProduct", "product", None, after, located=False)


async def update_product_price(world) -> Expect:
    await catalog.update_product(
        new_uow(),
        world.as_(Role.MANAGER),
        catalog.UpdateProduct(
            world.product_id, {"price": Decimal("14.50"), "unit_cost": Decimal("5.5")}
        ),
    )
    # The cost did not change: only the price is logged.
    return Expect("updateProduct", "product", {"price": "12"}, {"price": "14.5"}, located=False)


async def create_batch(world) -> Expect:
    await catalog.create_batch(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        catalog.CreateBatch(
            catalog.BatchFields(
                product_id=world.product_id,
                producer_batch_number="LOG-7",
                expires_on=date(2030, 1, 31),
            )
        ),
    )
    after = {
        "product_id": world.product_id,
        "producer_batch_number": "LOG-7",
        "expires_on": "2030-01-31",
        "lab_status": "pending",
    }
    return Expect("createBatch", "batch", None, after, located=False)


async def update_batch_lab_status(world) -> Expect:
    await catalog.update_batch(
        new_uow(),
        world.as_(Role.MANAGER),
        catalog.UpdateBatch(world.batch_id, {"lab_status": LabStatus.FAILED}),
    )
    return Expect(
        "updateBatch", "batch", {"lab_status": "passed"}, {"lab_status": "failed"}, located=False
    )


async def record_lab_result(world) -> Expect:
    await results.record_lab_result(
        new_uow(),
        world.as_(Role.COMPLIANCE),
        results.RecordLabResult(
            world.ca.location_id, world.batch_id, [Analyte("Mold", False)], thc_percent=Decimal(21)
        ),
    )
    async with db.connection() as conn:
        result_id = await conn.fetchval("SELECT max(id) FROM lab_result")
    return Expect(
        "recordLabResult",
        "batch",
        {"lab_status": "passed", "thc_percent": None},
        {"lab_status": "failed", "thc_percent": "21", "lab_result_id": result_id, "passed": False},
    )


async def invite_user(world) -> Expect:
    await identity.invite_user(
        new_uow(),
        world.as_(Role.ADMIN),
        identity.InviteUser(
            "Hire@GreenLeaf.test",
            "New Hire",
            "long-enough-pw",
            {world.ca.location_id: Role.BUDTENDER},
        ),
    )
    after = {
        "email": "hire@greenleaf.test",
        "name": "New Hire",
        "grants": {str(world.ca.location_id): "budtender"},
    }
    return Expect("inviteUser", "user", None, after, located=False)


async def set_grant(world) -> Expect:
    await identity.set_grant(
        new_uow(),
        world.as_(Role.ADMIN),
        identity.SetGrant(world.as_(Role.BUDTENDER).user_id, world.ca.location_id, Role.MANAGER),
    )
    return Expect("setGrant", "user", {"role": "budtender"}, {"role": "manager"})


async def set_witness_pin(world) -> Expect:
    await witness.set_witness_pin(
        new_uow(), world.as_(Role.MANAGER), witness.SetWitnessPin(PASSWORD, "4321")
    )
    return Expect("setWitnessPin", "user", None, {"has_pin": True}, located=False)


async def create_api_key(world) -> Expect:
    await api_keys.create(
        new_uow(),
        world.as_(Role.ADMIN),
        api_keys.CreateApiKey(
            "Till 1", frozenset({api_keys.Scope.RECORD_SALES}), frozenset({world.ca.location_id})
        ),
    )
    return Expect("createApiKey", "api key", None, None, located=False)


async def create_zone(world) -> Expect:
    await organisation.create_zone(
        new_uow(),
        world.as_(Role.MANAGER),
        organisation.CreateZone(world.ca.location_id, "Vault 2", ZoneKind.VAULT),
    )
    return Expect("createZone", "zone", None, {"name": "Vault 2", "kind": "vault"})


async def update_zone(world) -> Expect:
    await organisation.update_zone(
        new_uow(),
        world.as_(Role.MANAGER),
        organisation.UpdateZone(world.ca.zone(ZoneKind.SAMPLES), name="Display jars"),
    )
    return Expect("updateZone", "zone", {"name": "Samples"}, {"name": "Display jars"})


async def update_location(world) -> Expect:
    await organisation.update_location(
        new_uow(),
        world.as_(Role.MANAGER),
        organisation.UpdateLocation(
            world.ca.location_id, fefo_policy="refuse", receiving_tolerance_pct=Decimal("2.5")
        ),
    )
    return Expect(
        "updateLocation",
        "location",
        {"fefo_policy": "warn", "receiving_tolerance_pct": "2"},
        {"fefo_policy": "refuse", "receiving_tolerance_pct": "2.5"},
    )


async def configure_state_connection(world) -> Expect:
    await connections.configure(
        new_uow(),
        world.as_(Role.ADMIN),
        connections.ConfigureConnection(
            world.ca.location_id,
            "https://sandbox-api-ca.metrc.com",
            credentials={"vendor_key": SECRET_VALUES[0], "user_key": SECRET_VALUES[1]},
        ),
    )
    return Expect(
        "configureStateConnection",
        "state connection",
        None,
        {
            "system": "metrc",
            "base_url": "https://sandbox-api-ca.metrc.com",
            "credentials": "[redacted]",
            "settings": {},
            "enabled": True,
        },
    )


async def create_webhook(world) -> Expect:
    await webhooks.create_endpoint(
        new_uow(),
        world.as_(Role.MANAGER),
        webhooks.CreateEndpoint(
            world.ca.location_id, "https://partner.example/hook", secret=SECRET_VALUES[2]
        ),
    )
    return Expect(
        "createWebhookEndpoint",
        "webhook endpoint",
        None,
        {
            "url": "https://partner.example/hook",
            "events": ["*"],
            "active": True,
            "secret": "[redacted]",
        },
    )


async def configure_integration(world) -> Expect:
    await integrations.configure(
        new_uow(),
        world.as_(Role.MANAGER),
        integrations.ConfigureIntegration(
            world.ca.location_id,
            IntegrationKind.POS,
            "generic",
            world.as_(Role.BUDTENDER).user_id,
        ),
    )
    return Expect("configureIntegration", "integration", None, None)


async def set_waste_policy(world) -> Expect:
    await destruction.set_waste_policy(
        new_uow(),
        world.as_(Role.MANAGER),
        destruction.SetWastePolicy(world.ca.location_id, hold_minutes=4320, witnesses=2),
    )
    return Expect("setWastePolicy", "waste policy", None, {"hold_minutes": 4320, "witnesses": 2})


async def set_count_policy(world) -> Expect:
    await plan_policy.set_count_policy(
        new_uow(),
        world.as_(Role.MANAGER),
        plan_policy.SetCountPolicy(world.ca.location_id, vault_days=3, blind=False),
    )
    return Expect("setCountPolicy", "count policy", None, None)


async def set_sample_rotation(world) -> Expect:
    await samples.set_sample_rotation(
        new_uow(), world.as_(Role.MANAGER), samples.SetSampleRotation(world.ca.location_id, 21)
    )
    return Expect("setSampleRotation", "sample rotation", {"every_days": None}, {"every_days": 21})


async def set_diversion_thresholds(world) -> Expect:
    await flags.set_thresholds(
        new_uow(),
        world.as_(Role.MANAGER),
        flags.SetThresholds(world.ca.location_id, {"opening_hour": "9"}),
    )
    return Expect(
        "setDiversionThresholds",
        "diversion thresholds",
        {"opening_hour": None},
        {"opening_hour": "9"},
    )


async def resolve_discrepancy(world) -> Expect:
    discrepancy_id = await _discrepancy(world)
    await compliance.resolve_discrepancy(
        new_uow(),
        world.as_(Role.COMPLIANCE),
        compliance.ResolveDiscrepancy(discrepancy_id, "explain", "sample taken, photo in file"),
    )
    return Expect(
        "resolveDiscrepancy",
        "discrepancy",
        {"status": "open"},
        {
            "status": "resolved",
            "resolution": "explain",
            "resolution_note": "sample taken, photo in file",
            "movement_ids": [],
        },
    )


async def approve_count(world) -> Expect:
    tag, _ = await floor_package(world, "10")
    session_id = await start(world)
    await witness_count(world, session_id)
    await scan(world, session_id, line(tag, "9.5"))
    assert await submit(world, session_id) == "submitted"
    since = await last_id()
    outcome = await approve(world.as_(Role.MANAGER), session_id)
    # Only the approval is this step's; the count's own steps were logged before.
    assert [r["operation"] for r in await rows_since(since)] == ["approveCount"]
    return Expect(
        "approveCount",
        "count session",
        {"status": "submitted"},
        {
            "status": "approved",
            "decision_note": "ok",
            "movement_ids": outcome.value.movement_ids,
        },
    )


MUTATIONS: list[Callable[[Any], Awaitable[Expect]]] = [
    create_product,
    update_product_price,
    create_batch,
    update_batch_lab_status,
    record_lab_result,
    invite_user,
    set_grant,
    set_witness_pin,
    create_api_key,
    create_zone,
    update_zone,
    update_location,
    configure_state_connection,
    create_webhook,
    configure_integration,
    set_waste_policy,
    set_count_policy,
    set_sample_rotation,
    set_diversion_thresholds,
    resolve_discrepancy,
    *later_mutations.MUTATIONS,
]


@pytest.mark.parametrize("mutate", MUTATIONS, ids=lambda m: m.__name__)
async def test_each_change_writes_one_row_with_what_changed(world, mutate):
    since = await last_id()
    expected = await mutate(world)
    rows = [r for r in await rows_since(since) if r["operation"] == expected.operation]
    assert len(rows) == 1, rows
    (row,) = rows
    assert row["entity_type"] == expected.entity_type
    assert row["actor_kind"] == "user"
    assert row["user_id"] is not None
    assert row["location"] == (world.ca.location_id if expected.located else None)
    assert row["operator"] == world.ca.operator_id
    if expected.before is not None or expected.after is not None:
        assert (row["before"], row["after"]) == (expected.before, expected.after)
    text = repr(row)
    assert not any(secret in text for secret in SECRET_VALUES)
    assert PASSWORD not in text
    assert "long-enough-pw" not in text


async def test_count_approval_is_logged_once_with_its_adjustments(world):
    since = await last_id()
    expected = await approve_count(world)
    (row,) = [r for r in await rows_since(since) if r["operation"] == "approveCount"]
    assert (row["before"], row["after"]) == (expected.before, expected.after)
    assert row["location"] == world.ca.location_id


async def test_a_refused_change_writes_no_row(world):
    since = await last_id()
    with pytest.raises(errors.ValidationError):
        await catalog.update_product(
            new_uow(),
            world.as_(Role.MANAGER),
            catalog.UpdateProduct(world.product_id, {"price": Decimal("-1")}),
        )
    with pytest.raises(errors.ValidationError):
        # Refused inside the transaction, after the row lock: the rollback takes the log too.
        await organisation.update_zone(
            new_uow(),
            world.as_(Role.MANAGER),
            organisation.UpdateZone(world.ca.zone(ZoneKind.VAULT), active=False),
        )
    assert await rows_since(since) == []


async def test_a_refused_order_step_or_setting_writes_no_row(world):
    order_id = await purchasing.sent(world, await purchasing.vendor(world), {world.product_id: "5"})
    since = await last_id()
    with pytest.raises(errors.IllegalPurchaseOrderTransition):  # sent: too late to cancel
        await orders.cancel_purchase_order(
            new_uow(), world.as_(Role.MANAGER), orders.ChangePurchaseOrder(order_id, reason="x")
        )
    with pytest.raises(errors.PurchaseOrderNotEditable):
        await orders.edit_purchase_order(
            new_uow(), world.as_(Role.INVENTORY_LEAD), orders.EditPurchaseOrder(order_id, note="n")
        )
    with pytest.raises(errors.ValidationError):
        await policy.set_ordering_policy(
            new_uow(),
            world.as_(Role.MANAGER),
            policy.SetOrderingPolicy(world.ca.location_id, "flower", Decimal("1.5")),
        )
    with pytest.raises(errors.ValidationError):
        await display.set_floor_display(
            new_uow(),
            world.as_(Role.MANAGER),
            display.SetFloorDisplay(world.ca.location_id, expiring_mode="blink"),
        )
    assert await rows_since(since) == []


async def test_a_replayed_request_is_not_logged_twice(world):
    since = await last_id()
    for _ in range(2):
        await catalog.update_product(
            new_uow(),
            world.as_(Role.MANAGER),
            catalog.UpdateProduct(
                world.product_id, {"price": Decimal("13")}, idempotency_key="price-1"
            ),
        )
    assert [r["operation"] for r in await rows_since(since)] == ["updateProduct"]


async def test_a_change_with_no_difference_is_logged_with_nothing_changed(world):
    await catalog.update_product(
        new_uow(),
        world.as_(Role.MANAGER),
        catalog.UpdateProduct(world.product_id, {"price": Decimal("12.0000")}),
    )
    since = await last_id() - 1
    (row,) = await rows_since(since)
    assert (row["before"], row["after"]) == (None, None)


def test_every_expectation_names_a_distinct_operation():
    assert len({m.__name__ for m in MUTATIONS}) == len(MUTATIONS)


async def test_a_new_deployments_first_admin_is_logged_as_the_system(world):
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT actor_kind, user_id, client, entity_id, after FROM change_log"
            " WHERE operation = 'createUser' AND operator = $1",
            world.ca.operator_id,
        )
    assert [(r["actor_kind"], r["user_id"], r["client"]) for r in rows] == [
        ("system", None, "bootstrap")
    ]
    admin = world.as_(Role.ADMIN)
    assert rows[0]["entity_id"] == str(admin.user_id)
    assert rows[0]["after"] == {
        "email": admin.email,
        "name": admin.name,
        "grants": {str(world.ca.location_id): "admin"},
    }


async def test_a_vendor_products_new_cost_is_logged_alone(world):
    vendor_id = await purchasing.vendor(world)
    await purchasing.carries(world, vendor_id, world.product_id, cost="4.25")
    since = await last_id()
    await purchasing.carries(world, vendor_id, world.product_id, cost="4.5")
    (row,) = await rows_since(since)
    assert (row["operation"], row["entity_id"]) == (
        "setVendorProduct",
        f"{vendor_id}/{world.product_id}",
    )
    assert (row["before"], row["after"]) == ({"last_cost": "4.25"}, {"last_cost": "4.5"})
