"""Issue 14 benchmark: the audit packet for a year and for two years of one store's history.

Seeds (COPY, once; re-used while the licence holds this history, see ``bench.seed_packet``) a
California store with two years of activity: ~1,000,000 movements (~500,000 a year: receipts,
restocks, sales with their lines and sent state reports, voids, returns, write-offs and
write-ons, destructions). Then each packet is built in a **child process** (exactly what the
worker job runs: ``domain.packet.build.build``), whose wall time and peak RSS are measured. The
peak is the child's own ``VmHWM`` (its high-water resident set since it exec'd Python):
``wait4``'s ``ru_maxrss`` is reported too, but Linux carries the forking parent's peak over into
the child's ``ru_maxrss`` across ``exec``, so it never reads below this (bigger) bench process.

* **baseline**: a child that starts the same way, imports the same modules (reportlab,
  matplotlib) and opens the pool, and builds nothing: the fixed cost of a process;
* **stream**: a child that only reads the year's movements through the same server-side cursor
  (no CSV, no ZIP): the database's share of the time;
* **one day**: the packet of one day (every part, the PDF, a nearly empty history);
* **one year** and **two years**: the packets of the last 365 and 730 local days.

Targets (issue 14): one year ≤ 60 s and ≤ 400 MB peak RSS; two years' peak RSS ≤ 1.2 × one
year's (streaming: memory does not grow with history). Database ``packet_bench``.

    .venv/bin/python -m bench.audit_packet [--movements 1000000] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import common
from domain import db

DATABASE = "packet_bench"
TZ = "America/Los_Angeles"


def _child_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "LEAFLEDGER_DATABASE_URL": url,
        "LEAFLEDGER_SECRET_KEY": common.BENCH_SECRET,
        "LEAFLEDGER_DATA_DIR": str(common.DATA_DIR / "packet"),
    }


def run_child(url: str, mode: str, packet_id: int = 0) -> dict[str, Any]:
    """Run one measurement in its own process; its own peak RSS from wait4."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.audit_packet", "--child", mode, "--packet", str(packet_id)],
        env=_child_env(url),
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"child {mode} exited with {process.returncode}")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["wait4_maxrss_mb"] = round(usage.ru_maxrss / 1024, 1)  # Linux: kilobytes
    return result


def _peak_rss_mb() -> float:
    """This process's high-water resident set since exec (``VmHWM``, Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmHWM in /proc/self/status")


async def _child(mode: str, packet_id: int) -> dict[str, Any]:
    """In the child: configure as a worker would, then do ``mode``."""
    from domain import settings
    from domain.packet import build, links, summary_pdf  # noqa: F401 (imports are the baseline)
    from domain.packet.ledger_parts import MOVEMENTS_SQL
    from domain.unit_of_work import UnitOfWorkFactory, discard
    from plugins import registry

    config = settings.load()
    assert config.database_url is not None
    db.configure(config.database_url)
    links.configure(data_dir=config.data_dir, secret_key=config.secret_key)
    await db.start(min_size=1, max_size=3)
    try:
        started = time.perf_counter()
        if mode == "idle":
            from matplotlib.figure import Figure  # noqa: F401 (the PDF's chart library)

            return {"seconds": 0.0}
        row = None
        if packet_id:
            from domain.packet import services

            row = await services.packet(packet_id)
            assert row is not None
        if mode == "stream":
            assert row is not None
            rows = 0
            async with db.connection() as conn, conn.transaction(readonly=True):
                async for _ in conn.cursor(
                    MOVEMENTS_SQL, row.location_id, row.period_start, row.period_end, prefetch=5000
                ):
                    rows += 1
            return {"seconds": round(time.perf_counter() - started, 2), "rows": rows}
        units = UnitOfWorkFactory(registry.current(), discard)
        built = await build.build(units, packet_id)
        size = built.file.stat().st_size if built.file else 0
        return {
            "seconds": round(time.perf_counter() - started, 2),
            "status": built.status,
            "rows": built.rows,
            "zip_mb": round(size / 1e6, 1),
        }
    finally:
        await db.stop()


async def _packets(location_id: int) -> dict[str, int]:
    """Fresh packet rows: one day, the last year, the last two years (up to yesterday)."""
    from domain.packet.period import period

    yesterday = datetime.now(UTC).astimezone(ZoneInfo(TZ)).date() - timedelta(days=1)
    now = datetime.now(UTC)
    spans: dict[str, tuple[date, date]] = {
        "one_day": (yesterday - timedelta(days=200), yesterday - timedelta(days=200)),
        "one_year": (yesterday - timedelta(days=364), yesterday),
        "two_years": (yesterday - timedelta(days=729), yesterday),
    }
    ids: dict[str, int] = {}
    # An earlier run's files go with its rows (the packets are rebuilt from scratch).
    shutil.rmtree(common.DATA_DIR / "packet" / "audit-packets", ignore_errors=True)
    async with db.connection() as conn:
        await conn.execute("DELETE FROM audit_packet")
        admin = await conn.fetchval("SELECT min(id) FROM app_user")
        for name, (first, last) in spans.items():
            span = period(first, last, TZ, now)
            ids[name] = await conn.fetchval(
                "INSERT INTO audit_packet (location, first_day, last_day, period_start,"
                " period_end, status, parts_total, parts_done, rows_written, attempts,"
                " requested_by, requested_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'queued',"
                " 0, 0, 0, 0, $6, now(), now()) RETURNING id",
                location_id,
                first,
                last,
                span.start,
                span.end,
                admin,
            )
    return ids


async def _prepare(url: str, movements: int) -> tuple[int, dict[str, int], float]:
    from bench import seed_packet

    db.configure(url)
    await db.start(min_size=1, max_size=4)
    try:
        started = time.perf_counter()
        location_id = await seed_packet.seeded(movements)
        seeded_in = 0.0
        if location_id is None:
            common.say(f"seeding {movements:,} movements over two years (COPY)...")
            location_id = await seed_packet.seed(movements, 730)
            seeded_in = time.perf_counter() - started
            common.say(f"seeded in {seeded_in:.0f} s")
        async with db.connection() as conn:
            total = await conn.fetchval(
                "SELECT count(*) FROM movement WHERE location = $1", location_id
            )
        common.say(f"store {location_id}: {total:,} movements")
        return location_id, await _packets(location_id), seeded_in
    finally:
        await db.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--movements", type=int, default=1_000_000, help="over two years")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", choices=["idle", "stream", "build"])
    parser.add_argument("--packet", type=int, default=0)
    args = parser.parse_args()
    if args.child:
        result = asyncio.run(_child(args.child, args.packet))
        print(json.dumps({**result, "peak_rss_mb": _peak_rss_mb()}), flush=True)
        return
    with common.bench_services() as found:
        url = common.bench_database(found, DATABASE)
        _, ids, seeded_in = asyncio.run(_prepare(url, args.movements))
        common.say("baseline: a child that imports and connects, and builds nothing")
        idle = run_child(url, "idle")
        common.say(f"  {idle}")
        stream = run_child(url, "stream", ids["one_year"])
        common.say(f"stream the year's movements only: {stream}")
        results: dict[str, Any] = {"baseline": idle, "stream_one_year": stream}
        for name in ("one_day", "one_year", "two_years"):
            results[name] = run_child(url, "build", ids[name])
            common.say(f"packet {name}: {results[name]}")
    year, two = results["one_year"], results["two_years"]
    figures = {
        **results,
        "seeded_seconds": round(seeded_in, 1),
        "one_year_seconds": year["seconds"],
        "one_year_peak_rss_mb": year["peak_rss_mb"],
        "two_years_peak_rss_mb": two["peak_rss_mb"],
        "rss_two_years_over_one": round(two["peak_rss_mb"] / year["peak_rss_mb"], 3),
        "rss_one_year_over_baseline": round(year["peak_rss_mb"] / idle["peak_rss_mb"], 3),
        "time_one_year_over_stream": round(year["seconds"] / max(stream["seconds"], 0.01), 2),
        "targets": {
            "one_year_seconds": "<= 60",
            "one_year_peak_rss_mb": "<= 400",
            "rss_two_years_over_one": "<= 1.2",
        },
    }
    common.say(
        f"one year: {year['rows']:,} rows in {year['seconds']} s (target <= 60), peak RSS"
        f" {year['peak_rss_mb']} MB (target <= 400; baseline process {idle['peak_rss_mb']} MB);"
        f" two years: {two['rows']:,} rows in {two['seconds']} s, peak RSS {two['peak_rss_mb']} MB"
        f" = {figures['rss_two_years_over_one']} x one year's (target <= 1.2)"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
