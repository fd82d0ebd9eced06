"""The roll-up: recomputing is idempotent, and a late, backdated movement is counted (by the
kicked run when it reads it, by the nightly sweep when a run had already read past its id)."""

from __future__ import annotations

from domain import db
from domain.analytics import rollup
from tests.analytics.seed import days_ago
from tests.analytics.test_figures import trading
from tests.support.units import new_uow

TABLES = ("analytics_day", "analytics_month", "analytics_stock_day")


async def snapshot(loc: int) -> dict[str, list[tuple]]:
    async with db.connection() as conn:
        return {
            t: [
                tuple(r)
                for r in await conn.fetch(
                    f"SELECT * FROM {t} WHERE location = $1 ORDER BY 2, 3, 4", loc
                )
            ]
            for t in TABLES
        }


def without_ids(rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    return {t: [r[1:] for r in v] for t, v in rows.items()}


async def sold_on(loc: int, day) -> tuple:
    async with db.connection() as conn:
        return tuple(
            await conn.fetchrow(
                "SELECT sum(sold_qty), sum(gross) FROM analytics_day"
                " WHERE location = $1 AND day = $2",
                loc,
                day,
            )
        )


async def test_recomputing_writes_the_same_rows(world):
    shop, _ = await trading(world)
    once = without_ids(await snapshot(shop.loc))
    assert all(once[t] for t in TABLES)
    await rollup.roll_up(new_uow, shop.loc)
    await rollup.roll_up(new_uow, shop.loc, sweep=True)
    await rollup.roll_up(new_uow, shop.loc, rebuild=True)
    assert without_ids(await snapshot(shop.loc)) == once


async def test_a_backdated_sale_is_counted_on_its_own_day(world):
    shop, _ = await trading(world)
    async with db.connection() as conn:
        pkg_id = await conn.fetchval(
            "SELECT package FROM sale_line l JOIN sale s ON s.id = l.sale"
            " WHERE s.location = $1 ORDER BY l.id LIMIT 1",
            shop.loc,
        )
    pkg = next(p for _, p, *_ in shop.books.sales if p.id == pkg_id)
    late = days_ago(20)
    before = await sold_on(shop.loc, late)
    # The register was offline: the sale arrives today, dated twenty days ago.
    await shop.sell(pkg, "1", "50.00", late)
    assert await sold_on(shop.loc, late) == before  # not rolled up yet
    await rollup.roll_up(new_uow, shop.loc)
    qty, gross = await sold_on(shop.loc, late)
    assert (qty, gross) == ((before[0] or 0) + 1, (before[1] or 0) + 50)


async def test_a_movement_committed_after_a_run_read_past_its_id_is_found_by_the_sweep(world):
    shop, _ = await trading(world)
    pkg = shop.books.sales[0][1]
    late = days_ago(15)
    # A run has already read past the id this sale will get (it committed after a later one).
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE analytics_rollup SET seen_movement = (SELECT max(id) + 1000 FROM movement)"
            " WHERE location = $1",
            shop.loc,
        )
    before = await sold_on(shop.loc, late)
    await shop.sell(pkg, "2", "10.00", late)
    await rollup.roll_up(new_uow, shop.loc)  # reads from its cursor: misses it
    assert await sold_on(shop.loc, late) == before
    await rollup.roll_up(new_uow, shop.loc, sweep=True)
    qty, gross = await sold_on(shop.loc, late)
    assert (qty, gross) == ((before[0] or 0) + 2, (before[1] or 0) + 20)
    # And the closing stock from that day on is one sale lower too.
    async with db.connection() as conn:
        rebuilt = without_ids(await snapshot(shop.loc))
        await conn.execute("DELETE FROM analytics_rollup WHERE location = $1", shop.loc)
    await rollup.roll_up(new_uow, shop.loc, rebuild=True)
    assert without_ids(await snapshot(shop.loc)) == rebuilt


async def test_every_new_movement_kicks_a_roll_up_of_its_location(world):
    from domain.events import StockBalanceChanged
    from domain.organisation.model import ZoneKind
    from workers import analytics
    from workers.kick import kicks_for

    jobs = [job for job, _ in kicks_for(StockBalanceChanged)]
    assert analytics.roll_up_analytics in jobs
    plan = next(
        p for job, p in kicks_for(StockBalanceChanged) if job is analytics.roll_up_analytics
    )
    event = StockBalanceChanged(
        location_id=world.ca.location_id,
        zone_id=world.ca.zone(ZoneKind.VAULT),
        zone_kind=ZoneKind.VAULT,
        package_id=1,
        product_id=1,
        movement_id=1,
        quantity=0,
    )
    one, two = plan("x", event), plan("x", event)
    assert one.args == (world.ca.location_id,)
    assert one.job_id == two.job_id


async def test_the_worker_jobs_roll_up_a_location_and_sweep_every_location(world):
    from tests.support.units import job_ctx
    from workers import analytics

    shop, _ = await trading(world)
    rolled = without_ids(await snapshot(shop.loc))
    async with db.connection() as conn:
        await conn.execute("DELETE FROM analytics_rollup")
        await conn.execute("DELETE FROM analytics_day")
    # The kicked job, with no roll-up yet, reads the location's whole ledger.
    assert (await analytics.roll_up_analytics(job_ctx(), shop.loc))["days"] > 0
    assert without_ids(await snapshot(shop.loc)) == rolled
    swept = await analytics.sweep_analytics(job_ctx())
    assert swept["days"] >= 2  # at least yesterday and today at every location
    assert without_ids(await snapshot(shop.loc)) == rolled
