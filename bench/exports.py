"""Issue 14 benchmark: the bookkeeper's CSV exports stream (the API's memory stays flat).

Two stores, seeded by ``bench.seed`` into their own databases: a small one (P packages) and a
large one (4P packages, four times the movements). One API process per store (one worker)
serves ``GET /exports/inventory-valuation.csv`` (one row per package and zone held: the export
whose rows grow with the store) and the other three reports for the year; a streaming client
reads each download while a thread samples the API process's RSS every 10 ms.

Figures: rows, MB and rows/s of each download; the API's peak RSS growth during the valuation
over its RSS just before (the ratio large/small is the claim: streaming keeps it near 1 while
the rows grow 4×; target <= 1.2); and, as a same-run baseline of what buffering would cost, the
growth of a client-side ``response.text`` read of the large valuation (the whole file held).

    LEAFLEDGER_BENCH_SERVER_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    LEAFLEDGER_BENCH_REDIS_URL=redis://127.0.0.1:6379/4 LEAFLEDGER_REDIS_PREFIX=exports_bench \\
    .venv/bin/python -m bench.exports [--packages 5000] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import threading
import time
from datetime import date, timedelta
from typing import Any

import httpx
import psutil

from bench import common, seed
from domain import db
from domain.identity.passwords import hash_password
from domain.identity.tokens import TokenClaims, TokenCodec

DATABASES = ("bench_exports_small", "bench_exports_large")
REPORTS = ("sales-by-product", "adjustments-by-reason", "receiving-by-vendor")


async def _prepare(url: str, packages: int) -> tuple[int, int]:
    """The store (seeded once per size) and an auditor there; (location, auditor)."""
    db.configure(url)
    await db.start(max_size=2)
    try:
        location_id = await seed.seeded(packages, packages * 5)
        if location_id is None:
            common.say(f"seeding {packages} packages, {packages * 5} movements")
            location_id = await seed.seed(packages, packages * 5)
        async with db.connection() as conn:
            auditor = await conn.fetchval(
                "SELECT id FROM app_user WHERE email = 'auditor@bench.test'"
            )
            if auditor is None:
                auditor = await conn.fetchval(
                    "INSERT INTO app_user (operator, email, name, password_hash, active,"
                    " token_version, created_at) SELECT operator, 'auditor@bench.test',"
                    " 'Bench Auditor', $2, true, 0, now() FROM location WHERE id = $1"
                    " RETURNING id",
                    location_id,
                    hash_password("bench-password-1"),
                )
                await conn.execute(
                    'INSERT INTO location_grant ("user", location, role)'
                    " VALUES ($1, $2, 'auditor')",
                    auditor,
                    location_id,
                )
        return location_id, auditor
    finally:
        await db.stop()


class _Sampler:
    """The peak RSS of a process (and its children) while a block runs."""

    def __init__(self, processes: list[psutil.Process]) -> None:
        self.processes = processes
        self.peak = 0
        self._stop = threading.Event()

    def rss(self) -> int:
        return sum(p.memory_info().rss for p in self.processes)

    def __enter__(self) -> _Sampler:
        self.before = self.rss()
        self.peak = self.before
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(0.01)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.before) / 2**20


def _download(api: common.Api, path: str, token: str) -> dict[str, Any]:
    """Stream one export; rows, bytes, seconds and the API's RSS growth meanwhile."""
    rows = size = 0
    with (
        _Sampler(api.processes()) as sampler,
        httpx.stream(
            "GET", f"{api.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=600
        ) as response,
    ):
        started = time.perf_counter()
        assert response.status_code == 200, response.read()
        for chunk in response.iter_bytes():
            size += len(chunk)
            rows += chunk.count(b"\n")
        seconds = time.perf_counter() - started
    return {
        "rows": rows - 1,
        "mb": round(size / 2**20, 2),
        "seconds": round(seconds, 3),
        "rows_per_s": round((rows - 1) / seconds) if seconds else None,
        "api_rss_growth_mb": round(sampler.growth_mb, 1),
        "api_rss_before_mb": round(sampler.before / 2**20, 1),
    }


def _buffered_growth(api: common.Api, path: str, token: str) -> float:
    """Baseline: this process's RSS growth reading the whole valuation into memory."""
    me = psutil.Process()
    before = me.memory_info().rss
    text = httpx.get(
        f"{api.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=600
    ).text
    rows = text.splitlines()
    grown = me.memory_info().rss - before
    del rows, text
    return round(grown / 2**20, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", type=int, default=5000)
    parser.add_argument("--json")
    args = parser.parse_args()
    codec = TokenCodec(common.BENCH_SECRET, 3600)
    today = date.today()
    year = f"from={(today - timedelta(days=370)).isoformat()}&to={today.isoformat()}"
    figures: dict[str, Any] = {}
    with common.bench_services() as found:
        for name, packages in zip(DATABASES, (args.packages, args.packages * 4), strict=True):
            url = common.bench_database(found, name)
            location_id, auditor = asyncio.run(_prepare(url, packages))
            token = codec.issue(TokenClaims(auditor, 0))
            store: dict[str, Any] = {"packages": packages, "movements": packages * 5}
            with common.api_server(url, found.redis_url, workers=1) as api:
                valuation = (
                    f"/exports/inventory-valuation.csv?location={location_id}"
                    f"&date={today.isoformat()}"
                )
                # Warm the process with the same export of a day before any history (imports,
                # the pool, the code path; no rows), so the measured download is the first to
                # carry rows: memory a buffering server kept would show here.
                empty = f"/exports/inventory-valuation.csv?location={location_id}&date=2001-01-01"
                _download(api, empty, token)
                store["inventory-valuation"] = _download(api, valuation, token)
                store["inventory-valuation-again"] = _download(api, valuation, token)
                for report in REPORTS:
                    path = f"/exports/{report}.csv?location={location_id}&{year}"
                    store[report] = _download(api, path, token)
                if name == DATABASES[1]:
                    store["client_buffered_valuation_growth_mb"] = _buffered_growth(
                        api, valuation, token
                    )
            figures[name] = store
            common.say(f"{name}: {json.dumps(store)}")
    small, large = (figures[n]["inventory-valuation"] for n in DATABASES)
    figures["valuation_rows_ratio"] = round(large["rows"] / max(small["rows"], 1), 2)
    # Growth is a few MB at most; 1 MB floors keep the ratio from reading noise as a trend.
    figures["valuation_api_rss_growth_ratio"] = round(
        max(large["api_rss_growth_mb"], 1.0) / max(small["api_rss_growth_mb"], 1.0), 2
    )
    common.say(
        f"valuation rows {small['rows']} -> {large['rows']} "
        f"(x{figures['valuation_rows_ratio']}); API RSS growth "
        f"{small['api_rss_growth_mb']} MB -> {large['api_rss_growth_mb']} MB "
        f"(x{figures['valuation_api_rss_growth_ratio']}, target <= 1.2); a client holding the "
        f"large file grows {figures[DATABASES[1]]['client_buffered_valuation_growth_mb']} MB"
    )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)


if __name__ == "__main__":
    os.environ.setdefault("LEAFLEDGER_REDIS_PREFIX", "exports_bench")
    main()
