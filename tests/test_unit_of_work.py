"""A value the tables refuse, which no service check caught, is still the caller's error."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from domain import db, service
from domain.errors import ValidationError
from domain.roles import Role


@dataclass(frozen=True)
class Rename:
    name: str
    idempotency_key: str | None = "rename-1"


@dataclass(frozen=True)
class Renamed:
    zone_id: int


async def test_a_value_the_database_refuses_is_a_validation_error_and_writes_nothing(world):
    lead = world.as_(Role.MANAGER)

    async def work() -> Renamed:
        async with db.connection() as conn:
            await conn.execute(
                "UPDATE zone SET name = 'Renamed'"
                " WHERE id = (SELECT min(id) FROM zone WHERE location = $1)",
                world.ca.location_id,
            )
            # Stands for any value a check missed: a cast the database cannot make.
            await conn.execute("SELECT 'many'::int")
        return Renamed(0)

    with pytest.raises(ValidationError) as refused:
        await service.run(lead, "renameZones", Rename("Renamed"), work, Renamed)

    assert "many" in refused.value.reason
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM zone WHERE name = 'Renamed'") == 0
        assert await conn.fetchval("SELECT count(*) FROM idempotency_record") == 0
