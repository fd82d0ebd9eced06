"""Live-display benchmark: floorStockChanged delivery latency to 500 subscribers.

Seeds a small California store (``bench.seed_floor``), then in one run:

1. **Baseline: Redis fan-out.** 500 plain Redis pub/sub subscribers (one connection each, in
   this process, like the displays below) and 200 PUBLISHes spaced 50 ms, each padded to the
   size of a display's message: latency from just before PUBLISH to each subscriber's receipt.
   This is the floor for "tell 500 listeners on this machine", measured with the same client
   process and event loop, so the display figure can be read as a ratio to it. A
   single-subscriber PUBLISH round trip is printed too.
2. **Displays.** The API (``api.cli serve --workers 2``: two processes, which share events
   through Redis) and 500 graphql-transport-ws subscribers to ``floorStockChanged(locationId)``
   (``websockets`` directly; ``connection_init`` with a bearer token; the selection a floor
   display uses). Warm-up restocks run until every subscriber has seen one (so all
   subscriptions are live), then 200 ``transferStock`` mutations (vault -> sales floor, one at a
   time, one every 50 ms) go through HTTP, then 20 more one a second (no queueing: the cost of
   one event's fan-out on its own). Each event is matched to its mutation by ``movementId``.
   Before the displays connect, 100 of the same mutations run with no display, so the API CPU
   the fan-out adds per display can be told apart from the mutation's own.

Latency is defined from the **start of the mutation's HTTP request**: the commit, and the
after-commit publish, happen somewhere inside the request, so this is an upper bound on
commit-to-screen time and is never negative. The same figure from the HTTP response (a lower
bound: the event can beat the response) is printed alongside. Reported across all
(subscriber, event) pairs: p50/p95/p99 (target p99 ≤ 100 ms) and the ratio to the Redis
fan-out p50/p99, missed events, the spread of one event across its subscribers, subscribers
per API process, and CPU per event in the API, PostgreSQL, Redis and this client.

The client shares the machine's 2 cores with the API; its own receive work is part of both
figures (hence the ratio). ``uvloop`` runs the client when installed, its long-lived objects
are frozen out of the garbage collector once connected, and its GC pauses are recorded, so a
late event can be pinned on the server.

    .venv/bin/python -m bench.subscription_latency [--subscribers N] [--events N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import psutil

from bench import common, loadgen, meters, seed_floor
from bench import display_clients as clients
from domain import db
from domain.organisation.model import ZoneKind

_line = clients.latency_line

DATABASE = "leafledger_bench_live"
REDIS_DB = 13
LICENCE = "C10-0000713-LIC"
FIRST_LOCATION_ID = 713_001
TRANSFER = """mutation($input: TransferStockInput!) { transferStock(input: $input) {
  __typename ... on StockMovedPayload { movements { id } } } }"""


@dataclass
class Mutation:
    movement_id: int
    started: float
    answered: float


async def transfer(
    connection: loadgen.KeepAliveClient, store: seed_floor.FloorStore, tag: str, key: str
) -> int:
    body = await connection.post(
        {
            "query": TRANSFER,
            "variables": {
                "input": {
                    "locationId": str(store.location_id),
                    "tag": tag,
                    "fromZoneId": str(store.zones[ZoneKind.VAULT]),
                    "toZoneId": str(store.zones[ZoneKind.SALES_FLOOR]),
                    "quantity": "0.001",
                    "unit": "GRAMS",
                    "idempotencyKey": key,
                }
            },
        }
    )
    payload = body["data"]["transferStock"]
    if payload["__typename"] != "StockMovedPayload":
        raise RuntimeError(f"transferStock refused: {payload}")
    return int(payload["movements"][0]["id"])


def _connections_per_process(api: common.Api, exclude_port: int) -> dict[str, int]:
    """Displays' sockets per API process (which worker got whom); ``exclude_port`` is the
    local port of our mutation connection."""
    out: dict[str, int] = {}
    for process in api.processes():
        with contextlib.suppress(psutil.Error):
            count = sum(
                1
                for c in process.net_connections(kind="tcp")
                if c.status == psutil.CONN_ESTABLISHED
                and c.laddr
                and c.laddr.port == api.port
                and not (c.raddr and c.raddr.port == exclude_port)
            )
            if count:
                out[str(process.pid)] = count
    return out


@dataclass
class Alone:
    """The same mutations with no display connected: what the fan-out adds is the rest."""

    events: int
    api_cpu_ms_per_event: float
    mutation_ms: list[float]


async def mutations_alone(
    api: common.Api, store: seed_floor.FloorStore, events: int, spacing: float
) -> Alone:
    http = loadgen.KeepAliveClient(
        f"{api.url}/graphql", {"Authorization": f"Bearer {store.token(store.lead_id)}"}
    )
    await http.open()
    run_id = f"{time.time_ns():x}"
    latencies: list[float] = []
    try:
        for n in range(5):  # warm up connections and caches
            await transfer(http, store, store.tags[n], f"alone-warm-{run_id}-{n}")
        with meters.CpuMeter(api) as cpu:
            begin = time.perf_counter()
            for n in range(events):
                await asyncio.sleep(max(0.0, begin + n * spacing - time.perf_counter()))
                sent = time.perf_counter()
                tag = store.tags[n % len(store.tags)]
                await transfer(http, store, tag, f"alone-{run_id}-{n}")
                latencies.append((time.perf_counter() - sent) * 1000)
    finally:
        await http.close()
    return Alone(events, cpu.api_seconds / events * 1000, latencies)


@dataclass
class DisplayRun:
    from_request_ms: list[float]
    from_response_ms: list[float]
    spread_ms: list[float]
    mutation_ms: list[float]
    isolated_from_request_ms: list[float]
    isolated_spread_ms: list[float]
    isolated_missed: int
    isolated_each_ms: list[tuple[float, float, float]]
    isolated_mutation_ms: list[float]
    client_gc_max_ms: float
    isolated_client_gc_max_ms: float
    missed: int
    expected: int
    errors: list[str]
    warmup_s: float
    connect_s: float
    message_bytes: int
    per_process: dict[str, int]
    api_cpu_s: float
    postgres_cpu_s: float
    redis_cpu_s: float
    client_cpu_s: float
    machine_busy_share: float
    window_s: float


async def displays(
    api: common.Api, store: seed_floor.FloorStore, args: argparse.Namespace
) -> DisplayRun:
    reader_token = store.token(store.budtender_id)
    lead_token = store.token(store.lead_id)
    crowd = [clients.Display(i) for i in range(args.subscribers)]
    started = time.perf_counter()
    for start in range(0, len(crowd), clients.CONNECT_AT_ONCE):
        await asyncio.gather(
            *[
                d.open(api.ws_url, reader_token, store.location_id, not args.no_compression)
                for d in crowd[start : start + clients.CONNECT_AT_ONCE]
            ]
        )
    connect_s = time.perf_counter() - started
    listeners = [asyncio.create_task(d.listen()) for d in crowd]
    http = loadgen.KeepAliveClient(f"{api.url}/graphql", {"Authorization": f"Bearer {lead_token}"})
    await http.open()
    run_id = f"{time.time_ns():x}"
    tags = store.tags
    try:
        # Warm-up: restock until every display has seen an event (all subscriptions live).
        started = time.perf_counter()
        warm = 0
        while time.perf_counter() - started < 60:
            await transfer(http, store, tags[warm % len(tags)], f"warm-{run_id}-{warm}")
            warm += 1
            await asyncio.sleep(0.2)
            if all(d.received for d in crowd):
                break
        warmup_s = time.perf_counter() - started
        # Everything set up so far lives to the end: keep it out of full collections, so the
        # client's own GC pauses stay short (the API does the same at startup).
        gc.collect()
        gc.freeze()
        await asyncio.sleep(1.0)
        per_process = _connections_per_process(api, http.writer.get_extra_info("sockname")[1])
        await http.close()

        async def drive(count: int, spacing: float, label: str, offset: int) -> list[Mutation]:
            """``count`` restocks, one every ``spacing`` s, then wait for their events.

            A fresh HTTP connection each time: the server drops keep-alive connections left
            idle for 5 s (as while waiting for a backlog of events)."""
            done: list[Mutation] = []
            register = loadgen.KeepAliveClient(
                f"{api.url}/graphql", {"Authorization": f"Bearer {lead_token}"}
            )
            await register.open()
            try:
                await transfer(register, store, tags[offset % len(tags)], f"{label}-{run_id}-w")
                await asyncio.sleep(1.0)  # its event reaches every display before we start
                begin = time.perf_counter()
                for n in range(count):
                    await asyncio.sleep(max(0.0, begin + n * spacing - time.perf_counter()))
                    sent = time.perf_counter()
                    tag = tags[(offset + n) % len(tags)]
                    movement_id = await transfer(register, store, tag, f"{label}-{run_id}-{n}")
                    done.append(Mutation(movement_id, sent, time.perf_counter()))
            finally:
                await register.close()
            wanted = {m.movement_id for m in done}
            await clients.settle(
                lambda: sum(len(wanted.intersection(d.received)) for d in crowd),
                len(wanted) * len(crowd),
            )
            return done

        with (
            clients.GcPauses() as client_gc,
            meters.CpuMeter(api) as api_cpu,
            meters.NamedCpu(frozenset({"postgres"}), frozenset({DATABASE})) as pg_cpu,
            meters.NamedCpu(frozenset({"redis-server"})) as redis_cpu,
            meters.ProcessCpu([psutil.Process()]) as client_cpu,
            meters.SystemCpu() as machine,
        ):
            mutations = await drive(args.events, args.spacing, "live", warm)
        common.say(f"{args.isolated_events} more events, one a second (no queueing)")
        with clients.GcPauses() as isolated_gc:
            isolated = await drive(args.isolated_events, 1.0, "isolated", warm + args.events)
    finally:
        gc.unfreeze()
        with contextlib.suppress(Exception):
            await http.close()
        for listener in listeners:
            listener.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
        await asyncio.gather(*[d.close() for d in crowd])

    def measure(done: list[Mutation]) -> tuple[list[float], list[float], list[float]]:
        from_request, from_response, spread = [], [], []
        for m in done:
            arrivals = [d.received[m.movement_id] for d in crowd if m.movement_id in d.received]
            from_request.extend((at - m.started) * 1000 for at in arrivals)
            from_response.extend((at - m.answered) * 1000 for at in arrivals)
            if arrivals:
                spread.append((max(arrivals) - min(arrivals)) * 1000)
        return from_request, from_response, spread

    from_request, from_response, spread = measure(mutations)
    isolated_request, _, isolated_spread = measure(isolated)
    isolated_each = []
    for m in isolated:
        arrivals = [
            (d.received[m.movement_id] - m.started) * 1000
            for d in crowd
            if m.movement_id in d.received
        ]
        if arrivals:
            isolated_each.append(
                (
                    round(min(arrivals), 1),
                    round(common.percentile(arrivals, 50), 1),
                    round(max(arrivals), 1),
                )
            )
    expected = len(mutations) * len(crowd)
    return DisplayRun(
        from_request_ms=from_request,
        from_response_ms=from_response,
        spread_ms=spread,
        mutation_ms=[(m.answered - m.started) * 1000 for m in mutations],
        isolated_from_request_ms=isolated_request,
        isolated_spread_ms=isolated_spread,
        isolated_missed=len(isolated) * len(crowd) - len(isolated_request),
        isolated_each_ms=isolated_each,
        isolated_mutation_ms=[(m.answered - m.started) * 1000 for m in isolated],
        client_gc_max_ms=max(client_gc.pauses_ms, default=0.0),
        isolated_client_gc_max_ms=max(isolated_gc.pauses_ms, default=0.0),
        missed=expected - len(from_request),
        expected=expected,
        errors=[e for d in crowd for e in d.errors][:5],
        warmup_s=warmup_s,
        connect_s=connect_s,
        message_bytes=max((d.message_bytes for d in crowd), default=0),
        per_process=per_process,
        api_cpu_s=api_cpu.api_seconds,
        postgres_cpu_s=pg_cpu.seconds,
        redis_cpu_s=redis_cpu.seconds,
        client_cpu_s=client_cpu.seconds,
        machine_busy_share=machine.busy_share,
        window_s=machine.wall_seconds,
    )


def _run(coroutine_factory: Callable[[], Awaitable[Any]]) -> Any:
    """Run on uvloop when available (less client CPU per received message), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine_factory())  # type: ignore[arg-type]
    return uvloop.run(coroutine_factory())  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--spacing", type=float, default=0.05, help="seconds between mutations")
    parser.add_argument("--packages", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--isolated-events", type=int, default=20, help="then this many, one a second"
    )
    parser.add_argument(
        "--no-compression", action="store_true", help="do not offer permessage-deflate"
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    with common.bench_services() as found:
        url = common.bench_database(found, DATABASE)
        redis_url = common.redis_database(found.redis_url, REDIS_DB)
        common.clear_arq_keys(redis_url)

        async def seed_store() -> seed_floor.FloorStore:
            db.configure(url)
            await db.start(max_size=4)
            try:
                return await seed_floor.seed_floor_store(
                    args.packages,
                    licence=LICENCE,
                    products=min(50, args.packages),
                    first_location_id=FIRST_LOCATION_ID,
                )
            finally:
                await db.stop()

        common.say(f"seeding a CA store with {args.packages} packages")
        store = asyncio.run(seed_store())
        asyncio.run(common.checkpoint(url))

        common.say("baseline: Redis PUBLISH round trip to 1 subscriber")
        single, _ = _run(
            lambda: clients.redis_fanout(redis_url, 1, args.events, args.spacing / 5, 220)
        )
        common.say(f"baseline: Redis PUBLISH to {args.subscribers} subscribers")
        # Padded to the size of a display's message (printed below: about 220 bytes of JSON).
        fanout, fanout_missed = _run(
            lambda: clients.redis_fanout(
                redis_url, args.subscribers, args.events, args.spacing, 220
            )
        )
        with common.api_server(url, redis_url, args.workers) as api:
            alone_events = min(args.events, 100)
            common.say(f"{alone_events} transferStock mutations with no display connected")
            alone: Alone = _run(lambda: mutations_alone(api, store, alone_events, args.spacing))
            common.say(f"connecting {args.subscribers} displays to {args.workers} API workers")
            run: DisplayRun = _run(lambda: displays(api, store, args))

    base_p50 = common.percentile(fanout, 50)
    base_p99 = common.percentile(fanout, 99)
    p50 = common.percentile(run.from_request_ms, 50)
    p99 = common.percentile(run.from_request_ms, 99)
    events = max(args.events, 1)
    api_ms_per_event = run.api_cpu_s / events * 1000
    fanout_us = (api_ms_per_event - alone.api_cpu_ms_per_event) * 1000 / max(args.subscribers, 1)
    cores = psutil.cpu_count() or 1
    sustainable = cores * 1000 / api_ms_per_event if api_ms_per_event else float("inf")
    figures: dict[str, Any] = {
        "subscribers": args.subscribers,
        "events": args.events,
        "spacing_ms": args.spacing * 1000,
        "compression": not args.no_compression,
        "redis_single_subscriber": clients.stats_ms(single),
        "clients.redis_fanout": clients.stats_ms(fanout) | {"missed": fanout_missed},
        "display_from_request": clients.stats_ms(run.from_request_ms),
        "display_from_response": clients.stats_ms(run.from_response_ms),
        "ratio_p50_to_redis_fanout": round(p50 / base_p50, 2) if base_p50 else None,
        "ratio_p99_to_redis_fanout": round(p99 / base_p99, 2) if base_p99 else None,
        "one_event_spread_across_displays": clients.stats_ms(run.spread_ms),
        "isolated_events_from_request": clients.stats_ms(run.isolated_from_request_ms)
        | {"missed": run.isolated_missed},
        "isolated_event_spread_across_displays": clients.stats_ms(run.isolated_spread_ms),
        "isolated_each_first_median_last_ms": run.isolated_each_ms,
        "isolated_mutation_ms": [round(v, 1) for v in run.isolated_mutation_ms],
        "client_gc_max_pause_ms": round(run.client_gc_max_ms, 1),
        "isolated_client_gc_max_pause_ms": round(run.isolated_client_gc_max_ms, 1),
        "mutation_latency": clients.stats_ms(run.mutation_ms),
        "missed": run.missed,
        "expected": run.expected,
        "errors": run.errors,
        "message_bytes": run.message_bytes,
        "displays_per_api_process": run.per_process,
        "connect_s": round(run.connect_s, 2),
        "warmup_s": round(run.warmup_s, 2),
        "api_cpu_ms_per_event": round(api_ms_per_event, 2),
        "api_cpu_ms_per_event_no_displays": round(alone.api_cpu_ms_per_event, 2),
        "api_cpu_us_per_display_per_event": round(fanout_us, 1),
        "mutation_latency_no_displays": clients.stats_ms(alone.mutation_ms),
        "sustainable_events_per_s_all_cores_to_api": round(sustainable, 1),
        "postgres_cpu_ms_per_event": round(run.postgres_cpu_s / events * 1000, 2),
        "redis_cpu_ms_per_event": round(run.redis_cpu_s / events * 1000, 2),
        "client_cpu_ms_per_event": round(run.client_cpu_s / events * 1000, 2),
        "machine_busy_share": round(run.machine_busy_share, 3),
        "window_s": round(run.window_s, 2),
    }
    print()
    print(f"Redis PUBLISH, 1 subscriber:        {_line(single)}")
    print(
        f"Redis PUBLISH, {args.subscribers} subscribers:    {_line(fanout)}"
        f"  (missed {fanout_missed})"
    )
    print(
        f"floorStockChanged, {args.subscribers} displays, {args.events} events every"
        f" {args.spacing * 1000:.0f} ms ({run.message_bytes} B messages,"
        f" compression {'on' if not args.no_compression else 'off'}):"
    )
    print(f"  from request start:               {_line(run.from_request_ms)} (target p99 <= 100)")
    print(f"  from HTTP response:               {_line(run.from_response_ms)}")
    print(
        f"  ratio to Redis fan-out:           p50 {figures['ratio_p50_to_redis_fanout']}x,"
        f" p99 {figures['ratio_p99_to_redis_fanout']}x"
    )
    print(f"  one event, first to last display: {_line(run.spread_ms)}")
    print(
        f"  isolated events (1/s), from request: {_line(run.isolated_from_request_ms)}"
        f" (missed {run.isolated_missed})"
    )
    print(f"    ... first to last display:      {_line(run.isolated_spread_ms)}")
    if run.isolated_each_ms:
        last = [each[2] for each in run.isolated_each_ms]
        print(
            f"    ... per event, the last display: median {common.percentile(last, 50):.1f} ms,"
            f" worst {max(last):.1f} ms (a whole event late means a stall, not the fan-out)"
        )
        print(f"    ... their transferStock round trip: {_line(run.isolated_mutation_ms)}")
        print(f"    ... this client's longest GC pause: {run.isolated_client_gc_max_ms:.1f} ms")
    print(f"  transferStock round trip:         {_line(run.mutation_ms)}")
    print(f"    ... with no display connected:  {_line(alone.mutation_ms)}")
    print(f"  missed: {run.missed} of {run.expected}; displays per API process: {run.per_process}")
    print(f"  this client's longest GC pause during the 200 events: {run.client_gc_max_ms:.1f} ms")
    print(
        f"  CPU per event: API {api_ms_per_event:.1f} ms (no displays:"
        f" {alone.api_cpu_ms_per_event:.1f} ms; so {fanout_us:.0f} us per display),"
        f" PostgreSQL {figures['postgres_cpu_ms_per_event']} ms,"
        f" Redis {figures['redis_cpu_ms_per_event']} ms,"
        f" this client {figures['client_cpu_ms_per_event']} ms;"
        f" machine {run.machine_busy_share:.0%} busy over {run.window_s:.1f} s"
    )
    demand = api_ms_per_event / (args.spacing * 1000)
    if demand < 0.7 * cores:
        verdict = (
            f"keeps up: the API needs {demand:.2f} of {cores} cores for"
            f" {1 / args.spacing:.0f} events/s to {args.subscribers} displays; latency is the"
            " serial fan-out of each event inside each API process (the isolated figure)"
        )
    else:
        verdict = (
            f"API CPU: {api_ms_per_event:.0f} ms per event ({fanout_us:.0f} us per display)"
            f" needs {demand:.1f} cores at {1 / args.spacing:.0f} events/s; all {cores} cores"
            f" would sustain about {sustainable:.1f} events/s, so events queue and latency"
            " grows with the length of the run"
        )
    figures["limited_by"] = verdict
    print(f"limited by: {verdict}")
    if run.errors:
        print(f"  errors (first 5): {run.errors}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
