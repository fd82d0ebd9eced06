"""Plugins: every hookspec is documented and tested (datasette-style), and third-party POS and
delivery adapters registered on a plugin manager are found by the real app.

Installed entry points are never loaded here: each test builds its manager with
``load_entrypoints=False`` and registers what it needs explicitly.
"""

from __future__ import annotations

import inspect
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from domain.integrations.tables import IntegrationKind
from domain.roles import Role
from domain.sales.model import CustomerType
from plugins import hookspecs, registry
from plugins.base import Mode, StateSystem, TagFormat
from plugins.hookspecs import hookimpl
from plugins.integrations import (
    DeliveryAdapter,
    LeafLedgerSignature,
    OrderItem,
    OrderPlaced,
    PosAdapter,
    PosLine,
    PosSale,
    StatusEvent,
)
from tests.integrations.conftest import app_client, connect
from tests.sales.helpers import floor_package, floor_quantity
from tests.support.world import add_product

TESTS = Path(__file__).resolve().parents[1]


def _hookspec_names() -> list[str]:
    return sorted(
        name
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, "leafledger_spec")
    )


def test_the_plugin_manager_knows_exactly_the_hookspecs():
    pm = registry.get_plugin_manager(load_entrypoints=False)
    hooks = {name for name in dir(pm.hook) if not name.startswith("_")}
    assert hooks == set(_hookspec_names())


@pytest.mark.parametrize("name", _hookspec_names())
def test_every_hookspec_has_a_docstring_and_a_test(name):
    assert (getattr(hookspecs, name).__doc__ or "").strip(), f"{name} needs a docstring"
    pattern = re.compile(rf"def test_hook_{name}\b")
    tested = any(pattern.search(path.read_text()) for path in TESTS.rglob("test_*.py"))
    assert tested, f"no test named test_hook_{name} exercises the {name} hookspec"


# -- A third-party state system ------------------------------------------------------------


class ThirdPartyState:
    SYSTEM = StateSystem(
        name="tracewell",
        title="Tracewell",
        mode=Mode.NONE,
        tag_format=TagFormat(r"TW-[0-9]{8}", "TW- and 8 digits"),
    )

    @hookimpl
    def register_state_systems(self) -> list[StateSystem]:
        return [self.SYSTEM]


def test_hook_register_state_systems():
    pm = registry.get_plugin_manager(load_entrypoints=False)
    pm.register(ThirdPartyState(), name="tracewell")
    pm.check_pending()
    systems = registry.collect_state_systems(pm)
    assert systems["tracewell"] is ThirdPartyState.SYSTEM
    assert {"metrc", "biotrack", "ccrs", "none"} <= set(systems)


# -- A third-party POS: its own JSON and its own signature header ---------------------------


def _acme_parse(body: bytes) -> list[PosSale]:
    """Acme sends one transaction per request: {"txn": ..., "till": ..., "items": [[tag, q, p]]}."""
    doc = json.loads(body)
    return [
        PosSale(
            event_id=f"acme-{doc['txn']}",
            occurred_at=datetime.fromtimestamp(doc["at"], UTC),
            register=doc["till"],
            receipt_id=doc["txn"],
            customer_type=CustomerType.ADULT_USE,
            customer_key=doc["customer"],
            lines=tuple(PosLine(t, Decimal(q), Decimal(p)) for t, q, p in doc["items"]),
        )
    ]


ACME = PosAdapter(
    name="acme",
    title="Acme POS",
    parse=_acme_parse,
    signature=LeafLedgerSignature(header="X-Acme-Signature"),
)


class AcmePlugin:
    @hookimpl
    def register_pos_adapters(self) -> list[PosAdapter]:
        return [ACME]


async def test_hook_register_pos_adapters(world):
    pm = registry.get_plugin_manager(load_entrypoints=False)
    pm.register(AcmePlugin(), name="acme")
    pm.check_pending()
    adapters = registry.collect_pos_adapters(pm)
    assert adapters["acme"] is ACME
    assert "generic" in adapters  # built-ins come through the same manager

    secret = await connect(world, adapter="acme", adapters=list(adapters))
    tag, package_id = await floor_package(world, "10")
    payload = json.dumps(
        {
            "txn": "T-1",
            "till": "front",
            "at": 1795802645,
            "customer": "c-1",
            "items": [[tag, "2", "9.50"]],
        }
    ).encode()
    async for hooks in app_client(pm):
        # Signed under our header name, the Acme adapter does not find its signature.
        ours = await hooks.post("pos", world.ca.location_id, payload, secret, adapter="acme")
        assert ours.status_code == 401
        response = await hooks.post(
            "pos", world.ca.location_id, payload, secret, adapter="acme", header="X-Acme-Signature"
        )
        assert response.status_code == 200, response.text
        [result] = response.json()["results"]
        assert (result["event_id"], result["outcome"]) == ("acme-T-1", "applied")
        # An adapter crashing on input it did not expect is the sender's 400, not our 500.
        broken = await hooks.post(
            "pos", world.ca.location_id, b"{}", secret, adapter="acme", header="X-Acme-Signature"
        )
        assert broken.status_code == 400
    assert await floor_quantity(world, package_id) == Decimal(8)


# -- A third-party delivery platform: its own orders and its own status documents ----------


def _fastcart_orders(body: bytes) -> list[OrderPlaced]:
    doc = json.loads(body)
    return [
        OrderPlaced(
            event_id=doc["delivery_id"],
            occurred_at=datetime.now(UTC),
            order_ref=doc["order"],
            lines=tuple(OrderItem(Decimal(q), product_id=int(p)) for p, q in doc["basket"].items()),
        )
    ]


def _fastcart_status(event: StatusEvent, data: Any) -> dict[str, Any]:
    return {"order": data["order_ref"], "state": data["status"].upper(), "dedupe": event.id}


FASTCART = DeliveryAdapter(
    name="fastcart",
    title="FastCart",
    parse_order=_fastcart_orders,
    status_payload=_fastcart_status,
)


class FastCartPlugin:
    @hookimpl
    def register_delivery_adapters(self) -> list[DeliveryAdapter]:
        return [FASTCART]


async def test_hook_register_delivery_adapters(world):
    pm = registry.get_plugin_manager(load_entrypoints=False)
    pm.register(FastCartPlugin(), name="fastcart")
    pm.check_pending()
    adapters = registry.collect_delivery_adapters(pm)
    assert adapters["fastcart"] is FASTCART
    assert "generic" in adapters

    secret = await connect(
        world, IntegrationKind.DELIVERY, adapter="fastcart", adapters=list(adapters)
    )
    product, batch = await add_product(world.as_(Role.INVENTORY_LEAD), "FC-1")
    _, package_id = await floor_package(world, "5", product=(product, batch))
    payload = json.dumps({"delivery_id": "fc-1", "order": "FC-77", "basket": {product: "2"}})
    async for hooks in app_client(pm):
        response = await hooks.post(
            "delivery", world.ca.location_id, payload.encode(), secret, adapter="fastcart"
        )
        assert response.status_code == 200, response.text
        [result] = response.json()["results"]
        assert result["outcome"] == "applied"
    assert await floor_quantity(world, package_id) == Decimal(3)
    shaped = FASTCART.status_payload(
        StatusEvent("reservation:1:created", "reservation.created", datetime.now(UTC)),
        {"reservation_id": 1, "status": "held", "order_ref": "FC-77", "partner": "fastcart"},
    )
    assert shaped == {"order": "FC-77", "state": "HELD", "dedupe": "reservation:1:created"}


def test_adapter_names_must_fit_in_a_url():
    pm = registry.get_plugin_manager(load_entrypoints=False)

    class Bad:
        @hookimpl
        def register_pos_adapters(self) -> list[PosAdapter]:
            return [PosAdapter(name="Bad Name/..", title="bad", parse=_acme_parse)]

    pm.register(Bad(), name="bad")
    with pytest.raises(ValueError, match="must match"):
        registry.collect_pos_adapters(pm)
