"""Abuse bench: how long a ``{ me { id } }`` probe waits while one caller sends a huge request.

The probe of issue 10 (finding 1) found one anonymous ``recordSale`` with 100,000 lines
(~4.9 MB) kept an API process busy for ~8 s: a probe took 8.3 s and ``/healthz`` timed out.
This bench starts one API process (``api.cli serve``, 1 worker: one event loop, the worst case)
on a small seeded store, and measures probe latency

* idle (the baseline; figures are ratios to its median),
* while an anonymous client posts the 100,000-line sale (~4.9 MB, with Content-Length),
* while a signed-in budtender posts the largest sale that fits the body limit (~1 MiB, about
  19,000 lines),

probing every 20 ms from before the attack is sent until 0.5 s after its answer. It prints each
attack's status and time to answer and the probes' worst and median latency.

    .venv/bin/python -m bench.abuse_probe [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

import httpx

from bench import common, seed_floor
from domain import db

DATABASE = "leafledger_bench_abuse"
REDIS_DB = 14
LICENCE = "C10-0000714-LIC"
PROBE = {"query": "{ me { id } }"}
RECORD_SALE = """mutation($input: RecordSaleInput!) { recordSale(input: $input) {
  __typename } }"""


def _sale(location_id: int, lines: int) -> bytes:
    sale = {
        "locationId": str(location_id),
        "register": "R1",
        "posReceiptId": f"abuse-{time.time_ns()}",
        "customerType": "ADULT_USE",
        "customerKey": "abuser",
        "lines": [
            {"tag": f"1A4FF01000000220{i:08d}", "quantity": "1", "unitPrice": "9.50"}
            for i in range(lines)
        ],
    }
    return json.dumps({"query": RECORD_SALE, "variables": {"input": sale}}).encode()


def _fitting_lines(location_id: int, limit: int) -> int:
    """The most lines whose request body stays within ``limit`` bytes."""
    per_line = len(_sale(location_id, 1001)) - len(_sale(location_id, 1000))
    lines = (limit - len(_sale(location_id, 0))) // per_line
    while len(_sale(location_id, lines)) > limit:
        lines -= 1
    return lines


async def _probe_during(url: str, body: bytes | None, headers: dict[str, str]) -> dict[str, Any]:
    """Probe every 20 ms while ``body`` is posted (or, with None, for 2 s idle)."""
    latencies: list[float] = []
    async with (
        httpx.AsyncClient(base_url=url, timeout=60) as probes,
        httpx.AsyncClient(base_url=url, timeout=60) as attacker,
    ):
        await probes.post("/graphql", json=PROBE)  # connection warmed up
        attack_status = None
        attack_seconds = None
        started = time.monotonic()
        if body is not None:

            async def attack() -> httpx.Response:
                return await attacker.post(
                    "/graphql",
                    content=body,
                    headers={**headers, "Content-Type": "application/json"},
                )

            task = asyncio.create_task(attack())
        else:
            task = None
        stop_at = started + 2.0
        while True:
            sent = time.monotonic()
            answer = await probes.post("/graphql", json=PROBE)
            latencies.append((time.monotonic() - sent) * 1000)
            assert answer.status_code == 200, answer.text
            if task is not None and task.done() and attack_status is None:
                response = task.result()
                attack_status = response.status_code
                attack_seconds = round(time.monotonic() - started, 3)
                stop_at = time.monotonic() + 0.5
            if time.monotonic() >= stop_at and (task is None or task.done()):
                break
            await asyncio.sleep(0.02)
        if task is not None and attack_status is None:
            attack_status = (await task).status_code
            attack_seconds = round(time.monotonic() - started, 3)
    return {
        "attack_status": attack_status,
        "attack_seconds": attack_seconds,
        "body_bytes": len(body) if body is not None else 0,
        "probes": len(latencies),
        "probe_median_ms": round(statistics.median(latencies), 2),
        "probe_max_ms": round(max(latencies), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="accepted for run_all; same run")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    with common.bench_services() as found:
        bench_url = common.bench_database(found, DATABASE)
        redis_url = common.redis_database(found.redis_url, REDIS_DB)

        async def prepare() -> seed_floor.FloorStore:
            db.configure(bench_url)
            await db.start(max_size=2)
            try:
                return await seed_floor.seed_floor_store(10, licence=LICENCE, products=5)
            finally:
                await db.stop()

        store = asyncio.run(prepare())
        token = store.token(store.budtender_id)
        anonymous = _sale(store.location_id, 100_000)
        fitting = _sale(store.location_id, _fitting_lines(store.location_id, 1 << 20))
        with common.api_server(bench_url, redis_url, workers=1) as api:
            common.say("idle probes")
            idle = asyncio.run(_probe_during(api.url, None, {}))
            common.say(f"anonymous 100,000-line sale ({len(anonymous):,} bytes)")
            anon = asyncio.run(_probe_during(api.url, anonymous, {}))
            common.say(f"signed-in sale that fits the body limit ({len(fitting):,} bytes)")
            signed = asyncio.run(
                _probe_during(api.url, fitting, {"Authorization": f"Bearer {token}"})
            )
    base = idle["probe_median_ms"]
    figures = {
        "idle": idle,
        "anonymous_100k_lines": anon,
        "signed_in_1mib": signed,
        "probe_max_over_idle_median": {
            "anonymous_100k_lines": round(anon["probe_max_ms"] / base, 1),
            "signed_in_1mib": round(signed["probe_max_ms"] / base, 1),
        },
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)


if __name__ == "__main__":
    main()
