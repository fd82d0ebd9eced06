"""Lab testing at the test store: terse calls and what the books say afterwards."""

from __future__ import annotations

from decimal import Decimal

from domain import db
from domain.lab import results, samples
from domain.lab.model import Analyte
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.units import new_uow

LAB = "C8-0000001-LIC"


async def create(world, grams: str, code: str = "LS-1", *, role: Role = Role.INVENTORY_LEAD, **kw):
    return await samples.create_lab_sample(
        new_uow(),
        world.as_(role),
        samples.CreateLabSample(
            world.ca.location_id,
            kw.pop("tag", world.tag),
            world.ca.zone(kw.pop("zone", ZoneKind.VAULT)),
            Decimal(grams),
            LAB,
            code,
            **kw,
        ),
    )


def step(world, lab_sample_id: int, **kw) -> samples.LabSampleStep:
    return samples.LabSampleStep(world.ca.location_id, lab_sample_id, **kw)


async def record(world, *analytes: tuple[str, bool], batch_id: int | None = None, **kw):
    return await results.record_lab_result(
        new_uow(),
        world.as_(kw.pop("role", Role.COMPLIANCE)),
        results.RecordLabResult(
            world.ca.location_id,
            batch_id or world.batch_id,
            [Analyte(name, passed) for name, passed in analytes],
            **kw,
        ),
    )


async def batch_status(batch_id: int) -> str:
    async with db.connection() as conn:
        return await conn.fetchval("SELECT lab_status FROM batch WHERE id = $1", batch_id)


async def package_status(package_id: int) -> str:
    async with db.connection() as conn:
        return await conn.fetchval("SELECT status FROM package WHERE id = $1", package_id)


async def written() -> tuple[int, int, int]:
    """Lab samples, lab results and movements so far."""
    async with db.connection() as conn:
        return (
            await conn.fetchval("SELECT count(*) FROM lab_sample"),
            await conn.fetchval("SELECT count(*) FROM lab_result"),
            await conn.fetchval("SELECT count(*) FROM movement"),
        )
