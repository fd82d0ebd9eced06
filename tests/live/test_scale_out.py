"""What a large operator runs: two API processes and two workers against one PostgreSQL and one
Redis. Every guarantee a single process gives still holds when the work is split:

- the last units of a package, raced for through both APIs, are never oversold;
- each state report reaches METRC once, though both workers drain;
- each expired reservation is put back once, though both workers sweep;
- each periodic job runs once per tick, though both workers schedule it.

The fifth, that a subscriber on one API process sees a change made through the other, is
``tests/live/test_floor_display.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal

import httpx
import pytest
import redis.asyncio as aioredis
from arq import create_pool
from prometheus_client.parser import text_string_to_metric_families

from api.bootstrap import redis_settings
from domain import db
from domain.inventory import stock
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.sales import reservations
from domain.sales.model import Channel
from tests.api.queries import TRANSFER, transfer_input
from tests.conftest import SETTINGS
from tests.sales.helpers import floor_package, floor_quantity
from tests.support.ledger_checks import assert_ledger_balances
from tests.support.processes import ApiProcess, api_processes, free_port, start_worker, stop
from tests.support.redis_keys import forget_queue
from tests.support.units import new_uow
from tests.support.world import add_product

pytestmark = pytest.mark.slow

RECORD_SALE = """
mutation($input: RecordSaleInput!) {
  recordSale(input: $input) {
    __typename
    ... on SalePayload { sale { id } }
    ... on InsufficientStock { tag requested available }
  }
}
"""

ON_FLOOR = 6  # grams on the sales floor when the race starts
SALES_PER_API = 6  # 1 g each
RETURNS_PER_API = 3  # floor → vault transfers of 1 g, competing for the same grams


@contextlib.contextmanager
def _two_workers() -> Iterator[list[int]]:
    """Two ``leafledger worker`` processes; answers the ports their job counters are served on."""
    ports = [free_port(), free_port()]
    workers = [start_worker({"LEAFLEDGER_WORKER_METRICS_PORT": str(port)}) for port in ports]
    try:
        yield ports
    finally:
        for worker in workers:
            stop(worker)


async def _wait(condition: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    """Poll ``condition`` until it holds; a generous bound, never a measure of speed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


async def _post(api: ApiProcess, query: str, variables: dict, token: str) -> dict:
    async with httpx.AsyncClient(base_url=api.http, timeout=60) as http:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def _sale(world, n: int) -> dict:
    return {
        "input": {
            "locationId": str(world.ca.location_id),
            "register": f"R{n % 2 + 1}",
            "posReceiptId": f"RACE-{n}",
            "customerType": "ADULT_USE",
            "customerKey": f"customer-{n}",  # one gram each: no daily limit in the way
            "lines": [{"tag": world.tag, "quantity": "1", "unitPrice": "10.00"}],
        }
    }


def _back_to_vault(world) -> dict:
    return {
        "input": transfer_input(
            world,
            "1",
            fromZoneId=str(world.ca.zone(ZoneKind.SALES_FLOOR)),
            toZoneId=str(world.ca.zone(ZoneKind.VAULT)),
        )
    }


async def test_the_last_grams_raced_through_two_apis_are_sold_once_and_reported_once(world, metrc):
    await stock.transfer_stock(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        stock.TransferStock(
            world.ca.location_id,
            world.tag,
            world.ca.zone(ZoneKind.VAULT),
            world.ca.zone(ZoneKind.SALES_FLOOR),
            Decimal(ON_FLOOR),
        ),
    )
    budtender = world.ca.token(Role.BUDTENDER)
    lead = world.ca.token(Role.INVENTORY_LEAD)
    with api_processes(2) as apis, _two_workers():
        calls = [
            _post(apis[n % 2], RECORD_SALE, _sale(world, n), budtender)
            for n in range(2 * SALES_PER_API)
        ] + [
            _post(apis[n % 2], TRANSFER, _back_to_vault(world), lead)
            for n in range(2 * RETURNS_PER_API)
        ]
        answers = await asyncio.gather(*calls)
        sales = [a["recordSale"] for a in answers[: 2 * SALES_PER_API]]
        returns = [a["transferStock"] for a in answers[2 * SALES_PER_API :]]
        sold = sum(s["__typename"] == "SalePayload" for s in sales)
        moved = sum(r["__typename"] == "StockMovedPayload" for r in returns)

        # Everything not acknowledged was refused, and refused as out of stock.
        refusals = [a for a in sales + returns if a["__typename"] == "InsufficientStock"]
        assert len(refusals) == len(calls) - sold - moved
        assert all(r["tag"] == world.tag for r in refusals)
        assert sold + moved <= ON_FLOOR
        assert refusals, "the race asked for more than the floor held; someone must be refused"

        # Both workers drain the licence's queue; wait until every sale has been reported.
        await _wait(lambda: _all_sales_reported(world, sold), 120, "every sale reported")

    floor = await floor_quantity(world, world.package_id)
    assert floor == ON_FLOOR - sold - moved >= 0
    await assert_ledger_balances()

    posted = Counter(
        row["ExternalReceiptNumber"]
        for entry in metrc.log
        if entry.method == "POST" and entry.path == "/sales/v2/receipts" and entry.status < 300
        for row in entry.body
    )
    async with db.connection() as conn:
        ours = await conn.fetch(
            "SELECT external_id FROM state_report WHERE location = $1 AND kind = 'sale'",
            world.ca.location_id,
        )
    assert sorted(posted) == sorted(r["external_id"] for r in ours)
    assert set(posted.values()) == {1}, f"receipts sent more than once: {posted}"
    assert len(metrc.state.receipts()) == sold
    assert metrc.state.package(world.tag).quantity == Decimal(10) - sold
    metrc.log.assert_no_violations()


async def _all_sales_reported(world, sold: int) -> bool:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT count(*) FILTER (WHERE status = 'sent') AS sent,"
            " count(*) FILTER (WHERE status <> 'sent') AS pending"
            " FROM state_report WHERE location = $1 AND kind = 'sale'",
            world.ca.location_id,
        )
    assert row is not None
    return row["sent"] == sold and row["pending"] == 0


ORDERS = 24
EXTRA_SWEEPS = 8  # expiry jobs queued on top of the crons, so both workers sweep at once


async def test_each_expired_order_is_put_back_once_though_both_workers_sweep(world):
    lead, budtender = world.as_(Role.INVENTORY_LEAD), world.as_(Role.BUDTENDER)
    product, batch = await add_product(lead, "SCALE-OUT")
    _, package_id = await floor_package(world, str(ORDERS), product=(product, batch))
    for n in range(ORDERS):
        await reservations.create_reservation(
            new_uow(),
            budtender,
            reservations.CreateReservation(
                world.ca.location_id,
                f"SCALE-{n}",
                Channel.PICKUP,
                [reservations.OrderLine(Decimal(1), product_id=product)],
                hold_minutes=30,
            ),
        )
    assert await floor_quantity(world, package_id) == 0
    async with db.connection() as conn:
        await conn.execute("UPDATE reservation SET expires_at = now() - interval '1 minute'")

    with _two_workers():
        pool = await create_pool(redis_settings(SETTINGS))
        try:
            for n in range(EXTRA_SWEEPS):
                await pool.enqueue_job(
                    "expire_reservations",
                    _job_id=f"{SETTINGS.redis_prefix}:scale-out-sweep-{n}",
                    _queue_name=SETTINGS.queue_name,
                )
        finally:
            await pool.aclose()
        await _wait(_none_held, 60, "every overdue order released")
        # Let the queued sweeps finish too: a late one must find nothing left to release.
        await _wait(lambda: _queue_empty(), 60, "the queued sweeps to run")

    async with db.connection() as conn:
        releases = await conn.fetch(
            "SELECT note, count(*) AS n FROM movement WHERE kind = 'release' GROUP BY note"
        )
    assert {r["note"]: r["n"] for r in releases} == {
        f"reservation {r} expired": 1 for r in await _reservation_ids()
    }
    assert await floor_quantity(world, package_id) == ORDERS
    await assert_ledger_balances()


async def _none_held() -> bool:
    async with db.connection() as conn:
        return await conn.fetchval("SELECT count(*) FROM reservation WHERE status = 'held'") == 0


async def _reservation_ids() -> list[int]:
    async with db.connection() as conn:
        return [r["id"] for r in await conn.fetch("SELECT id FROM reservation")]


async def _queue_empty() -> bool:
    client = aioredis.from_url(os.environ["LEAFLEDGER_REDIS_URL"])
    try:
        queued = await client.zrange(SETTINGS.queue_name, 0, -1)
        return not any(b"scale-out-sweep" in job for job in queued)
    finally:
        await client.aclose()


# Crons that tick every five or ten seconds, so a short test sees several ticks of each.
FREQUENT_CRONS = ("expire_reservations", "sweep_state_reports", "deliver_webhooks")
TICKS = 3  # scheduled ticks of each, beyond the start-up runs, while both workers run


async def test_each_periodic_job_runs_once_per_tick_across_two_workers(world):
    """A unique cron's job id is its name and its tick (``cron:<prefix>:<name>:<ms>``): the
    worker that enqueues a tick first runs it, the other's enqueue finds the id taken. What we
    observe: each job's runs, counted by both workers (their ``/metrics``), equal the ticks that
    ran (each tick's result stays in Redis, ``workers.settings.CRON_RESULT_SECONDS``). A tick run
    twice would count one more run than there are ticks, for good."""
    await forget_queue(os.environ["LEAFLEDGER_REDIS_URL"], SETTINGS.redis_prefix)
    with _two_workers() as ports:
        seen: dict[str, tuple[int, int]] = {}

        async def once_per_tick() -> bool:
            for name in FREQUENT_CRONS:
                ticks = await _ticks(name)  # read before the runs: a result follows its run
                try:
                    runs = await _runs(ports, name)
                except httpx.HTTPError:  # a worker still starting
                    return False
                seen[name] = (sum(runs), len(ticks))
                # Beyond the start-up run each worker may make of its own.
                if sum(runs) != len(ticks) or len(ticks) < TICKS + len(ports):
                    return False
            return True

        try:
            await _wait(once_per_tick, 120, "several ticks, each run once")
        except AssertionError:
            raise AssertionError(f"(runs, ticks) by job: {seen}") from None
        # Both workers scheduled and ran jobs: the start-up runs are each worker's own.
        assert all(sum(runs.values()) > 0 for runs in [await _all_runs(port) for port in ports])


async def _ticks(name: str) -> list[int]:
    """The ticks of cron ``name`` that ran, from the results arq keeps (ms since the epoch)."""
    client = aioredis.from_url(os.environ["LEAFLEDGER_REDIS_URL"])
    prefix = f"arq:result:cron:{SETTINGS.redis_prefix}:{name}:"
    try:
        keys = [key.decode() async for key in client.scan_iter(match=f"{prefix}*")]
    finally:
        await client.aclose()
    return [int(key.removeprefix(prefix)) for key in keys]


async def _runs(ports: list[int], name: str) -> list[int]:
    """How many times each worker ran job ``name`` (ok or failed)."""
    return [(await _all_runs(port)).get(name, 0) for port in ports]


async def _all_runs(port: int) -> dict[str, int]:
    async with httpx.AsyncClient(timeout=10) as http:
        text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    runs: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        if family.name == "leafledger_job_runs":
            for sample in family.samples:
                if sample.name == "leafledger_job_runs_total":
                    runs[sample.labels["job"]] += int(sample.value)
    return runs
