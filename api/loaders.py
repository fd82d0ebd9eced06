"""Per-request DataLoaders: one query per entity type per request, however deep the page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from domain.catalog import queries as catalog
from domain.identity import queries as identity
from domain.inventory import queries as inventory
from domain.organisation import queries as organisation

Rows = Callable[[Sequence[int]], Awaitable[list[dict[str, Any]]]]


def _by_id(fetch: Rows) -> DataLoader[int, dict[str, Any] | None]:
    async def load(ids: list[int]) -> list[dict[str, Any] | None]:
        rows = {r["id"]: r for r in await fetch(ids)}
        return [rows.get(i) for i in ids]

    return DataLoader(load_fn=load)


def _grouped(fetch: Rows, key: str) -> DataLoader[int, list[dict[str, Any]]]:
    async def load(ids: list[int]) -> list[list[dict[str, Any]]]:
        groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in await fetch(ids):
            groups[row[key]].append(row)
        return [groups.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


class Loaders:
    """Created per request (and per subscription event) so no stale rows are served."""

    def __init__(self) -> None:
        self.location = _by_id(organisation.locations_by_ids)
        self.zone = _by_id(organisation.zones_by_ids)
        self.zones_of_location = _grouped(organisation.zones_by_location, "location_id")
        self.zone_totals = _grouped(organisation.zone_totals, "zone_id")
        self.product = _by_id(catalog.products_by_ids)
        self.batch = _by_id(catalog.batches_by_ids)
        self.batches_of_product = _grouped(catalog.batches_of_product, "product_id")
        self.user = _by_id(identity.users_by_ids)
        self.package = _by_id(inventory.packages_by_ids)
        self.balances = _grouped(inventory.balances_by_package, "package_id")
        self.movement = _by_id(inventory.movements_by_ids)
