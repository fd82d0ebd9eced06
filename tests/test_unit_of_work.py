"""The unit of work a service is handed: one transaction, events after commit, its own plugins."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest

from domain import db, service
from domain.errors import ValidationError
from domain.events import Event, PackageStatusChanged
from domain.inventory import stock
from domain.inventory.model import PackageStatus
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.unit_of_work import UnitOfWork
from plugins import registry
from tests.support.units import new_uow


@dataclass(frozen=True)
class Rename:
    name: str
    idempotency_key: str | None = "rename-1"


@dataclass(frozen=True)
class Renamed:
    zone_id: int


class Recorder:
    """A publisher that notes what it was handed, and whether it was committed by then."""

    def __init__(self) -> None:
        self.published: list[Event] = []
        self.zone_names_seen: list[str] = []

    async def __call__(self, events: Sequence[Event]) -> None:
        self.published.extend(events)
        # A second connection sees only committed rows.
        async with db.connection() as conn:
            self.zone_names_seen.append(
                await conn.fetchval("SELECT string_agg(name, ',') FROM zone WHERE name LIKE 'UoW%'")
                or ""
            )


def _to_floor(world, grams: str, key: str | None = None) -> stock.TransferStock:
    return stock.TransferStock(
        location_id=world.ca.location_id,
        tag=world.tag,
        from_zone_id=world.ca.zone(ZoneKind.VAULT),
        to_zone_id=world.ca.zone(ZoneKind.SALES_FLOOR),
        quantity=Decimal(grams),
        idempotency_key=key,
    )


def _changed(location_id: int, package_id: int = 1) -> PackageStatusChanged:
    return PackageStatusChanged(
        location_id=location_id,
        package_id=package_id,
        from_status=PackageStatus.ACTIVE,
        to_status=PackageStatus.ON_HOLD,
    )


async def _rename_first_zone(uow: UnitOfWork, location_id: int, name: str) -> None:
    await uow.conn.execute(
        "UPDATE zone SET name = $2 WHERE id = (SELECT min(id) FROM zone WHERE location = $1)",
        location_id,
        name,
    )


async def test_events_reach_the_publisher_only_after_the_change_is_committed(world):
    recorder = Recorder()
    uow = UnitOfWork(registry.current(), recorder)
    async with uow:
        await _rename_first_zone(uow, world.ca.location_id, "UoW committed")
        uow.record(_changed(world.ca.location_id))
        assert recorder.published == []

    assert recorder.published == [_changed(world.ca.location_id)]
    assert recorder.zone_names_seen == ["UoW committed"]


async def test_a_rolled_back_unit_publishes_nothing_and_writes_nothing(world):
    recorder = Recorder()
    uow = UnitOfWork(registry.current(), recorder)

    async def refused_after_writing() -> None:
        async with uow:
            await _rename_first_zone(uow, world.ca.location_id, "UoW rolled back")
            uow.record(_changed(world.ca.location_id))
            raise ValidationError("name", "refused after the write")

    with pytest.raises(ValidationError):
        await refused_after_writing()

    assert recorder.published == []
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM zone WHERE name LIKE 'UoW%'") == 0


async def test_a_service_handed_an_open_unit_joins_its_transaction_and_its_events(world):
    recorder = Recorder()
    uow = UnitOfWork(registry.current(), recorder)
    lead = world.as_(Role.INVENTORY_LEAD)

    async def outer_fails_after_the_inner_service() -> None:
        async with uow:
            await _rename_first_zone(uow, world.ca.location_id, "UoW outer")
            moved = await stock.transfer_stock(uow, lead, _to_floor(world, "1"))
            assert moved.value.movement_ids  # written, but not yet committed
            assert recorder.published == []  # the inner service did not publish on its own
            raise ValidationError("name", "the outer operation fails afterwards")

    with pytest.raises(ValidationError):
        await outer_fails_after_the_inner_service()

    # The inner service's movement rolled back with the outer unit, and nothing was announced.
    assert recorder.published == []
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM zone WHERE name LIKE 'UoW%'") == 0
        assert await conn.fetchval("SELECT count(*) FROM movement WHERE kind = 'transfer'") == 0


async def test_events_of_nested_services_are_published_once_after_the_outer_commit(world):
    recorder = Recorder()
    uow = UnitOfWork(registry.current(), recorder)
    lead = world.as_(Role.INVENTORY_LEAD)
    async with uow:
        await stock.transfer_stock(uow, lead, _to_floor(world, "1", "first"))
        await stock.transfer_stock(uow, lead, _to_floor(world, "2", "second"))
        assert recorder.published == []

    assert len(recorder.zone_names_seen) == 1  # one publication, after the one commit
    assert {type(e).__name__ for e in recorder.published} >= {"StockBalanceChanged"}


async def test_the_plugins_a_unit_carries_are_the_ones_the_service_uses(world):
    """No global registry: a unit built with a registry without the state system the licence
    uses cannot reach that system, whatever the process installed."""
    installed = registry.current()
    without = replace(
        installed,
        state_systems={k: v for k, v in installed.state_systems.items() if k != "metrc"},
    )
    uow = UnitOfWork(without)
    with pytest.raises(LookupError):
        async with uow:
            uow.registry.state_system("metrc")
    assert new_uow().registry.state_system("metrc") is installed.state_system("metrc")


async def test_a_value_the_database_refuses_is_a_validation_error_and_writes_nothing(world):
    lead = world.as_(Role.MANAGER)

    async def work(uow: UnitOfWork) -> Renamed:
        await _rename_first_zone(uow, world.ca.location_id, "Renamed")
        # Stands for any value a check missed: a cast the database cannot make.
        await uow.conn.execute("SELECT 'many'::int")
        return Renamed(0)

    with pytest.raises(ValidationError) as refused:
        await service.run(new_uow(), lead, "renameZones", Rename("Renamed"), work, Renamed)

    assert "many" in refused.value.reason
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM zone WHERE name = 'Renamed'") == 0
        assert await conn.fetchval("SELECT count(*) FROM idempotency_record") == 0
