"""Issue 3 benchmark: draining state reports into METRC, and reconciling a big store.

1. Drain 10,000 pending sale reports into the METRC double (its own process): reports per
   second, and the share of wall time our process spends on CPU (the rest is waiting on the
   double and the network).
2. Reconcile 100,000 packages against a double holding the same 100,000 (changes spread over
   60 days): the first, full pull (61 day-windows x 3 lists, METRC's 50 GETs/s limit applied),
   then a steady-state run (only the last day's changes). Seconds and peak memory of each.

    .venv/bin/python -m bench.state_sync [--reports N] [--packages N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psutil

from api import services
from api.cli import migrate
from bench import common, seed
from domain import db
from domain.compliance import connections, reconcile, reporting, sync
from domain.identity.principal import Principal
from domain.roles import Role
from tests.support.units import new_uow


@dataclass
class Double:
    process: subprocess.Popen[str]
    url: str
    vendor_key: str
    user_key: str

    def stop(self) -> None:
        self.process.stdin.close()  # type: ignore[union-attr]
        self.process.wait(timeout=30)


@contextlib.contextmanager
def metrc_process(packages: int) -> Iterator[Double]:
    """The double in its own process, seeded with the bench store's tags."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.metrc_server", "--packages", str(packages)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline().split()  # type: ignore[union-attr]
    if not line or line[0] != "ready":
        process.kill()
        raise RuntimeError("the METRC double did not start")
    double = Double(process, line[1], line[2], line[3])
    try:
        yield double
    finally:
        double.stop()


async def _connect(location_id: int, double: Double, rates: bool) -> None:
    admin = Principal(0, 0, "bench", "Bench", {location_id: Role.ADMIN})
    settings = {
        "history_start": (datetime.now(UTC) - timedelta(days=61)).isoformat(),
        "timeout_seconds": 30,
    }
    if not rates:
        settings["get_rates"] = [100_000, 100_000]
    async with db.connection() as conn:
        await conn.execute("DELETE FROM state_connection WHERE location = $1", location_id)
        await conn.execute("DELETE FROM state_sync WHERE location = $1", location_id)
        await conn.execute("DELETE FROM state_package WHERE location = $1", location_id)
    await connections.configure(
        new_uow(),
        admin,
        connections.ConfigureConnection(
            location_id,
            double.url,
            {"vendor_key": double.vendor_key, "user_key": double.user_key},
            settings,
        ),
    )


async def _queue_sales(location_id: int, count: int, tags: list[str]) -> None:
    now = datetime.now(UTC)
    rows = [
        reporting.ReportRow(
            location_id=location_id,
            kind=reporting.ReportKind.SALE,
            movements=[],
            tags=[tags[n % len(tags)]],
            payload={
                "document": f"bench:{n}",
                "customer_type": "adult_use",
                "lines": [
                    {
                        "tag": tags[n % len(tags)],
                        "quantity": "0.001",
                        "unit": "grams",
                        "total_amount": "0.05",
                    }
                ],
            },
            external_id=f"B{now:%H%M%S}-{n}",
            occurred_at=now,
            deadline_at=now + timedelta(hours=24),
        )
        for n in range(count)
    ]
    async with db.connection() as conn:
        await conn.execute("DELETE FROM state_report WHERE location = $1", location_id)
        for start in range(0, len(rows), 2000):
            await conn.fetch(reporting.INSERT, reporting.insert_args(rows[start : start + 2000]))


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def drain_bench(double: Double, reports: int) -> dict[str, float]:
    location_id = await seed.seeded(1000, 1000) or await seed.seed(1000, 1000)
    async with db.connection() as conn:
        tags = [
            r["tag"]
            for r in await conn.fetch(
                "SELECT tag FROM package WHERE location = $1 ORDER BY id", location_id
            )
        ]
    await _connect(location_id, double, rates=True)
    await _queue_sales(location_id, reports, tags)
    me = psutil.Process()
    cpu_before = sum(me.cpu_times()[:2])
    started = time.perf_counter()
    sent = 0
    while sent < reports:
        result = await sync.drain(new_uow(), location_id, owner="bench")
        sent += result.sent
        if result.sent == 0:
            raise RuntimeError(f"drain stalled: {result}")
    wall = time.perf_counter() - started
    cpu = sum(me.cpu_times()[:2]) - cpu_before
    return {
        "reports": reports,
        "seconds": round(wall, 2),
        "reports_per_s": round(reports / wall, 1),
        "our_cpu_share_of_wall": round(cpu / wall, 3),
    }


async def reconcile_bench(double: Double, packages: int) -> dict[str, float]:
    location_id = await seed.seeded(packages, packages) or await seed.seed(packages, packages)
    await _connect(location_id, double, rates=True)
    out: dict[str, float] = {}
    for label in ("first_full_pull", "steady_state"):
        started = time.perf_counter()
        summary = await reconcile.reconcile(new_uow(), location_id)
        out[f"{label}_seconds"] = round(time.perf_counter() - started, 2)
        out[f"{label}_peak_rss_mib"] = round(_peak_rss_mib(), 1)
        out[f"{label}_compared"] = summary.packages_compared
        out[f"{label}_discrepancies"] = summary.discrepancies_found
        if summary.status != "finished":
            raise RuntimeError(f"reconciliation {summary}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--packages", type=int, default=100_000)
    parser.add_argument("--json")
    args = parser.parse_args()
    figures: dict[str, object] = {}
    with common.bench_services() as found:
        url = services.with_database(found.postgres_server_url, "leafledger_bench_sync")
        asyncio.run(services.create_database(found.postgres_server_url, "leafledger_bench_sync"))
        asyncio.run(migrate(url))

        async def run() -> None:
            db.configure(url)
            await db.start(max_size=6)
            try:
                with metrc_process(1000) as double:
                    common.say(f"draining {args.reports} sale reports")
                    figures["drain"] = await drain_bench(double, args.reports)
                with metrc_process(args.packages) as double:
                    common.say(f"reconciling {args.packages} packages")
                    figures["reconcile"] = await reconcile_bench(double, args.packages)
            finally:
                await db.stop()

        asyncio.run(run())
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
