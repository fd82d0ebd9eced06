"""Issue 2 benchmark: transferStock over HTTP vs pgbench -N, floor-page latency, API memory.

Seeds (once; reused while the shape matches) a store with 20,000 packages and 1,000,000 movements,
then in one run measures: pgbench -N tps on the same PostgreSQL (the baseline), transferStock
mutations per second with 16 concurrent HTTP clients, the p95 of a floor-stock page query, and the
API processes' peak RSS. Prints the ratio transfer/pgbench (target ≥ 0.25).

    .venv/bin/python -m bench.ledger_throughput [--packages N] [--movements M] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from typing import Any

from api import services
from bench import common, loadgen, meters, seed
from domain import db
from domain.identity.tokens import TokenClaims, TokenCodec

TRANSFER = """mutation($input: TransferStockInput!) { transferStock(input: $input) {
  __typename ... on StockMovedPayload { movements { id } } } }"""
FLOOR_PAGE = """query($loc: ID!, $zone: ID!, $after: String) {
  packages(locationId: $loc, first: 50, after: $after, filter: {zoneId: $zone}) {
    edges { node { tag quantity product { name category price } batch { expiresOn labStatus }
                   balances { quantity zone { kind } } } }
    pageInfo { endCursor hasNextPage } } }"""


async def _context(location_id: int) -> dict[str, Any]:
    async with db.connection() as conn:
        zones = {
            r["kind"]: r["id"]
            for r in await conn.fetch("SELECT id, kind FROM zone WHERE location = $1", location_id)
        }
        tags = [
            r["tag"]
            for r in await conn.fetch(
                "SELECT p.tag FROM package p JOIN stock_balance b ON b.package = p.id"
                " WHERE p.location = $1 AND b.zone = $2 AND b.quantity > 1",
                location_id,
                zones["vault"],
            )
        ]
        lead = await conn.fetchval("SELECT id FROM app_user WHERE email = 'lead@bench.test'")
    token = TokenCodec(common.BENCH_SECRET, 3600).issue(TokenClaims(lead, 0))
    return {"zones": zones, "tags": tags, "token": token, "location_id": location_id}


async def transfers_per_second(url: str, ctx: dict[str, Any], clients: int, seconds: float):
    """Each client restocks 1 mg of a random package (contention stays realistic: low)."""
    rng = random.Random(1)
    run_id = time.time_ns()

    def payload(n: int) -> dict[str, Any]:
        return {
            "query": TRANSFER,
            "variables": {
                "input": {
                    "locationId": str(ctx["location_id"]),
                    "tag": rng.choice(ctx["tags"]),
                    "fromZoneId": str(ctx["zones"]["vault"]),
                    "toZoneId": str(ctx["zones"]["sales_floor"]),
                    "quantity": "0.001",
                    "unit": "GRAMS",
                    "idempotencyKey": f"bench-{run_id}-{n}",
                }
            },
        }

    result = await loadgen.run(
        f"{url}/graphql",
        {"Authorization": f"Bearer {ctx['token']}"},
        payload,
        clients=clients,
        seconds=seconds,
        keep_bodies=True,
    )
    failures: dict[str, int] = {}
    for body in result.bodies:
        kind = body["data"]["transferStock"]["__typename"]
        if kind != "StockMovedPayload":
            failures[kind] = failures.get(kind, 0) + 1
    ok = len(result.bodies) - sum(failures.values())
    return ok / result.elapsed_s, result.latencies_ms, failures


async def floor_page_latencies(url: str, ctx: dict[str, Any], requests: int) -> list[float]:
    """One display paging through the sales floor, 50 packages at a time."""
    connection = loadgen.KeepAliveClient(
        f"{url}/graphql", {"Authorization": f"Bearer {ctx['token']}"}
    )
    await connection.open()
    out: list[float] = []
    after = None
    try:
        for _ in range(requests):
            variables = {
                "loc": str(ctx["location_id"]),
                "zone": str(ctx["zones"]["sales_floor"]),
                "after": after,
            }
            started = time.perf_counter()
            body = await connection.post({"query": FLOOR_PAGE, "variables": variables})
            out.append((time.perf_counter() - started) * 1000)
            page = body["data"]["packages"]["pageInfo"]
            after = page["endCursor"] if page["hasNextPage"] else None
    finally:
        await connection.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--packages", type=int, default=20_000)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    with common.bench_services() as found:
        bench_url = services.with_database(found.postgres_server_url, "leafledger_bench")
        pgbench_url = services.with_database(found.postgres_server_url, "leafledger_pgbench")
        asyncio.run(services.create_database(found.postgres_server_url, "leafledger_bench"))
        asyncio.run(services.create_database(found.postgres_server_url, "leafledger_pgbench"))
        from api.cli import migrate

        asyncio.run(migrate(bench_url))

        async def prepare() -> dict[str, Any]:
            db.configure(bench_url)
            await db.start(max_size=4)
            try:
                location_id = await seed.seeded(args.packages, args.movements)
                if location_id is None:
                    common.say(f"seeding {args.packages} packages, {args.movements} movements")
                    started = time.monotonic()
                    location_id = await seed.seed(args.packages, args.movements)
                    common.say(f"seeded in {time.monotonic() - started:.1f} s; verifying")
                    await seed.verify(location_id)
                return await _context(location_id)
            finally:
                await db.stop()

        ctx = asyncio.run(prepare())
        common.say("pgbench -N baseline (8 clients, 15 s)")
        baseline = common.pgbench_tps(pgbench_url)
        with common.api_server(bench_url, found.redis_url, args.workers) as api:
            asyncio.run(transfers_per_second(api.url, ctx, args.clients, 3))  # warm up
            with meters.MemorySampler(api) as memory:
                with meters.CpuMeter(api) as cpu:
                    tps, latencies, failures = asyncio.run(
                        transfers_per_second(api.url, ctx, args.clients, args.seconds)
                    )
                done = tps * args.seconds
                pages = asyncio.run(floor_page_latencies(api.url, ctx, 200))
        figures = {
            "pgbench_n_tps": round(baseline, 1),
            "transfer_per_s": round(tps, 1),
            "ratio": round(tps / baseline, 3),
            "transfer_latency_p95_ms": round(common.percentile(latencies, 95), 1),
            "floor_page_p95_ms": round(common.percentile(pages, 95), 1),
            "api_peak_rss_mib": {str(pid): round(v, 1) for pid, v in memory.peak.items()},
            "api_cpu_ms_per_transfer": round(cpu.api_seconds / done * 1000, 3),
            "postgres_cpu_ms_per_transfer": round(cpu.postgres_seconds / done * 1000, 3),
            "failures": failures,
            "api_workers": args.workers,
            "clients": args.clients,
        }
    print()
    print(f"pgbench -N:              {baseline:8.1f} tps")
    print(f"transferStock (HTTP):    {tps:8.1f} /s   ratio {tps / baseline:.3f} (target >= 0.25)")
    print(f"  latency                {common.summary(latencies)}")
    print(f"floor page (50 pkgs):    {common.summary(pages)} (target p95 <= 50 ms)")
    print(f"API peak RSS (MiB):      {figures['api_peak_rss_mib']}")
    print(
        f"CPU per transfer:        API {figures['api_cpu_ms_per_transfer']} ms,"
        f" PostgreSQL {figures['postgres_cpu_ms_per_transfer']} ms"
    )
    if failures:
        print(f"refusals:                {failures}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
