"""A count while the store keeps selling: netting, conflicts, recounts, approval, findings."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain import db, errors
from domain.counts import expiry
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.sales import sales
from tests.counts.helpers import (
    approve,
    balance,
    counted_line,
    line,
    scan,
    snapshot,
    start,
    submit,
    witness,
)
from tests.sales.helpers import floor_package, sale
from tests.support.ledger_checks import assert_ledger_balances
from tests.support.units import new_uow
from tests.support.world import OTHER_TAG


async def _sell(world, tag: str, grams: str) -> None:
    await sales.record_sale(new_uow(), world.as_(Role.BUDTENDER), sale(world, (tag, grams)))


async def test_a_sale_before_the_scan_is_netted_not_a_variance(world):
    tag, _ = await floor_package(world, "10")
    session_id = await start(world)
    await _sell(world, tag, "3")
    await scan(world, session_id, line(tag, "7"))
    assert await submit(world, session_id) == "submitted"
    counted = await counted_line(session_id, tag)
    assert (counted["expected_at_start"], counted["netted_quantity"]) == (Decimal(10), Decimal(-3))
    assert counted["variance"] == 0


async def test_a_sale_after_the_scan_is_netted_too(world):
    tag, _ = await floor_package(world, "10")
    session_id = await start(world)
    await scan(world, session_id, line(tag, "10"))
    await _sell(world, tag, "3")
    assert await submit(world, session_id) == "submitted"
    assert (await counted_line(session_id, tag))["variance"] == 0


async def test_a_movement_between_two_scans_of_a_package_puts_it_in_conflict(world):
    tag, _ = await floor_package(world, "10")
    session_id = await start(world)
    first = datetime.now(UTC)
    await scan(world, session_id, line(tag, "10", first))
    await _sell(world, tag, "1")
    await scan(world, session_id, line(tag, "9"))
    assert await submit(world, session_id) == "recount_required"
    counted = await counted_line(session_id, tag)
    assert counted["conflict"]
    assert counted["requires_recount"]


async def test_approval_posts_exactly_the_variance_with_the_session_and_witness(world):
    tag, package_id = await floor_package(world, "10")
    session_id = await start(world)
    await witness(world, session_id)
    await scan(world, session_id, line(tag, "9.5"))
    assert await submit(world, session_id) == "submitted"
    manager = world.as_(Role.MANAGER)
    outcome = await approve(manager, session_id)
    floor = world.ca.zone(ZoneKind.SALES_FLOOR)
    assert await balance(package_id, floor) == Decimal("9.5")
    async with db.connection() as conn:
        movement = await conn.fetchrow(
            "SELECT kind, reason, quantity, from_zone, witness, actor, source_document"
            " FROM movement WHERE id = $1",
            outcome.value.movement_ids[0],
        )
        counted_at = await conn.fetchval(
            "SELECT last_counted_at FROM package WHERE id = $1", package_id
        )
        three_way = await conn.fetchrow(
            "SELECT physical_quantity, our_quantity, count_session FROM discrepancy WHERE tag = $1",
            tag,
        )
    assert len(outcome.value.movement_ids) == 1
    assert dict(movement) == {
        "kind": "adjust",
        "reason": "count_correction",
        "quantity": Decimal("0.5"),
        "from_zone": floor,
        "witness": world.as_(Role.AUDITOR).user_id,
        "actor": manager.user_id,
        "source_document": f"count_session:{session_id}",
    }
    assert counted_at is not None
    assert tuple(three_way) == (Decimal("9.5"), Decimal(10), session_id)
    await assert_ledger_balances()


async def test_two_managers_approving_at_once_post_once(world):
    tag, package_id = await floor_package(world, "10")
    session_id = await start(world)
    await witness(world, session_id)
    await scan(world, session_id, line(tag, "9"))
    await submit(world, session_id)
    results = await asyncio.gather(
        approve(world.as_(Role.MANAGER), session_id),
        approve(world.as_(Role.ADMIN), session_id),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["CountWrongState", "Outcome"]
    assert await balance(package_id, world.ca.zone(ZoneKind.SALES_FLOOR)) == Decimal(9)


async def test_a_large_variance_is_recounted_by_someone_else_first(world):
    tag, package_id = await floor_package(world, "10")
    session_id = await start(world)
    await witness(world, session_id)
    await scan(world, session_id, line(tag, "4"))
    assert await submit(world, session_id) == "recount_required"
    before = await snapshot()
    with pytest.raises(errors.DifferentCounterRequired):
        await _recount(world, session_id, Role.BUDTENDER)
    with pytest.raises(errors.CountWrongState):
        await approve(world.as_(Role.MANAGER), session_id)
    assert await snapshot() == before
    await _recount(world, session_id, Role.INVENTORY_LEAD)
    await scan(world, session_id, line(tag, "4"), who=Role.INVENTORY_LEAD)
    assert await submit(world, session_id, Role.INVENTORY_LEAD) == "submitted"
    await approve(world.as_(Role.MANAGER), session_id)
    assert await balance(package_id, world.ca.zone(ZoneKind.SALES_FLOOR)) == Decimal(4)


async def _recount(world, session_id: int, who: Role):
    from domain.counts import submission

    return await submission.recount(new_uow(), world.as_(who), submission.Recount(session_id))


async def test_a_vault_count_needs_a_witness_before_submission(world):
    session_id = await start(world, Role.INVENTORY_LEAD, ZoneKind.VAULT)
    await scan(world, session_id, line(world.tag, "10"), who=Role.INVENTORY_LEAD)
    before = await snapshot()
    with pytest.raises(errors.CountWitnessRequired):
        await submit(world, session_id, Role.INVENTORY_LEAD)
    assert await snapshot() == before


async def test_budtenders_cannot_count_the_vault(world):
    with pytest.raises(errors.PermissionDenied):
        await start(world, Role.BUDTENDER, ZoneKind.VAULT)


async def test_stray_tags_are_findings_and_unscanned_packages_are_listed(world):
    _, package_id = await floor_package(world, "10")
    session_id = await start(world)
    recorded = await scan(
        world,
        session_id,
        line(world.tag, "10"),  # ours, but in the vault
        line(OTHER_TAG, "5"),  # another operator's licence: unknown to us
        line("1A4FF0000000000000NOPE", "1"),
    )
    assert recorded.value.findings == 3
    await submit(world, session_id)
    async with db.connection() as conn:
        findings = await conn.fetch(
            "SELECT tag, finding FROM count_line WHERE session = $1 ORDER BY id", session_id
        )
        unscanned = await conn.fetchval(
            "SELECT unscanned_packages FROM count_session WHERE id = $1", session_id
        )
    assert [r["finding"] for r in findings] == ["wrong_zone", "unknown_tag", "unknown_tag"]
    assert unscanned == [package_id]


async def test_a_resent_batch_changes_nothing_twice(world):
    tag, _ = await floor_package(world, "10")
    session_id = await start(world)
    batch = [line(tag, "10")]
    await scan(world, session_id, *batch)
    again = await scan(world, session_id, *batch)
    assert (again.value.recorded, again.value.already_recorded) == (0, 1)


async def test_bad_lines_are_refused_and_write_nothing(world):
    tag, _ = await floor_package(world, "10")
    session_id = await start(world)
    before = await snapshot()
    for bad, refusal in [
        (line(tag, "-1"), errors.InvalidQuantity),
        (line(tag, "1.0001"), errors.InvalidQuantity),
        (line(tag, "1", unit="each"), errors.UnitMismatch),
        (line(tag, "1", datetime.now(UTC) - timedelta(days=2)), errors.ValidationError),
    ]:
        with pytest.raises(refusal):
            await scan(world, session_id, line(tag, "2"), bad)
    assert await snapshot() == before


async def test_refusals_around_decisions_write_nothing(world):
    tag, _ = await floor_package(world, "10")
    session_id = await start(world)
    await scan(world, session_id, line(tag, "10"))
    before = await snapshot()
    with pytest.raises(errors.CountWrongState):  # still open
        await approve(world.as_(Role.MANAGER), session_id)
    with pytest.raises(errors.WitnessIsActor):
        await witness(world, session_id, by=Role.BUDTENDER)
    assert await snapshot() == before
    await witness(world, session_id, by=Role.MANAGER)
    await submit(world, session_id)
    before = await snapshot()
    with pytest.raises(errors.CannotApproveOwnCount):  # the manager witnessed it
        await approve(world.as_(Role.MANAGER), session_id)
    with pytest.raises(errors.CountWrongState):  # lines after submission
        await scan(world, session_id, line(tag, "1"))
    assert await snapshot() == before
    await approve(world.as_(Role.ADMIN), session_id)
    before = await snapshot()
    with pytest.raises(errors.CountWrongState):  # twice
        await approve(world.as_(Role.ADMIN), session_id)
    assert await snapshot() == before


async def test_a_session_left_open_past_the_limit_expires_and_says_so(world):
    tag, _ = await floor_package(world, "10")
    session_id = await start(world)
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE count_session SET expires_at = now() - interval '1 minute' WHERE id = $1",
            session_id,
        )
    assert await expiry.expire(new_uow()) == 1
    assert await expiry.expire(new_uow()) == 0
    with pytest.raises(errors.CountExpired):
        await scan(world, session_id, line(tag, "10"))


async def test_the_expiry_job_expires_what_is_due_and_is_safe_twice(world):
    from tests.support.units import job_ctx
    from workers import jobs

    session_id = await start(world)
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE count_session SET expires_at = now() - interval '1 second' WHERE id = $1",
            session_id,
        )
    assert await jobs.expire_counts(job_ctx()) == {"expired": 1}
    assert await jobs.expire_counts(job_ctx()) == {"expired": 0}
