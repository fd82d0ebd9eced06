"""Verification that someone hears about: a tampered ledger raises a compliance alert naming the
package and movement, and ``ledgerVerification`` shows the run; an intact ledger runs clean."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain import db, events
from domain.audit import verification
from domain.audit.chains import head_line
from domain.inventory import stock
from domain.organisation import services as organisation
from domain.organisation.model import ZoneKind
from domain.packet.ledger_parts import CHAIN_SQL, ChainTally
from domain.packet.period import Period
from domain.roles import Role
from tests.support.units import job_ctx, new_uow, publishing
from workers.jobs import verify_ledger

LAST_RUN = """query($loc: ID!) { ledgerVerification(locationId: $loc) {
  status clean trigger rowsChecked chainsChecked breaksFound startedAt finishedAt
  heads { check chains rows digest broken }
  findings { check tag sequence reason } } }"""


@pytest.fixture
def alerts() -> Iterator[list[events.ComplianceAlertRaised]]:
    published: list[events.ComplianceAlertRaised] = []

    async def collect(batch) -> None:
        published.extend(e for e in batch if isinstance(e, events.ComplianceAlertRaised))

    with publishing(collect):
        yield published


async def _move(world, grams: str) -> None:
    await stock.transfer_stock(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        stock.TransferStock(
            world.ca.location_id,
            world.tag,
            world.ca.zone(ZoneKind.VAULT),
            world.ca.zone(ZoneKind.SALES_FLOOR),
            Decimal(grams),
        ),
    )


async def _behind_the_guards(sql: str, *args) -> None:
    """What a superuser can do: switch the append-only trigger off for one statement."""
    async with db.transaction(), db.connection() as conn:
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute(sql, *args)


async def test_an_intact_ledger_gives_a_clean_run_with_heads_to_reverify(api, world, alerts):
    await _move(world, "2")
    await _move(world, "1")
    assert await verify_ledger(job_ctx()) == {"locations": 2, "broken": 0, "dangling": 0}
    assert alerts == []

    run = (
        await api(LAST_RUN, {"loc": str(world.ca.location_id)}, token=world.ca.token(Role.AUDITOR))
    )["data"]["ledgerVerification"]
    assert (run["status"], run["clean"], run["trigger"]) == ("clean", True, "nightly")
    assert run["findings"] == []
    assert run["breaksFound"] == 0
    movements = next(h for h in run["heads"] if h["check"] == "movements")
    assert (movements["chains"], movements["rows"]) == (1, 3)
    changes = next(h for h in run["heads"] if h["check"] == "change_log")
    assert changes["broken"] == 0  # the store's setup is in its change log, intact
    # An inspector re-computes the digest from the package rows' heads.
    async with db.connection() as conn:
        heads = await conn.fetch(
            "SELECT tag, movement_count, last_hash FROM package WHERE location = $1"
            " AND movement_count > 0 ORDER BY tag",
            world.ca.location_id,
        )
    digest = hashlib.sha256(b"".join(head_line(*h) for h in heads)).hexdigest()
    assert movements["digest"] == digest


async def test_a_historical_movement_edited_by_a_superuser_raises_an_alert_naming_it(
    api, world, alerts
):
    await _move(world, "2")
    await _move(world, "1")
    await _behind_the_guards(
        "UPDATE movement SET quantity = 0.5 WHERE package = $1 AND sequence = 2", world.package_id
    )

    result = await verify_ledger(job_ctx(), world.ca.location_id)

    assert result == {"locations": 1, "broken": 1, "dangling": 0}
    [alert] = alerts
    assert alert.kind == events.AlertKind.LEDGER_BROKEN
    assert (alert.location_id, alert.tag, alert.sequence) == (world.ca.location_id, world.tag, 2)
    assert world.tag in alert.message
    assert "2" in alert.message
    run = (
        await api(
            LAST_RUN, {"loc": str(world.ca.location_id)}, token=world.ca.token(Role.COMPLIANCE)
        )
    )["data"]["ledgerVerification"]
    assert (run["status"], run["clean"], run["breaksFound"]) == ("broken", False, 1)
    assert run["findings"] == [
        {
            "check": "movements",
            "tag": world.tag,
            "sequence": 2,
            "reason": "movement content does not match its hash",
        }
    ]


async def test_a_deleted_last_movement_shows_as_a_head_that_does_not_match(world, alerts):
    await _move(world, "2")
    await _behind_the_guards(
        "DELETE FROM movement WHERE package = $1 AND sequence = 2", world.package_id
    )
    await verify_ledger(job_ctx(), world.ca.location_id)
    [alert] = alerts
    assert (alert.tag, alert.sequence) == (world.tag, 1)
    assert "head" in (alert.reason or "")


async def test_a_movement_pointing_at_another_stores_zone_is_named(world, alerts):
    await _move(world, "2")
    await _behind_the_guards(
        "UPDATE movement SET to_zone = $1 WHERE package = $2 AND sequence = 2",
        world.co.zone(ZoneKind.SALES_FLOOR),
        world.package_id,
    )
    result = await verify_ledger(job_ctx(), world.ca.location_id)
    assert result["dangling"] == 1
    assert {(a.tag, a.sequence) for a in alerts} == {(world.tag, 2)}
    assert {a.reason for a in alerts} >= {"names a zone, person or package elsewhere"}


async def test_a_registered_check_of_another_chain_is_run_and_reported(world, alerts, monkeypatch):
    """Another chain (the change log's) joins with one line in ``CHAIN_CHECKS``."""

    class Row:
        def __init__(self, sequence: int) -> None:
            self.chain, self.sequence, self.reason = "change-log", sequence, "row edited"

    async def change_log(conn, location_id):
        assert await conn.fetchval("SELECT current_setting('transaction_read_only')") == "on"
        return [Row(7)]

    monkeypatch.setattr(
        verification, "CHAIN_CHECKS", [*verification.CHAIN_CHECKS, ("change_log", change_log)]
    )
    run = await verification.verify_location(new_uow(), world.ca.location_id, "cli")
    assert run.status == "broken"
    assert [(b.check, b.tag, b.sequence) for b in run.findings] == [("change_log", "change-log", 7)]
    assert [(a.tag, a.sequence) for a in alerts] == [("change-log", 7)]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.COMPLIANCE, True),
        (Role.AUDITOR, True),
        (Role.ADMIN, True),
        (Role.MANAGER, True),
        (Role.INVENTORY_LEAD, False),
        (Role.BUDTENDER, False),
    ],
)
async def test_who_reads_the_verification(api, world, role, allowed):
    await verify_ledger(job_ctx(), world.ca.location_id)
    result = await api(LAST_RUN, {"loc": str(world.ca.location_id)}, token=world.ca.token(role))
    if allowed:
        assert result["data"]["ledgerVerification"]["status"] == "clean"
    else:
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Nobody at this store reads another store's runs.
    other = await api(LAST_RUN, {"loc": str(world.co.location_id)}, token=world.ca.token(role))
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_heads_digest_is_the_audit_packets_for_a_period_up_to_now(world):
    """An inspector holding the packet's chain_heads.csv (a period ending now) and the run's
    digest is comparing the same thing."""
    await _move(world, "2")
    run = await verification.verify_location(new_uow(), world.ca.location_id, "cli")
    now = datetime.now(UTC) + timedelta(minutes=1)
    period = Period(date(2000, 1, 1), now.date(), "UTC", datetime(2000, 1, 1, tzinfo=UTC), now)
    tally = ChainTally(period)
    async with db.connection() as conn:
        for row in await conn.fetch(CHAIN_SQL, world.ca.location_id, period.start, period.end):
            tally.add(tuple(row))
    [movements] = [h for h in run.heads if h.check == "movements"]
    assert movements.digest == tally.digest.hexdigest()


async def test_a_change_log_row_edited_by_a_superuser_raises_an_alert_naming_its_chain(
    api, world, alerts
):
    await organisation.update_location(  # a policy change: one row in the store's chain
        new_uow(),
        world.as_(Role.MANAGER),
        organisation.UpdateLocation(world.ca.location_id, reservation_hold_minutes=90),
    )
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT id, sequence, operation FROM change_log WHERE location = $1"
            " ORDER BY sequence LIMIT 1",
            world.ca.location_id,
        )
    await _behind_the_guards(
        "UPDATE change_log SET operation = 'renamedBehindTheGuards' WHERE id = $1", row["id"]
    )

    result = await verify_ledger(job_ctx(), world.ca.location_id)

    assert result["broken"] == 1
    [alert] = alerts
    assert alert.kind == events.AlertKind.LEDGER_BROKEN
    assert (alert.tag, alert.sequence) == (f"location:{world.ca.location_id}", row["sequence"])
    run = (
        await api(LAST_RUN, {"loc": str(world.ca.location_id)}, token=world.ca.token(Role.AUDITOR))
    )["data"]["ledgerVerification"]
    [finding] = run["findings"]
    assert finding["check"] == "change_log"
    assert f"row {row['id']}" in finding["reason"]
