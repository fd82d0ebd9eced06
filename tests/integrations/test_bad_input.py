"""Correctly signed garbage: every field of valid events replaced by odd values, never a 500.

Seeded and in-process (the suite's pool lives on the session loop, so no hypothesis runner): a
few hundred variations of a sale, a void and an order each, posted through the real app.
"""

from __future__ import annotations

import copy
import json
import os
import random
from collections import Counter
from typing import Any

from domain.integrations.tables import IntegrationKind
from domain.roles import Role
from tests.integrations.conftest import connect, sale_event, void_event
from tests.sales.helpers import floor_package
from tests.support.ledger_checks import assert_ledger_balances
from tests.support.world import add_product

ODD: list[Any] = [
    None,
    "",
    " ",
    "x" * 300,
    "R\u00001",
    "\ud7ff\ue000",
    "\ud800",
    "１２",
    -1,
    0,
    2**31,
    2**70,
    -(2**70),
    1.5,
    1e308,
    True,
    [],
    {},
    [1, 2],
    {"a": 1},
    "NaN",
    "-Infinity",
    "1e999999",
    "-0",
    "0.0001",
    "2026-13-45T99:99:99Z",
    "2026-11-27T18:04:05",
    "2026-11-27T18:04:05+99:00",
    "adult_use",
    "order.placed",
    "sale",
]


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path inside ``value`` (dict keys and list indexes)."""
    found = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        found.append((*prefix, key))
        if isinstance(child, dict | list):
            found.extend(_paths(child, (*prefix, key)))
    return found


def _mutate(event: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    for _ in range(rng.randint(1, 3)):
        paths = _paths(changed)
        if not paths:
            break
        *parents, last = rng.choice(paths)
        holder: Any = changed
        for key in parents:
            holder = holder[key]
        if rng.random() < 0.2 and isinstance(holder, dict):
            del holder[last]
        else:
            holder[last] = copy.deepcopy(rng.choice(ODD))
    return changed


async def _fuzz(hooks, location_id: int, kind: str, secret: str, seeds: list[dict]) -> None:
    rng = random.Random(int(os.environ.get("LEAFLEDGER_FUZZ_SEED", "20261127")))
    seen: Counter[str] = Counter()
    for n in range(300):
        event = _mutate(rng.choice(seeds), rng)
        event["id"] = event.get("id") if rng.random() < 0.1 else f"fuzz-{n}"
        payload = json.dumps({"events": [event]}).encode()
        response = await hooks.post(kind, location_id, payload, secret)
        assert response.status_code in (200, 400, 409), (event, response.text)
        if response.status_code == 200:
            for result in response.json()["results"]:
                assert result["outcome"] in ("applied", "refused", "duplicate"), result
                seen[result["outcome"]] += 1
        else:
            seen[str(response.status_code)] += 1
    # The variations reach every layer: the parser (400), the domain (refused) and the ledger.
    assert {"400", "applied", "refused"} <= set(seen), seen


async def test_odd_pos_events_are_answered_never_crashed_on(hooks, world):
    secret = await connect(world)
    tag, _ = await floor_package(world, "500")
    seeds = [
        sale_event("s", (tag, "1"), receipt="R-1"),
        void_event("v", "R-1"),
        {**sale_event("m", (tag, "1"), receipt="R-2"), "customer_type": "medical"},
    ]
    await _fuzz(hooks, world.ca.location_id, "pos", secret, seeds)
    await assert_ledger_balances()


async def test_odd_orders_are_answered_never_crashed_on(hooks, world):
    secret = await connect(world, IntegrationKind.DELIVERY)
    product = await add_product(world.as_(Role.INVENTORY_LEAD), "FUZZ-1")
    tag, _ = await floor_package(world, "500", product=product)
    seeds = [
        {
            "id": "p",
            "type": "order.placed",
            "occurred_at": "2026-11-27T18:04:05Z",
            "order_ref": "DD-1",
            "hold_minutes": 30,
            "customer_key": "c",
            "lines": [
                {"product_id": product[0], "quantity": "1"},
                {"tag": tag, "quantity": 1},
            ],
        },
        {
            "id": "c",
            "type": "order.cancelled",
            "occurred_at": "2026-11-27T18:05:00Z",
            "order_ref": "DD-1",
            "reason": "r",
        },
    ]
    await _fuzz(hooks, world.ca.location_id, "delivery", secret, seeds)
    await assert_ledger_balances()
