"""An adapter given to ``create_app(plugin_manager=)`` is the one every part of the process sees:
the webhook route accepts its events and the integration service lets a manager connect it
(before the composition root, the service looked only at the installed plugins and refused it)."""

from __future__ import annotations

import json
from decimal import Decimal

from domain.integrations import services
from domain.integrations.tables import IntegrationKind
from plugins import registry
from tests.integrations.conftest import app_client, connect
from tests.integrations.test_plugins import AcmePlugin
from tests.sales.helpers import floor_package, floor_quantity


async def test_a_manager_connects_and_sells_through_an_adapter_given_to_the_app(world):
    pm = registry.get_plugin_manager(load_entrypoints=False)
    pm.register(AcmePlugin(), name="acme")
    tag, package_id = await floor_package(world, "10")
    payload = json.dumps(
        {
            "txn": "T-7",
            "till": "front",
            "at": 1795802645,
            "customer": "c-7",
            "items": [[tag, "3", "9.50"]],
        }
    ).encode()

    async for hooks in app_client(pm):
        assert "acme" in services.installed_adapters(registry.current(), IntegrationKind.POS)
        # No explicit adapter list: the service finds the app's adapter itself.
        secret = await connect(world, adapter="acme")
        response = await hooks.post(
            "pos", world.ca.location_id, payload, secret, adapter="acme", header="X-Acme-Signature"
        )
        assert response.status_code == 200, response.text

    assert await floor_quantity(world, package_id) == Decimal(7)
    # The app is gone: the process is back to the installed plugins.
    assert "acme" not in services.installed_adapters(registry.current(), IntegrationKind.POS)
