"""Sales benchmark: three-line recordSale mutations over HTTP vs ``pgbench -N``, and what limits it.

Seeds a California (METRC) store (``bench.seed_floor``: 3,000 packages of flower with 1 kg each
on the sales floor, lab-passed and unexpired), then in one run on the same PostgreSQL measures:

* ``pgbench -N`` tps (8 clients, 15 s): the baseline, so the figure can be read as a ratio on a
  noisy machine (target: recordSale/s ≥ 0.25 × pgbench tps);
* recordSale mutations per second from 16 concurrent keep-alive HTTP clients (``bench.loadgen``)
  against the API (``api.cli serve``, 2 workers). Each sale has three lines of different random
  packages (1, 3.5 or 7 g each, at most 21 g: under CA's 28.5 g flower limit) and its own
  ``customerKey`` (CA limits are per customer per day, so every sale reads that customer's day),
  with a unique ``posReceiptId``;
* latency percentiles; CPU per sale in the API processes, PostgreSQL, Redis and the load
  generator; the machine's CPU split over the run (the kernel and other users included); API
  peak RSS; and the SQL statements one sale runs (counted in-process with
  ``db.count_queries``).

What limits throughput is printed from the CPU split: whether the machine's cores were
saturated, and which side (API Python or PostgreSQL) spent the CPU per sale. Afterwards the
ledger is verified (balances equal movements, every hash chain intact).

    .venv/bin/python -m bench.sales_throughput [--packages N] [--seconds S] [--clients C]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psutil

from bench import common, loadgen, meters, seed, seed_floor, statements
from domain import db
from domain.identity.principal import Principal
from domain.roles import Role
from domain.sales import queries, sales
from domain.sales.model import CustomerType
from tests.support.units import new_uow

DATABASE = "leafledger_bench_sales"
PGBENCH_DATABASE = "leafledger_pgbench"
REDIS_DB = 11
LICENCE = "C10-0000711-LIC"
FIRST_LOCATION_ID = 711_001
RECORD_SALE = """mutation($input: RecordSaleInput!) { recordSale(input: $input) {
  __typename ... on SalePayload { sale { id total } } } }"""
LINE_GRAMS = ("1", "3.5", "7")
LINES = 3


@dataclass
class SalesRun:
    rate: float
    done: int
    latencies_ms: list[float]
    failures: dict[str, int] = field(default_factory=dict)


def _sale_input(store: seed_floor.FloorStore, rng: random.Random, label: str) -> dict[str, Any]:
    return {
        "locationId": str(store.location_id),
        "register": f"REG-{rng.randint(1, 8)}",
        "posReceiptId": label,
        "customerType": "ADULT_USE",
        "customerKey": f"cust-{label}",
        "lines": [
            {"tag": tag, "quantity": rng.choice(LINE_GRAMS), "unitPrice": "12.00"}
            for tag in rng.sample(store.tags, LINES)
        ],
    }


async def sales_per_second(
    url: str, store: seed_floor.FloorStore, clients: int, seconds: float
) -> SalesRun:
    rng = random.Random(time.time_ns())
    run_id = f"{time.time_ns():x}"

    def payload(n: int) -> dict[str, Any]:
        sale = _sale_input(store, rng, f"{run_id}-{n}")
        return {"query": RECORD_SALE, "variables": {"input": sale}}

    token = store.token(store.budtender_id)
    result = await loadgen.run(
        f"{url}/graphql",
        {"Authorization": f"Bearer {token}"},
        payload,
        clients=clients,
        seconds=seconds,
        keep_bodies=True,
    )
    failures: dict[str, int] = {}
    for body in result.bodies:
        data = body.get("data") or {}
        kind = (data.get("recordSale") or {}).get("__typename", "GraphQL error")
        if kind != "SalePayload":
            failures[kind] = failures.get(kind, 0) + 1
    done = len(result.bodies) - sum(failures.values())
    return SalesRun(done / result.elapsed_s, done, result.latencies_ms, failures)


async def profile_sales(
    store: seed_floor.FloorStore, count: int = 30
) -> statements.StatementProfile:
    """Record ``count`` three-line sales one after another through the service (plus the
    payload's read-back), timing every SQL round trip."""
    budtender = Principal(
        store.budtender_id,
        store.operator_id,
        "budtender@bench.test",
        "Bench Budtender",
        {store.location_id: Role.BUDTENDER},
    )
    rng = random.Random(5)
    run_id = f"{time.time_ns():x}"
    async with statements.profile_statements(count) as profile:
        for n in range(count):
            outcome = await sales.record_sale(
                new_uow(),
                budtender,
                sales.RecordSale(
                    location_id=store.location_id,
                    register="PROBE",
                    pos_receipt_id=f"probe-{run_id}-{n}",
                    customer_type=CustomerType.ADULT_USE,
                    customer_key=f"probe-{run_id}-{n}",
                    lines=[
                        sales.SaleLineInput(tag, Decimal("1"), Decimal("12.00"))
                        for tag in rng.sample(store.tags, LINES)
                    ],
                ),
            )
            await queries.sales_with_lines([outcome.value.sale_id])
    return profile[0]


def _limit_verdict(figures: dict[str, Any]) -> str:
    busy = figures["machine_busy_share"]
    api, pg = figures["api_cpu_ms_per_sale"], figures["postgres_cpu_ms_per_sale"]
    redis = figures["redis_cpu_ms_per_sale"]
    server = api + pg + redis
    side = "the API (Python)" if api >= pg else "PostgreSQL"
    share = max(api, pg) / server if server else 0.0
    ceiling = figures["cores"] * 1000 / (server + figures["loadgen_cpu_ms_per_sale"])
    if busy >= 0.85:
        head = (
            f"CPU-bound: the machine was {busy:.0%} busy; {side} spends {share:.0%} of the"
            f" server CPU per sale (API {api:.2f} ms, PostgreSQL {pg:.2f} ms, Redis {redis:.2f} ms)"
        )
    else:
        head = (
            f"not CPU-bound ({busy:.0%} busy): waiting on round trips or locks"
            f" ({figures['statements_per_sale']} statements per sale, one after another)"
        )
    return (
        f"{head}. At {server:.2f} ms of server CPU per sale, {figures['cores']} cores"
        f" would top out near {ceiling:.0f} sales/s with nothing else running."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--packages", type=int, default=3_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument("--no-verify", action="store_true", help="skip the ledger check")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    with common.bench_services() as found:
        bench_url = common.bench_database(found, DATABASE)
        pgbench_url = common.plain_database(found, PGBENCH_DATABASE)
        redis_url = common.redis_database(found.redis_url, REDIS_DB)
        common.clear_arq_keys(redis_url)

        async def prepare() -> tuple[seed_floor.FloorStore, statements.StatementProfile]:
            db.configure(bench_url)
            await db.start(max_size=4)
            try:
                common.say(f"seeding a CA store with {args.packages} packages on the floor")
                started = time.monotonic()
                store = await seed_floor.seed_floor_store(
                    args.packages, licence=LICENCE, first_location_id=FIRST_LOCATION_ID
                )
                common.say(f"seeded in {time.monotonic() - started:.1f} s")
                common.say("profiling 30 sales one at a time, in-process")
                return store, await profile_sales(store)
            finally:
                await db.stop()

        store, profile = asyncio.run(prepare())
        common.say(f"pgbench -N baseline (8 clients, {args.pgbench_seconds} s)")
        baseline = common.pgbench_tps(pgbench_url, seconds=args.pgbench_seconds)
        # Write pgbench's dirty pages out now rather than in the middle of the measured run.
        asyncio.run(common.checkpoint(pgbench_url))
        me = [psutil.Process()]
        with common.api_server(bench_url, redis_url, args.workers) as api:
            common.say("warming up (3 s)")
            asyncio.run(sales_per_second(api.url, store, args.clients, 3))
            common.say(f"recordSale, {args.clients} clients, {args.seconds:.0f} s")
            with (
                meters.MemorySampler(api) as memory,
                meters.SystemCpu() as machine,
                meters.ProcessCpu(me) as loadgen_cpu,
                meters.CpuMeter(api) as cpu,
                meters.NamedCpu(frozenset({"postgres"}), frozenset({DATABASE})) as pg,
                meters.NamedCpu(frozenset({"redis-server"})) as redis_cpu,
            ):
                run = asyncio.run(sales_per_second(api.url, store, args.clients, args.seconds))
        done = max(run.done, 1)
        wall = machine.wall_seconds
        measured = cpu.api_seconds + pg.seconds + redis_cpu.seconds + loadgen_cpu.seconds
        others = machine.busy_seconds - measured
        figures: dict[str, Any] = {
            "pgbench_n_tps": round(baseline, 1),
            "sales_per_s": round(run.rate, 1),
            "ratio": round(run.rate / baseline, 3),
            "sales": run.done,
            "lines_per_sale": LINES,
            "latency_p50_ms": round(common.percentile(run.latencies_ms, 50), 1),
            "latency_p95_ms": round(common.percentile(run.latencies_ms, 95), 1),
            "latency_p99_ms": round(common.percentile(run.latencies_ms, 99), 1),
            "api_cpu_ms_per_sale": round(cpu.api_seconds / done * 1000, 3),
            "postgres_cpu_ms_per_sale": round(pg.seconds / done * 1000, 3),
            "redis_cpu_ms_per_sale": round(redis_cpu.seconds / done * 1000, 3),
            "loadgen_cpu_ms_per_sale": round(loadgen_cpu.seconds / done * 1000, 3),
            "cores": machine.cores,
            "machine_busy_share": round(machine.busy_share, 3),
            "cores_used": {
                "api": round(cpu.api_seconds / wall, 2),
                "postgres": round(pg.seconds / wall, 2),
                "redis": round(redis_cpu.seconds / wall, 2),
                "loadgen": round(loadgen_cpu.seconds / wall, 2),
                "other_and_kernel": round(max(others, 0.0) / wall, 2),
            },
            "statements_per_sale": round(profile.statements, 1),
            "one_sale_alone": profile.as_dict(),
            "api_peak_rss_mib": {str(pid): round(v, 1) for pid, v in memory.peak.items()},
            "failures": run.failures,
            "api_workers": args.workers,
            "clients": args.clients,
            "packages": args.packages,
        }
        figures["limited_by"] = _limit_verdict(figures)

        if not args.no_verify:

            async def verify() -> int:
                db.configure(bench_url)
                await db.start(max_size=2)
                try:
                    await seed.verify(store.location_id)
                    async with db.connection() as conn:
                        return await conn.fetchval(
                            "SELECT count(*) FROM sale WHERE location = $1", store.location_id
                        )
                finally:
                    await db.stop()

            common.say("verifying the ledger (balances = movements, hash chains)")
            figures["sales_in_database"] = asyncio.run(verify())
            figures["ledger_verified"] = True

    print()
    print(f"pgbench -N:               {baseline:8.1f} tps")
    print(
        f"recordSale (3 lines):     {run.rate:8.1f} /s   ratio {run.rate / baseline:.3f}"
        " (target >= 0.25)"
    )
    print(f"  latency                 {common.summary(run.latencies_ms)}")
    print(
        f"CPU per sale:             API {figures['api_cpu_ms_per_sale']} ms,"
        f" PostgreSQL {figures['postgres_cpu_ms_per_sale']} ms,"
        f" Redis {figures['redis_cpu_ms_per_sale']} ms,"
        f" load generator {figures['loadgen_cpu_ms_per_sale']} ms"
    )
    print(
        f"cores used (of {machine.cores}):      {figures['cores_used']}"
        f"  machine busy {machine.busy_share:.0%}"
    )
    first, *rest = profile.lines("sale (service + read-back)")
    print(f"one sale alone:           {first}")
    for line in rest:
        print(f"  {line}")
    print(f"API peak RSS (MiB):       {figures['api_peak_rss_mib']}")
    print(f"limited by:               {figures['limited_by']}")
    if run.failures:
        print(f"refusals:                 {run.failures}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
