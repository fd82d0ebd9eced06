"""Issue 5 benchmark: receive a 500-package manifest through the API, end to end.

A dock tablet creates the shipment (a CSV manifest), opens the session, answers the checklist,
scans every tag and completes: wall seconds for the whole flow over HTTP against a real API
process, scans per second, and the SQL statements each scan costs (counted in-process for the
first, middle and last scans: constant means no per-package growth).

Baseline, measured in the same run on the same connection: round trips per second of the
cheapest authenticated GraphQL request (``{ me { id } }``). ``scan_cost_in_round_trips`` is how
many such requests one scan costs, which stays comparable across noisy machines.

    .venv/bin/python -m bench.receiving [--packages N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from api import services
from api.cli import migrate
from bench import common, loadgen, seed
from domain import db
from domain.identity.principal import Principal
from domain.identity.tokens import TokenClaims, TokenCodec
from domain.receiving import sessions, shipments
from domain.receiving.model import Decision
from domain.roles import Role
from tests.support.units import new_uow

CREATE = """mutation($input: CreateShipmentInput!) { createShipment(input: $input) {
  __typename ... on ShipmentPayload { shipment { id } } ... on UserError { message } } }"""
START = """mutation($input: StartReceivingInput!) { startReceiving(input: $input) {
  __typename ... on ShipmentPayload { shipment { session { id } } } } }"""
ANSWER = """mutation($input: AnswerChecklistInput!) { answerChecklist(input: $input) {
  __typename } }"""
SCAN = """mutation($input: ScanPackageInput!) { scanPackage(input: $input) {
  __typename ... on ScanPayload { destination } ... on UserError { message } } }"""
COMPLETE = """mutation($input: CompleteReceivingInput!) { completeReceiving(input: $input) {
  __typename ... on UserError { message } } }"""


def _csv(prefix: str, count: int) -> str:
    rows = ["tag,item_name,shipped_quantity,unit,lab_state"]
    rows += [f"{prefix}{n:012d},Bench product {n % 400},100,grams,TestPassed" for n in range(count)]
    return "\n".join(rows)


async def _call(conn: loadgen.KeepAliveClient, query: str, variables: dict[str, Any]) -> dict:
    body = await conn.post({"query": query, "variables": variables})
    if "errors" in body:
        raise RuntimeError(body["errors"])
    return body["data"]


async def over_http(url: str, token: str, location_id: int, count: int) -> dict[str, float]:
    conn = loadgen.KeepAliveClient(f"{url}/graphql", {"Authorization": f"Bearer {token}"})
    await conn.open()
    prefix = f"1A4RC{int(time.time()) % 10**7:07d}"
    started = time.perf_counter()
    created = await _call(
        conn,
        CREATE,
        {
            "input": {
                "locationId": str(location_id),
                "manifestNumber": prefix,
                "csv": _csv(prefix, count),
            }
        },
    )
    shipment_id = created["createShipment"]["shipment"]["id"]
    opened = await _call(conn, START, {"input": {"shipmentId": shipment_id}})
    session_id = opened["startReceiving"]["shipment"]["session"]["id"]
    checklist = await _call(
        conn,
        "query($loc: ID!) { receivingChecklist(locationId: $loc) { key } }",
        {"loc": str(location_id)},
    )
    for item in checklist["receivingChecklist"]:
        await _call(
            conn, ANSWER, {"input": {"sessionId": session_id, "key": item["key"], "answer": "YES"}}
        )
    baseline_started = time.perf_counter()
    for _ in range(count):
        await _call(conn, "{ me { id } }", {})
    baseline = time.perf_counter() - baseline_started
    scan_started = time.perf_counter()
    for n in range(count):
        result = await _call(
            conn,
            SCAN,
            {"input": {"sessionId": session_id, "tag": f"{prefix}{n:012d}", "decision": "ACCEPT"}},
        )
        if result["scanPackage"]["__typename"] != "ScanPayload":
            raise RuntimeError(result)
    scans = time.perf_counter() - scan_started
    done = await _call(conn, COMPLETE, {"input": {"sessionId": session_id}})
    if done["completeReceiving"]["__typename"] != "ShipmentPayload":
        raise RuntimeError(done)
    total = time.perf_counter() - started - baseline  # the baseline is not part of receiving
    await conn.close()
    return {
        "packages": count,
        "seconds_end_to_end": round(total, 2),
        "scans_per_s": round(count / scans, 1),
        "baseline_round_trips_per_s": round(count / baseline, 1),
        "scan_cost_in_round_trips": round(scans / baseline, 2),
    }


async def statements_per_scan(location_id: int, lead: Principal, count: int) -> list[int]:
    """SQL statements of the 1st, middle and last scan of a fresh manifest (in-process)."""
    prefix = f"1A4RQ{int(time.time()) % 10**7:07d}"
    created = await shipments.create_shipment(
        new_uow(),
        lead,
        shipments.CreateShipment(
            location_id, prefix, shipments.parse_csv_manifest(_csv(prefix, count))
        ),
    )
    session = await sessions.start_receiving(
        new_uow(), lead, sessions.StartReceiving(created.value.shipment_id)
    )
    counts = []
    for n in range(count):
        with db.count_queries() as log:
            await sessions.scan_package(
                new_uow(),
                lead,
                sessions.ScanPackage(
                    session.value.session_id, f"{prefix}{n:012d}", Decision.ACCEPT
                ),
            )
            await asyncio.sleep(0)
        if n in (0, count // 2, count - 1):
            counts.append(len(log))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--packages", type=int, default=500)
    parser.add_argument("--json")
    args = parser.parse_args()
    with common.bench_services() as found:
        url = services.with_database(found.postgres_server_url, "leafledger_bench_receiving")
        asyncio.run(
            services.create_database(found.postgres_server_url, "leafledger_bench_receiving")
        )
        asyncio.run(migrate(url))

        async def prepare() -> tuple[int, int]:
            db.configure(url)
            await db.start(max_size=4)
            try:
                location_id = await seed.seeded(1000, 1000) or await seed.seed(1000, 1000)
                async with db.connection() as conn:
                    lead = await conn.fetchval(
                        "SELECT id FROM app_user WHERE email = 'lead@bench.test'"
                    )
                return location_id, lead
            finally:
                await db.stop()

        location_id, lead_id = asyncio.run(prepare())
        token = TokenCodec(common.BENCH_SECRET, 3600).issue(TokenClaims(lead_id, 0))
        with common.api_server(url, found.redis_url, workers=1) as api:
            figures = asyncio.run(over_http(api.url, token, location_id, args.packages))

        async def count() -> list[int]:
            db.configure(url)
            await db.start(max_size=4)
            try:
                async with db.connection() as conn:
                    operator = await conn.fetchval(
                        "SELECT operator FROM location WHERE id = $1", location_id
                    )
                lead = Principal(
                    lead_id, operator, "lead", "Bench Lead", {location_id: Role.INVENTORY_LEAD}
                )
                return await statements_per_scan(location_id, lead, args.packages)
            finally:
                await db.stop()

        figures["sql_statements_per_scan_first_middle_last"] = asyncio.run(count())
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
