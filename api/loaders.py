"""Per-request DataLoaders: one query per entity type per request, however deep the page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from strawberry.dataloader import DataLoader

from domain.catalog import queries as catalog
from domain.errors import NotFound
from domain.identity import queries as identity
from domain.inventory import queries as inventory
from domain.organisation import queries as organisation
from domain.rows import Identified

R = TypeVar("R")
Keyed = TypeVar("Keyed", bound=Identified)
Rows = Callable[[Sequence[int]], Awaitable[Sequence[R]]]


class RowLoader(DataLoader[int, Keyed | None], Generic[Keyed]):
    """Rows by id. ``load`` answers None for an id without a row (a query naming an id); ``one``
    is for an id another row points at, where a missing row is NotFound, not a type built from
    None."""

    def __init__(self, fetch: Rows[Keyed], entity: str) -> None:
        async def load(ids: list[int]) -> list[Keyed | None]:
            rows = {r.id: r for r in await fetch(ids)}
            return [rows.get(i) for i in ids]

        super().__init__(load_fn=load)
        self.entity = entity

    async def one(self, key: int) -> Keyed:
        row = await self.load(key)
        if row is None:
            raise NotFound(self.entity, str(key))
        return row


def _grouped(fetch: Rows[R], key: str) -> DataLoader[int, list[R]]:
    async def load(ids: list[int]) -> list[list[R]]:
        groups: dict[int, list[R]] = defaultdict(list)
        for row in await fetch(ids):
            groups[getattr(row, key)].append(row)
        return [groups.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


class Loaders:
    """Created per request (and per subscription event) so no stale rows are served."""

    def __init__(self) -> None:
        self.location = RowLoader(organisation.locations_by_ids, "location")
        self.zone = RowLoader(organisation.zones_by_ids, "zone")
        self.zones_of_location = _grouped(organisation.zones_by_location, "location_id")
        self.zone_totals = _grouped(organisation.zone_totals, "zone_id")
        self.product = RowLoader(catalog.products_by_ids, "product")
        self.batch = RowLoader(catalog.batches_by_ids, "batch")
        self.batches_of_product = _grouped(catalog.batches_of_product, "product_id")
        self.user = RowLoader(identity.users_by_ids, "user")
        self.package = RowLoader(inventory.packages_by_ids, "package")
        self.balances = _grouped(inventory.balances_by_package, "package_id")
        self.movement = RowLoader(inventory.movements_by_ids, "movement")
