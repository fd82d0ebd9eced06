"""Lab results set the batch's lab status and hold or release its packages; results METRC
holds for a package can be pulled in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain import db
from domain.errors import NotFound, PackageNotSellable, PermissionDenied, ValidationError
from domain.inventory import packages, stock
from domain.lab import queries, results
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.lab.helpers import batch_status, package_status, record, written
from tests.support.units import new_uow
from tests.support.world import OTHER_TAG


async def test_a_failed_result_holds_the_batch_and_keeps_it_off_the_floor(world):
    outcome = await record(
        world,
        ("Total THC", True),
        ("Pesticides", False),
        thc_percent=Decimal("21.4"),
        coa_url="https://lab.example/coa/881.pdf",
    )

    assert outcome.value.lab_status == "failed"
    assert outcome.value.held_package_ids == [world.package_id]
    assert await package_status(world.package_id) == "on_hold"
    with pytest.raises(PackageNotSellable):
        await stock.transfer_stock(
            new_uow(),
            world.as_(Role.MANAGER),
            stock.TransferStock(
                world.ca.location_id,
                world.tag,
                world.ca.zone(ZoneKind.VAULT),
                world.ca.zone(ZoneKind.SALES_FLOOR),
                Decimal(1),
            ),
        )
    [row] = await queries.lab_results(world.ca.location_id, world.batch_id, 10)
    assert row.thc_percent == Decimal("21.4")
    assert [(a.name, a.passed) for a in row.analytes] == [
        ("Total THC", True),
        ("Pesticides", False),
    ]


async def test_a_passing_retest_releases_only_the_holds_the_failure_set(world):
    await record(world, ("Pesticides", False))
    await record(world, ("Pesticides", True))
    assert await batch_status(world.batch_id) == "remediated"
    assert await package_status(world.package_id) == "active"

    manager = world.as_(Role.MANAGER)
    hold = packages.ChangeHold(world.ca.location_id, world.tag, "jar cracked")
    await packages.hold_package(new_uow(), manager, hold)
    await record(world, ("Pesticides", True))
    assert await package_status(world.package_id) == "on_hold"  # the manager's hold stays


async def test_results_for_unknown_or_foreign_batches_write_nothing(world):
    before = await written()
    with pytest.raises(NotFound):
        await record(world, ("THC", True), batch_id=999_999)
    with pytest.raises(ValidationError):
        await record(world)
    with pytest.raises(ValidationError):
        await record(world, ("THC", True), thc_percent=Decimal(140))
    with pytest.raises(ValidationError):
        await record(world, ("THC", True), coa_url="javascript:alert(1)")
    with pytest.raises(PermissionDenied):
        await record(world, ("THC", True), role=Role.INVENTORY_LEAD)
    assert await written() == before
    assert await batch_status(world.batch_id) == "passed"


async def test_a_foreign_operators_batch_is_not_found(world):
    async with db.connection() as conn:
        foreign = await conn.fetchval("SELECT batch FROM package WHERE tag = $1", OTHER_TAG)
    with pytest.raises(NotFound):
        await record(world, ("THC", False), batch_id=foreign)
    assert await batch_status(foreign) == "passed"


async def test_results_pulled_from_metrc_fail_the_batch_once(world, metrc):
    metrc.state.add_lab_result(world.tag, "Total THC (%) Raw Plant Material", level=21.5)
    metrc.state.add_lab_result(world.tag, "Pesticides", passed=False)
    compliance = world.as_(Role.COMPLIANCE)
    pull = results.PullLabResults(world.ca.location_id, world.tag)

    first = await results.pull_lab_results(new_uow(), compliance, pull)
    again = await results.pull_lab_results(new_uow(), compliance, pull)

    assert first.value.lab_status == "failed"
    assert first.value.held_package_ids == [world.package_id]
    assert again.value.result_id is None  # the same results: nothing recorded twice
    [row] = await queries.lab_results(world.ca.location_id, world.batch_id, 10)
    assert (row.source, row.thc_percent, row.passed) == ("metrc", Decimal("21.500"), False)
    assert any("/labtests/v2/results" in e.path for e in metrc.log.entries)
    metrc.log.assert_no_violations()


async def test_a_package_metrc_has_no_results_for_changes_nothing(world, metrc):
    outcome = await results.pull_lab_results(
        new_uow(),
        world.as_(Role.MANAGER),
        results.PullLabResults(world.ca.location_id, world.tag),
    )
    assert outcome.value.result_id is None
    assert await batch_status(world.batch_id) == "passed"


async def test_a_revoked_or_unreleased_metrc_failure_does_not_hold_the_batch(world, metrc):
    metrc.state.add_lab_result(world.tag, "Total THC (%)", level=19.0)
    metrc.state.add_lab_result(world.tag, "Pesticides", passed=False, revoked=date(2026, 1, 2))
    metrc.state.add_lab_result(world.tag, "Mold", passed=False, released=False)

    outcome = await results.pull_lab_results(
        new_uow(),
        world.as_(Role.COMPLIANCE),
        results.PullLabResults(world.ca.location_id, world.tag),
    )

    assert outcome.value.lab_status == "passed"
    assert await package_status(world.package_id) == "active"
