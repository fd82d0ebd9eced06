"""What each mutation needs before it can be called at a location, and who may call it.

Used by test_authorization_matrix.py. Every mutation of the schema has an entry; each entry
prepares minimal valid input at a given location (fresh packages, sales, shipments... made by that
location's admin, so calls never share state) and names the roles allowed to call it there.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from graphql import get_named_type, is_union_type

from api.schema import schema
from domain import db
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.world import PASSWORD, Store, World, add_package, add_product

ALL = frozenset(Role)
SELLERS = frozenset({Role.BUDTENDER, Role.INVENTORY_LEAD, Role.MANAGER, Role.ADMIN})
FLOOR_MOVERS = SELLERS | {Role.COMPLIANCE}
VAULT_STAFF = frozenset({Role.INVENTORY_LEAD, Role.MANAGER, Role.COMPLIANCE, Role.ADMIN})
CATALOG = frozenset({Role.INVENTORY_LEAD, Role.MANAGER, Role.ADMIN})
HOLDERS = frozenset({Role.MANAGER, Role.COMPLIANCE, Role.ADMIN})
LOCATION_ADMINS = frozenset({Role.MANAGER, Role.ADMIN})
USER_ADMINS = frozenset({Role.ADMIN})
NOBODY: frozenset[Role] = frozenset()

_serial = itertools.count(1)


def fresh(prefix: str) -> str:
    return f"{prefix}-{next(_serial)}"


def fresh_tag() -> str:
    return f"1A4FF0100000022{next(_serial) + 10_000_000:09d}"


def mutation(name: str, **arguments: str) -> str:
    """``mutation($input: T!) { name(input: $input) { __typename ... } }``."""
    declared = ", ".join(f"${k}: {t}" for k, t in arguments.items())
    passed = ", ".join(f"{k}: ${k}" for k in arguments)
    head = f"mutation({declared}) " if arguments else "mutation "
    call = f"{name}({passed})" if arguments else name
    result = get_named_type(schema._schema.mutation_type.fields[name].type)
    errors = " ... on UserError { message }" if is_union_type(result) else ""
    return head + "{ " + call + " { __typename" + errors + " } }"


@dataclass
class Places:
    """The world as the matrix sees it: two stores of one operator, an admin token for each."""

    world: World
    stores: dict[int, Store]
    api: Any

    def admin_token(self, location_id: int) -> str:
        return self.stores[location_id].token(Role.ADMIN)

    def admin(self, location_id: int):
        return self.stores[location_id].users[Role.ADMIN]

    def zone(self, location_id: int, kind: ZoneKind) -> int:
        return self.stores[location_id].zone(kind)

    async def as_admin(self, location_id: int, document: str, variables: dict) -> dict:
        result = await self.api(document, variables, token=self.admin_token(location_id))
        assert "errors" not in result, result
        return result["data"]

    async def package(
        self, location_id: int, kind: ZoneKind = ZoneKind.SALES_FLOOR, qty: int = 10
    ) -> tuple[str, int]:
        """A fresh package of the world's product on the floor (or ``kind``); (tag, batch id)."""
        tag = fresh_tag()
        await add_package(
            self.admin(location_id),
            location_id,
            tag,
            self.world.product_id,
            self.world.batch_id,
            {self.zone(location_id, kind): Decimal(qty)},
        )
        return tag, self.world.batch_id

    async def product_stocked_at(self, location_id: int) -> tuple[int, int]:
        product_id, batch_id = await add_product(self.admin(location_id), fresh("SKU"))
        await add_package(
            self.admin(location_id),
            location_id,
            fresh_tag(),
            product_id,
            batch_id,
            {self.zone(location_id, ZoneKind.VAULT): Decimal(1)},
        )
        return product_id, batch_id

    async def sale(self, location_id: int) -> tuple[str, str]:
        tag, _ = await self.package(location_id)
        receipt = fresh("R")
        await self.as_admin(
            location_id,
            mutation("recordSale", input="RecordSaleInput!"),
            {"input": _sale_input(location_id, receipt, tag)},
        )
        return receipt, tag

    async def reservation(self, location_id: int) -> str:
        tag, _ = await self.package(location_id)
        data = await self.as_admin(
            location_id,
            """mutation($input: CreateReservationInput!) { createReservation(input: $input) {
                 __typename ... on ReservationPayload { reservation { id } } } }""",
            {"input": _reservation_input(location_id, tag)},
        )
        return data["createReservation"]["reservation"]["id"]

    async def shipment(self, location_id: int, *, started: bool = False) -> dict[str, Any]:
        tag = fresh_tag()
        data = await self.as_admin(
            location_id,
            """mutation($input: CreateShipmentInput!) { createShipment(input: $input) {
                 __typename ... on ShipmentPayload { shipment { id } } } }""",
            {"input": _shipment_input(location_id, tag)},
        )
        shipment_id = data["createShipment"]["shipment"]["id"]
        found = {"shipment_id": shipment_id, "tag": tag}
        if started:
            data = await self.as_admin(
                location_id,
                """mutation($input: StartReceivingInput!) { startReceiving(input: $input) {
                     __typename ... on ShipmentPayload { shipment { session { id } } } } }""",
                {"input": {"shipmentId": shipment_id, "driverName": "Dee"}},
            )
            found["session_id"] = data["startReceiving"]["shipment"]["session"]["id"]
        return found

    async def webhook_endpoint(self, location_id: int) -> str:
        data = await self.as_admin(
            location_id,
            """mutation($input: CreateWebhookEndpointInput!) {
                 createWebhookEndpoint(input: $input) {
                   __typename ... on CreateWebhookEndpointPayload { endpoint { id } } } }""",
            {"input": {"locationId": str(location_id), "url": "https://partner.example/hook"}},
        )
        return data["createWebhookEndpoint"]["endpoint"]["id"]

    async def webhook_delivery(self, location_id: int) -> int:
        endpoint_id = int(await self.webhook_endpoint(location_id))
        async with db.connection() as conn:
            return await conn.fetchval(
                "INSERT INTO webhook_delivery (endpoint, location, event, event_id, payload,"
                " status, attempts, next_attempt_at, retry_until, created_at, last_error)"
                " VALUES ($1, $2, 'sale.recorded', $3, '{}', 'failed', 3, now(), now(), now(),"
                " 'HTTP 500') RETURNING id",
                endpoint_id,
                location_id,
                fresh("event"),
            )

    async def state_report(self, location_id: int, status: str) -> int:
        async with db.connection() as conn:
            return await conn.fetchval(
                "INSERT INTO state_report (location, kind, status, external_id, occurred_at,"
                " next_attempt_at, created_at, updated_at, last_error)"
                " VALUES ($1, 'adjustment', $2, $3, now(), now(), now(), now(), 'refused')"
                " RETURNING id",
                location_id,
                status,
                fresh("ext"),
            )

    async def discrepancy(self, location_id: int) -> int:
        async with db.connection() as conn:
            return await conn.fetchval(
                "INSERT INTO discrepancy (location, tag, kind, our_quantity, state_quantity,"
                " difference, first_seen_run, last_seen_run, first_seen_at, last_seen_at, status)"
                " VALUES ($1, $2, 'quantity', 10, 9, 1, 0, 0, now(), now(), 'open') RETURNING id",
                location_id,
                fresh_tag(),
            )

    async def user_at(self, location_id: int) -> int:
        data = await self.as_admin(
            location_id,
            """mutation($input: CreateUserInput!) { createUser(input: $input) {
                 __typename ... on UserPayload { user { id } } } }""",
            {"input": _user_input(location_id)},
        )
        return int(data["createUser"]["user"]["id"])

    async def api_key(self, location_id: int) -> str:
        data = await self.as_admin(
            location_id,
            """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
                 __typename ... on ApiKeyCreated { apiKey { id } } } }""",
            {"input": _api_key_input(location_id)},
        )
        return data["createApiKey"]["apiKey"]["id"]

    async def refresh_token(self, email: str) -> str:
        result = await self.api(
            """mutation($email: String!, $password: String!) {
                 login(email: $email, password: $password) {
                   __typename ... on LoginPayload { refreshToken } } }""",
            {"email": email, "password": PASSWORD},
        )
        return result["data"]["login"]["refreshToken"]


def _sale_input(location_id: int, receipt: str, tag: str) -> dict[str, Any]:
    return {
        "locationId": str(location_id),
        "register": "front-1",
        "posReceiptId": receipt,
        "customerType": "ADULT_USE",
        "customerKey": "customer-1",
        "lines": [{"tag": tag, "quantity": "1", "unitPrice": "10.00"}],
    }


def _reservation_input(location_id: int, tag: str) -> dict[str, Any]:
    return {
        "locationId": str(location_id),
        "orderRef": fresh("order"),
        "channel": "PICKUP",
        "lines": [{"tag": tag, "quantity": "1"}],
    }


def _shipment_input(location_id: int, tag: str) -> dict[str, Any]:
    return {
        "locationId": str(location_id),
        "manifestNumber": fresh("M"),
        "packages": [{"tag": tag, "itemName": "OG Kush", "shippedQuantity": "5", "unit": "grams"}],
    }


def _user_input(location_id: int) -> dict[str, Any]:
    return {
        "email": f"{fresh('staff')}@greenleaf.test",
        "name": "New Staff",
        "password": "long-enough-password",
        "grants": [{"locationId": str(location_id), "role": "BUDTENDER"}],
    }


def _api_key_input(location_id: int) -> dict[str, Any]:
    return {
        "name": fresh("register key"),
        "scopes": ["RECORD_SALES"],
        "locationIds": [str(location_id)],
    }


Prepare = Callable[[Places, int, Role], Awaitable[tuple[str, dict[str, Any]]]]


@dataclass(frozen=True)
class Case:
    """Who may call a mutation at a location they hold a grant at (``allowed``) and at one they
    hold none at (``elsewhere``, usually nobody)."""

    allowed: frozenset[Role]
    prepare: Prepare
    elsewhere: frozenset[Role] = NOBODY
    # False: the mutation names no location (login, createProduct...): called once per role.
    located: bool = True
    # An entity addressed by id at a location the caller holds no grant at is answered
    # NotFound (its existence is not revealed) rather than PermissionDenied.
    hidden: bool = False
    # Signs the caller out: run after every other call.
    last: bool = False
    notes: str = field(default="", compare=False)


def _simple(name: str, arguments: dict[str, str], build) -> Prepare:
    async def prepare(places: Places, location_id: int, role: Role):
        return mutation(name, **arguments), await build(places, location_id, role)

    return prepare


def _input(name: str, type_name: str, build) -> Prepare:
    async def wrapped(places: Places, location_id: int, role: Role):
        return {"input": await build(places, location_id, role)}

    return _simple(name, {"input": f"{type_name}!"}, wrapped)


def _email(places: Places, location_id: int, role: Role) -> str:
    return places.stores[location_id].users[role].email


async def _login(places, loc, role):
    return {"email": _email(places, loc, role), "password": PASSWORD}


async def _refresh(places, loc, role):
    return {"refreshToken": await places.refresh_token(_email(places, loc, role))}


async def _none(places, loc, role):
    return {}


async def _create_user(places, loc, role):
    return _user_input(loc)


async def _set_grant(places, loc, role):
    user_id = await places.user_at(loc)
    return {"userId": str(user_id), "locationId": str(loc), "role": "INVENTORY_LEAD"}


async def _unlock_sign_in(places, loc, role):
    return {"userId": str(await places.user_at(loc)), "locationId": str(loc)}


async def _create_api_key(places, loc, role):
    return _api_key_input(loc)


async def _revoke_api_key(places, loc, role):
    return {"id": await places.api_key(loc)}


async def _create_location(places, loc, role):
    return {
        "name": fresh("Green Leaf"),
        "licenseNumber": fresh("C10-LIC"),
        "state": "CA",
        "timezone": "America/Los_Angeles",
        "stateSystem": "none",
    }


async def _update_location(places, loc, role):
    return {"id": str(loc), "name": fresh("Renamed store")}


async def _create_zone(places, loc, role):
    return {"locationId": str(loc), "name": fresh("Back room"), "kind": "SAMPLES"}


async def _update_zone(places, loc, role):
    data = await places.as_admin(
        loc,
        """mutation($input: CreateZoneInput!) { createZone(input: $input) {
             __typename ... on ZonePayload { zone { id } } } }""",
        {"input": await _create_zone(places, loc, role)},
    )
    return {"zoneId": data["createZone"]["zone"]["id"], "name": fresh("Renamed zone")}


async def _create_product(places, loc, role):
    return {
        "sku": fresh("SKU"),
        "name": "Pre-roll",
        "category": "PRE_ROLL",
        "unit": "EACH",
        "price": "8.00",
        "unitCost": "3.0000",
        "unitWeightGrams": "1",
        "thcMgPerUnit": "200",
    }


async def _update_product(places, loc, role):
    product_id, _ = await places.product_stocked_at(loc)
    return {"id": str(product_id), "changes": {"name": fresh("Renamed product")}}


async def _create_batch(places, loc, role):
    product_id, _ = await places.product_stocked_at(loc)
    return {"productId": str(product_id), "producerBatchNumber": fresh("B")}


async def _update_batch(places, loc, role):
    _, batch_id = await places.product_stocked_at(loc)
    return {"id": str(batch_id), "changes": {"labStatus": "FAILED"}}


async def _register_package(places, loc, role):
    return {
        "locationId": str(loc),
        "tag": fresh_tag(),
        "productId": str(places.world.product_id),
        "batchId": str(places.world.batch_id),
        "unit": "GRAMS",
        "balances": [{"zoneId": str(places.zone(loc, ZoneKind.VAULT)), "quantity": "3"}],
    }


async def _hold(places, loc, role):
    tag, _ = await places.package(loc)
    return {"locationId": str(loc), "tag": tag, "reason": "lab retest"}


async def _release(places, loc, role):
    variables = await _hold(places, loc, role)
    await places.as_admin(loc, mutation("holdPackage", input="HoldInput!"), {"input": variables})
    return variables


async def _recall(places, loc, role):
    _, batch_id = await places.product_stocked_at(loc)
    return {"locationId": str(loc), "batchId": str(batch_id), "reason": "state recall 42"}


async def _transfer(places, loc, role):
    tag, _ = await places.package(loc)
    return {
        "locationId": str(loc),
        "tag": tag,
        "fromZoneId": str(places.zone(loc, ZoneKind.SALES_FLOOR)),
        "toZoneId": str(places.zone(loc, ZoneKind.SAMPLES)),
        "quantity": "1",
    }


async def _adjust(places, loc, role):
    tag, _ = await places.package(loc)
    return {
        "locationId": str(loc),
        "tag": tag,
        "zoneId": str(places.zone(loc, ZoneKind.SALES_FLOOR)),
        "quantity": "-1",
        "reason": "COUNT_CORRECTION",
        "note": "recount",
    }


async def _configure_connection(places, loc, role):
    return {"locationId": str(loc), "baseUrl": "http://127.0.0.1:9", "enabled": False}


async def _location_only(places, loc, role):
    return {"locationId": str(loc)}


async def _export_ccrs(places, loc, role):
    return {"locationId": str(loc), "weekOf": (date.today() - timedelta(days=7)).isoformat()}


async def _retry_report(places, loc, role):
    return {"reportId": str(await places.state_report(loc, "failed")), "reason": "fixed"}


async def _cancel_report(places, loc, role):
    return {"reportId": str(await places.state_report(loc, "failed")), "reason": "duplicate"}


async def _resolve(places, loc, role):
    discrepancy_id = await places.discrepancy(loc)
    return {
        "discrepancyId": str(discrepancy_id),
        "resolution": "explain",
        "note": "sample taken by the state inspector",
    }


async def _assign(places, loc, role):
    discrepancy_id = await places.discrepancy(loc)
    owner = places.stores[loc].users[Role.COMPLIANCE].user_id
    return {"discrepancyId": str(discrepancy_id), "ownerId": str(owner)}


async def _reason_mapping(places, loc, role):
    return {"locationId": str(loc), "reason": "COUNT_CORRECTION", "stateReason": None}


async def _record_sale(places, loc, role):
    tag, _ = await places.package(loc)
    return _sale_input(loc, fresh("R"), tag)


async def _void_sale(places, loc, role):
    receipt, _ = await places.sale(loc)
    return {
        "locationId": str(loc),
        "register": "front-1",
        "posReceiptId": receipt,
        "reason": "rung twice",
    }


async def _return_sale(places, loc, role):
    receipt, tag = await places.sale(loc)
    return {
        "locationId": str(loc),
        "register": "front-1",
        "posReceiptId": receipt,
        "lines": [{"tag": tag, "quantity": "1"}],
        "reason": "sealed, unopened",
    }


async def _create_reservation(places, loc, role):
    tag, _ = await places.package(loc)
    return _reservation_input(loc, tag)


async def _fulfil(places, loc, role):
    return {
        "reservationId": await places.reservation(loc),
        "register": "front-1",
        "posReceiptId": fresh("R"),
        "customerType": "ADULT_USE",
        "customerKey": "customer-2",
    }


async def _reservation_action(places, loc, role):
    return {"reservationId": await places.reservation(loc), "reason": "customer called"}


async def _extend(places, loc, role):
    return {"reservationId": await places.reservation(loc), "minutes": 30}


async def _create_shipment(places, loc, role):
    return _shipment_input(loc, fresh_tag())


async def _start_receiving(places, loc, role):
    shipment = await places.shipment(loc)
    return {"shipmentId": shipment["shipment_id"], "driverName": "Dee"}


async def _answer(places, loc, role):
    shipment = await places.shipment(loc, started=True)
    return {"sessionId": shipment["session_id"], "key": "seals_intact", "answer": "YES"}


async def _scan(places, loc, role):
    shipment = await places.shipment(loc, started=True)
    return {
        "sessionId": shipment["session_id"],
        "tag": shipment["tag"],
        "decision": "ACCEPT",
        "receivedQuantity": "5",
        "measuredQuantity": "5",
    }


async def _complete(places, loc, role):
    shipment = await places.shipment(loc, started=True)
    return {"sessionId": shipment["session_id"]}


async def _create_endpoint(places, loc, role):
    return {"locationId": str(loc), "url": "https://partner.example/hook"}


async def _update_endpoint(places, loc, role):
    return {"endpointId": await places.webhook_endpoint(loc), "active": False}


async def _redeliver(places, loc, role):
    return {"deliveryId": str(await places.webhook_delivery(loc))}


async def _configure_integration(places, loc, role):
    return {
        "locationId": str(loc),
        "kind": "POS",
        "adapter": "generic",
        "actingUserId": str(places.stores[loc].users[Role.BUDTENDER].user_id),
    }


def _by_input(name: str, type_name: str, build, allowed, **options) -> Case:
    return Case(allowed, _input(name, type_name, build), **options)


CASES: dict[str, Case] = {
    # Signing in and out: no location; anyone with the credential.
    "login": Case(
        ALL, _simple("login", {"email": "String!", "password": "String!"}, _login), located=False
    ),
    "refreshToken": Case(
        ALL, _simple("refreshToken", {"refreshToken": "String!"}, _refresh), located=False
    ),
    "logout": Case(ALL, _simple("logout", {"refreshToken": "String!"}, _refresh), located=False),
    "logoutEverywhere": Case(ALL, _simple("logoutEverywhere", {}, _none), located=False, last=True),
    # Staff and keys: admins of every location concerned.
    "createUser": _by_input("createUser", "CreateUserInput", _create_user, USER_ADMINS),
    "setGrant": _by_input("setGrant", "SetGrantInput", _set_grant, USER_ADMINS),
    "unlockSignIn": _by_input("unlockSignIn", "UnlockSignInInput", _unlock_sign_in, USER_ADMINS),
    "createApiKey": _by_input("createApiKey", "CreateApiKeyInput", _create_api_key, USER_ADMINS),
    "revokeApiKey": Case(USER_ADMINS, _simple("revokeApiKey", {"id": "ID!"}, _revoke_api_key)),
    # Locations and zones.
    "createLocation": _by_input(
        "createLocation", "CreateLocationInput", _create_location, USER_ADMINS, located=False
    ),
    "updateLocation": _by_input(
        "updateLocation", "UpdateLocationInput", _update_location, LOCATION_ADMINS
    ),
    "createZone": _by_input("createZone", "CreateZoneInput", _create_zone, LOCATION_ADMINS),
    "updateZone": _by_input(
        "updateZone", "UpdateZoneInput", _update_zone, LOCATION_ADMINS, hidden=True
    ),
    # The catalogue: operator-wide, checked where the product or batch is stocked.
    "createProduct": _by_input(
        "createProduct", "CreateProductInput", _create_product, CATALOG, located=False
    ),
    "updateProduct": _by_input("updateProduct", "UpdateProductInput", _update_product, CATALOG),
    # A new lot holds no stock: any store's catalogue staff may add one.
    "createBatch": _by_input(
        "createBatch", "CreateBatchInput", _create_batch, CATALOG, elsewhere=CATALOG
    ),
    "updateBatch": _by_input("updateBatch", "UpdateBatchInput", _update_batch, CATALOG),
    # Packages and the ledger.
    "registerPackage": _by_input(
        "registerPackage", "RegisterPackageInput", _register_package, CATALOG
    ),
    "holdPackage": _by_input("holdPackage", "HoldInput", _hold, HOLDERS),
    "releasePackage": _by_input("releasePackage", "HoldInput", _release, HOLDERS),
    "recallBatch": _by_input("recallBatch", "RecallBatchInput", _recall, HOLDERS),
    "transferStock": _by_input("transferStock", "TransferStockInput", _transfer, FLOOR_MOVERS),
    "adjustStock": _by_input("adjustStock", "AdjustStockInput", _adjust, VAULT_STAFF),
    # Compliance.
    "configureStateConnection": _by_input(
        "configureStateConnection",
        "ConfigureStateConnectionInput",
        _configure_connection,
        LOCATION_ADMINS,
    ),
    "exportCcrsWeek": Case(
        HOLDERS, _simple("exportCcrsWeek", {"locationId": "ID!", "weekOf": "Date!"}, _export_ccrs)
    ),
    "retryStateReport": _by_input(
        "retryStateReport", "ReportActionInput", _retry_report, HOLDERS, hidden=True
    ),
    "cancelStateReport": _by_input(
        "cancelStateReport", "ReportActionInput", _cancel_report, HOLDERS, hidden=True
    ),
    "startReconciliation": Case(
        HOLDERS, _simple("startReconciliation", {"locationId": "ID!"}, _location_only)
    ),
    "resolveDiscrepancy": _by_input(
        "resolveDiscrepancy", "ResolveDiscrepancyInput", _resolve, HOLDERS, hidden=True
    ),
    "assignDiscrepancy": _by_input(
        "assignDiscrepancy", "AssignDiscrepancyInput", _assign, HOLDERS, hidden=True
    ),
    "setAdjustmentReasonMapping": _by_input(
        "setAdjustmentReasonMapping",
        "SetAdjustmentReasonMappingInput",
        _reason_mapping,
        HOLDERS,
    ),
    "refreshStateAdjustmentReasons": Case(
        HOLDERS, _simple("refreshStateAdjustmentReasons", {"locationId": "ID!"}, _location_only)
    ),
    # Sales and reservations.
    "recordSale": _by_input("recordSale", "RecordSaleInput", _record_sale, SELLERS),
    "voidSale": _by_input("voidSale", "VoidSaleInput", _void_sale, SELLERS),
    "returnSale": _by_input("returnSale", "ReturnSaleInput", _return_sale, SELLERS),
    "createReservation": _by_input(
        "createReservation", "CreateReservationInput", _create_reservation, SELLERS
    ),
    "fulfilReservation": _by_input(
        "fulfilReservation", "FulfilReservationInput", _fulfil, SELLERS, hidden=True
    ),
    "cancelReservation": _by_input(
        "cancelReservation", "ReservationActionInput", _reservation_action, SELLERS, hidden=True
    ),
    "extendReservation": _by_input(
        "extendReservation", "ReservationActionInput", _extend, SELLERS, hidden=True
    ),
    # Receiving.
    "createShipment": _by_input(
        "createShipment", "CreateShipmentInput", _create_shipment, VAULT_STAFF
    ),
    "startReceiving": _by_input(
        "startReceiving", "StartReceivingInput", _start_receiving, VAULT_STAFF, hidden=True
    ),
    "answerChecklist": _by_input(
        "answerChecklist", "AnswerChecklistInput", _answer, VAULT_STAFF, hidden=True
    ),
    "scanPackage": _by_input("scanPackage", "ScanPackageInput", _scan, VAULT_STAFF, hidden=True),
    "completeReceiving": _by_input(
        "completeReceiving", "CompleteReceivingInput", _complete, VAULT_STAFF, hidden=True
    ),
    "pullIncomingShipments": Case(
        VAULT_STAFF, _simple("pullIncomingShipments", {"locationId": "ID!"}, _location_only)
    ),
    # Partners.
    "createWebhookEndpoint": _by_input(
        "createWebhookEndpoint", "CreateWebhookEndpointInput", _create_endpoint, LOCATION_ADMINS
    ),
    "updateWebhookEndpoint": _by_input(
        "updateWebhookEndpoint",
        "UpdateWebhookEndpointInput",
        _update_endpoint,
        LOCATION_ADMINS,
        hidden=True,
    ),
    "redeliverWebhook": _by_input(
        "redeliverWebhook", "RedeliverWebhookInput", _redeliver, LOCATION_ADMINS, hidden=True
    ),
    "configureIntegration": _by_input(
        "configureIntegration",
        "ConfigureIntegrationInput",
        _configure_integration,
        LOCATION_ADMINS,
    ),
}

# Features' entries live in their own modules (imported last: they build on the helpers above).
from tests.api.authz_count_plans import CASES as _COUNT_PLANS  # noqa: E402
from tests.api.authz_counts import CASES as _COUNTS  # noqa: E402
from tests.api.authz_diversion import CASES as _DIVERSION  # noqa: E402

CASES.update(_DIVERSION)
from tests.api.authz_destruction import CASES as _DESTRUCTION  # noqa: E402

CASES.update(_DESTRUCTION)
from tests.api.authz_repackaging import CASES as _REPACKAGING  # noqa: E402

CASES.update(_REPACKAGING)

from tests.api.authz_samples import SAMPLE_CASES  # noqa: E402

CASES.update(SAMPLE_CASES)
CASES.update(_COUNT_PLANS)
CASES.update(_COUNTS)
from tests.api.authz_display import CASES as _DISPLAY  # noqa: E402

CASES.update(_DISPLAY)

from tests.api.authz_labels import CASES as _LABELS  # noqa: E402

CASES.update(_LABELS)
from tests.api.authz_purchasing import CASES as _PURCHASING  # noqa: E402

CASES.update(_PURCHASING)

from tests.api.authz_packet import CASES as _PACKET  # noqa: E402

CASES.update(_PACKET)
from tests.api.authz_ordering import CASES as _ORDERING  # noqa: E402

CASES.update(_ORDERING)
