"""Issue 12 benchmark: a 2,000-package zone counted by 4 handhelds, then submitted.

A California store with 2,000 packages on its sales floor (``seed_floor``). A budtender opens a
blind count of the floor; four handhelds (four keep-alive connections with the counter's token)
send the 2,000 lines in batches of 50 through ``recordCountLines``, concurrently. Then
``submitCount`` computes every line's netting and variance.

Baselines, measured in the same run against the same API process: round trips per second of
the cheapest authenticated GraphQL request (``{ me { id } }``) from the same four connections.
``line_cost_in_round_trips`` = baseline round trips/s ÷ lines/s (target ≤ 1.5). Submission p95:
the first session's lines are copied into fresh open sessions (SQL), each then submitted over
HTTP (target p95 ≤ 500 ms for the 2,000-line zone).

    .venv/bin/python -m bench.count_session [--packages 2000] [--handhelds 4] [--batch 50]
                                            [--submissions 15] [--json F]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from bench import common, loadgen, seed_floor
from domain import db
from domain.organisation.model import ZoneKind

DATABASE = "bench_d"
REDIS_DB = 6
LICENCE = "C10-BENCH-COUNTS"
FIRST_LOCATION_ID = 716001

START = """mutation($input: StartCountInput!) { startCount(input: $input) {
  __typename ... on CountSessionPayload { session { id } } ... on UserError { message } } }"""
LINES = """mutation($input: RecordCountLinesInput!) { recordCountLines(input: $input) {
  __typename ... on CountLinesPayload { recorded } ... on UserError { message } } }"""
SUBMIT = """mutation($input: CountSessionInput!) { submitCount(input: $input) {
  __typename ... on CountSessionPayload { session { status } } ... on UserError { message } } }"""


async def _call(conn: loadgen.KeepAliveClient, query: str, variables: dict[str, Any]) -> dict:
    body = await conn.post({"query": query, "variables": variables})
    if "errors" in body:
        raise RuntimeError(body["errors"])
    return body["data"]


async def _clients(url: str, token: str, count: int) -> list[loadgen.KeepAliveClient]:
    clients = [
        loadgen.KeepAliveClient(f"{url}/graphql", {"Authorization": f"Bearer {token}"})
        for _ in range(count)
    ]
    for client in clients:
        await client.open()
    return clients


async def _baseline(clients: list[loadgen.KeepAliveClient], per_client: int) -> float:
    async def run(client: loadgen.KeepAliveClient) -> None:
        for _ in range(per_client):
            await _call(client, "{ me { id } }", {})

    started = time.perf_counter()
    await asyncio.gather(*(run(c) for c in clients))
    return per_client * len(clients) / (time.perf_counter() - started)


async def over_http(
    url: str, store: seed_floor.FloorStore, handhelds: int, batch: int, submissions: int
) -> dict[str, Any]:
    token = store.token(store.budtender_id)
    clients = await _clients(url, token, handhelds)
    floor = store.zones[ZoneKind.SALES_FLOOR]
    opened = await _call(
        clients[0],
        START,
        {"input": {"locationId": str(store.location_id), "zoneIds": [str(floor)]}},
    )
    session_id = opened["startCount"]["session"]["id"]
    tags = store.tags
    # Every 100th package is 0.5 g short: the count has variances to compute.
    lines = [
        {"lineKey": f"l{n}", "tag": tag, "quantity": "999.5" if n % 100 == 0 else "1000"}
        for n, tag in enumerate(tags)
    ]
    batches = [lines[i : i + batch] for i in range(0, len(lines), batch)]
    baseline_before = await _baseline(clients, max(1, len(batches) * 2 // handhelds))

    async def handheld(client: loadgen.KeepAliveClient, mine: list[list[dict]]) -> None:
        for chunk in mine:
            sent = await _call(client, LINES, {"input": {"sessionId": session_id, "lines": chunk}})
            if sent["recordCountLines"]["__typename"] != "CountLinesPayload":
                raise RuntimeError(sent)

    started = time.perf_counter()
    await asyncio.gather(*(handheld(clients[i], batches[i::handhelds]) for i in range(handhelds)))
    lines_per_s = len(lines) / (time.perf_counter() - started)
    baseline_after = await _baseline(clients, max(1, len(batches) * 2 // handhelds))
    baseline = (baseline_before + baseline_after) / 2

    copies = await _copies(int(session_id), submissions)
    timings: list[float] = []
    for target in [int(session_id), *copies]:
        began = time.perf_counter()
        done = await _call(clients[0], SUBMIT, {"input": {"sessionId": str(target)}})
        timings.append((time.perf_counter() - began) * 1000)
        if done["submitCount"]["__typename"] != "CountSessionPayload":
            raise RuntimeError(done)
    for client in clients:
        await client.close()
    return {
        "packages": len(lines),
        "handhelds": handhelds,
        "batch": batch,
        "lines_per_s": round(lines_per_s, 1),
        "baseline_round_trips_per_s": round(baseline, 1),
        "line_cost_in_round_trips": round(baseline / lines_per_s, 3),
        "submissions": len(timings),
        "submit_ms_p50": round(common.percentile(timings, 50), 1),
        "submit_ms_p95": round(common.percentile(timings, 95), 1),
        # The same, in cheapest round trips: comparable between a quiet and a busy machine.
        "submit_p95_in_round_trips": round(common.percentile(timings, 95) * baseline / 1000, 1),
    }


async def _copies(session_id: int, count: int) -> list[int]:
    """Open sessions holding the same lines as ``session_id`` (what the handhelds sent), to
    submit again: copied in SQL, skipping the start's one-count-per-zone check."""
    made: list[int] = []
    async with db.connection() as conn:
        for _ in range(count):
            new_id = await conn.fetchval(
                "INSERT INTO count_session (location, kind, zones, packages, products, blind,"
                " status, counter, round, started_at, expires_at, unscanned_packages, updated_at)"
                " SELECT location, kind, zones, packages, products, blind, 'open', counter, 1,"
                " started_at, expires_at, '{}', now() FROM count_session WHERE id = $1"
                " RETURNING id",
                session_id,
            )
            await conn.execute(
                "INSERT INTO count_line (session, line_key, round, package, tag, zone,"
                " counted_quantity, unit, counted_at, received_at, counter, witness, finding,"
                " conflict, requires_recount, superseded, location)"
                " SELECT $2, line_key, 1, package, tag, zone, counted_quantity, unit, counted_at,"
                " received_at, counter, witness, finding, false, false, false, location"
                " FROM count_line WHERE session = $1",
                session_id,
                new_id,
            )
            made.append(new_id)
        await conn.execute("ANALYZE count_line")
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--packages", type=int, default=2000)
    parser.add_argument("--handhelds", type=int, default=4)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--submissions", type=int, default=15)
    parser.add_argument("--json")
    args = parser.parse_args()
    with common.bench_services() as found:
        url = common.bench_database(found, DATABASE)
        redis_url = common.redis_database(found.redis_url, REDIS_DB)
        common.clear_arq_keys(redis_url)

        async def prepare() -> seed_floor.FloorStore:
            db.configure(url)
            await db.start(max_size=4)
            try:
                return await seed_floor.seed_floor_store(
                    args.packages, licence=LICENCE, first_location_id=FIRST_LOCATION_ID
                )
            finally:
                await db.stop()

        common.say(f"seeding {args.packages} packages on the floor")
        store = asyncio.run(prepare())
        with common.api_server(url, redis_url, workers=1) as api:

            async def measure() -> dict[str, Any]:
                db.configure(url)
                await db.start(max_size=4)
                try:
                    return await over_http(
                        api.url, store, args.handhelds, args.batch, args.submissions
                    )
                finally:
                    await db.stop()

            figures = asyncio.run(measure())
    figures["targets"] = {"line_cost_in_round_trips": "<= 1.5", "submit_ms_p95": "<= 500"}
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
