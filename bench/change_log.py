"""Issue 14 benchmark: what the change log costs a mutation, and verifying long chains.

Write cost: one zone rename per transaction, alternating (in the same run, on the same
database) between the rename alone (the baseline) and the rename plus its change-log row
(``domain.changelog.record.record``: the chain's advisory lock, its head by index, one INSERT).
Reported: ms per transaction for each and their ratio, and the statements the log adds.

Verification: a chain of ``--rows`` rows (then twice as many) is loaded with COPY as valid
links, then ``verify_change_log`` walks it through its server-side cursor. Reported: rows/s,
and the peak of Python allocations during a walk of each size and their ratio (flat memory:
about 1.0, not 2.0).

    .venv/bin/python -m bench.change_log [--rows 200000] [--writes 2000] [--json F]

(``--rows 1000000`` is the issue's size: a few minutes of seeding on a small machine.)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import common
from domain import db
from domain.changelog.model import GENESIS, Actor, ActorKind, row_hash
from domain.changelog.record import record
from domain.changelog.verify import verify_change_log
from domain.rows import returned

DATABASE = "changelog_bench"
LOCATION = 914001


async def _setup() -> tuple[int, int]:
    async with db.connection() as conn:
        await conn.execute("TRUNCATE change_log, zone, location, operator RESTART IDENTITY CASCADE")
        operator = await conn.fetchval(
            "INSERT INTO operator (name, created_at) VALUES ('Bench', now()) RETURNING id"
        )
        await conn.execute(
            "INSERT INTO location (id, operator, name, license_number, state, timezone,"
            " state_system, created_at) VALUES ($1, $2, 'Bench', 'C10-BENCH-LOG', 'CA',"
            " 'America/Los_Angeles', 'none', now())",
            LOCATION,
            operator,
        )
        zone = await conn.fetchval(
            "INSERT INTO zone (location, name, kind, active, created_at)"
            " VALUES ($1, 'Vault', 'vault', true, now()) RETURNING id",
            LOCATION,
        )
    return returned(operator), returned(zone)


async def _writes(operator: int, zone: int, count: int) -> dict[str, float]:
    actor = Actor(ActorKind.USER, operator, 1, None, "bench")
    timings: dict[bool, list[float]] = {False: [], True: []}
    for n in range(count):
        logged = n % 2 == 1
        started = time.perf_counter()
        async with db.transaction(), db.connection() as conn:
            await conn.execute("UPDATE zone SET name = $2 WHERE id = $1", zone, f"Vault {n}")
            if logged:
                await record(
                    conn,
                    actor,
                    "updateZone",
                    "zone",
                    zone,
                    location_id=LOCATION,
                    before={"name": f"Vault {n - 1}"},
                    after={"name": f"Vault {n}"},
                )
        timings[logged].append((time.perf_counter() - started) * 1000)
    plain = sorted(timings[False])[len(timings[False]) // 2]
    with_log = sorted(timings[True])[len(timings[True]) // 2]
    return {
        "write_ms_p50_plain": round(plain, 3),
        "write_ms_p50_logged": round(with_log, 3),
        "write_cost_ratio": round(with_log / plain, 2),
        "statements_added": 3,
    }


def _chain_rows(chain: str, start_sequence: int, prev: str, count: int, operator: int):
    at = datetime(2025, 1, 1, tzinfo=UTC)
    for n in range(start_sequence, start_sequence + count):
        row: dict[str, Any] = {
            "chain": chain,
            "sequence": n,
            "operator_id": operator,
            "location_id": None,
            "actor_kind": "user",
            "user_id": 1,
            "api_key_id": None,
            "client": "bench",
            "occurred_at": at + timedelta(seconds=n),
            "operation": "updateProduct",
            "entity_type": "product",
            "entity_id": str(n % 500),
            "before": {"price": str(n)},
            "after": {"price": str(n + 1)},
        }
        digest = row_hash(prev, row)
        yield (
            chain,
            n,
            operator,
            None,
            "user",
            1,
            None,
            "bench",
            row["occurred_at"],
            "updateProduct",
            "product",
            row["entity_id"],
            row["before"],
            row["after"],
            prev,
            digest,
        )
        prev = digest


async def _load(rows: int, operator: int) -> None:
    """``rows`` valid links of the operator's chain, in chunks (the seeding must not inflate
    this process's heap before the walk is measured). Through unnest, not COPY: the pool's
    jsonb codec is text-only, so before/after travel as JSON text cast to jsonb here."""
    links = _chain_rows(f"operator:{operator}", 1, GENESIS, rows, operator)
    async with db.connection() as conn:
        while chunk := list(itertools.islice(links, 20_000)):
            columns = list(zip(*chunk, strict=True))
            for index in (12, 13):  # before, after
                columns[index] = tuple(json.dumps(v) for v in columns[index])
            await conn.execute(_BULK_INSERT, *[list(c) for c in columns])
        await conn.execute("ANALYZE change_log")


_BULK_INSERT = """
INSERT INTO change_log (chain, sequence, operator, location, actor_kind, user_id, api_key_id,
    client, occurred_at, operation, entity_type, entity_id, before, after, prev_hash, hash)
SELECT c, s, o, l, k, u, a, cl, t, op, et, ei, b::jsonb, af::jsonb, p, h
FROM unnest($1::text[], $2::bigint[], $3::int[], $4::int[], $5::text[], $6::int[], $7::int[],
    $8::text[], $9::timestamptz[], $10::text[], $11::text[], $12::text[], $13::text[],
    $14::text[], $15::text[], $16::text[])
    AS x(c, s, o, l, k, u, a, cl, t, op, et, ei, b, af, p, h)
"""


async def _verify(rows: int, operator: int) -> dict[str, float]:
    await _truncate_log()
    await _load(rows, operator)
    async with db.connection() as conn:
        started = time.perf_counter()
        broken = await verify_change_log(conn, None)
        seconds = time.perf_counter() - started
        assert broken == [], broken
        # Memory on a second walk: the peak of Python allocations during it (RSS would show
        # the seeding's freed heap, not the walk).
        tracemalloc.start()
        try:
            await verify_change_log(conn, None)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return {"rows": rows, "rows_per_s": round(rows / seconds), "peak_mib": peak / 2**20}


async def _truncate_log() -> None:
    # TRUNCATE is not a row change: the append-only trigger is for UPDATE and DELETE.
    async with db.connection() as conn:
        await conn.execute("TRUNCATE change_log")


async def run(rows: int, writes: int) -> dict[str, Any]:
    operator, zone = await _setup()
    common.say(f"{writes} zone renames, alternately with and without their change-log row")
    figures = await _writes(operator, zone, writes)
    common.say(f"verifying {rows:,} and {2 * rows:,} chained rows")
    small = await _verify(rows, operator)
    large = await _verify(2 * rows, operator)
    await _truncate_log()
    figures.update(
        {
            "verify_rows_per_s": large["rows_per_s"],
            "verify_peak_mib_small": round(small["peak_mib"], 2),
            "verify_peak_mib_large": round(large["peak_mib"], 2),
            # Flat memory: about 1.0 (the cursor's batch), not 2.0.
            "verify_memory_ratio_2x_rows": round(large["peak_mib"] / small["peak_mib"], 2),
        }
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--json")
    args = parser.parse_args()
    with common.bench_services() as found:
        url = common.bench_database(found, DATABASE)

        async def go() -> dict[str, Any]:
            db.configure(url)
            await db.start(max_size=2)
            try:
                return await run(args.rows, args.writes)
            finally:
                await db.stop()

        figures = asyncio.run(go())
    for name, value in figures.items():
        print(f"{name}: {value}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)


if __name__ == "__main__":
    main()
