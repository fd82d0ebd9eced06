"""Run every benchmark in sequence and print one summary (``make bench``).

Each bench runs in its own process (``python -m bench.<module> --json …``), its output shown
as it goes and kept, with its figures, in the results folder (``.leafledger/bench/results``
unless ``--results`` says otherwise).
Benchmarks report, they do not assert: a figure missing its target does not fail the run, a
bench that crashes does (exit status 1).

    .venv/bin/python -m bench.run_all [--quick] [--only sales,subscriptions] [--results DIR]

``--quick`` runs every bench at a reduced size (a smoke test of the scripts; the figures are
not comparable with full runs).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import common

Figures = dict[str, Any]


def _get(figures: Figures, *path: str) -> Any:
    value: Any = figures
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _ledger(f: Figures) -> str:
    return (
        f"transferStock {f.get('transfer_per_s')}/s vs pgbench -N {f.get('pgbench_n_tps')} tps:"
        f" ratio {f.get('ratio')} (target >= 0.25); floor page p95"
        f" {f.get('floor_page_p95_ms')} ms (target <= 50)"
    )


def _state_sync(f: Figures) -> str:
    return (
        f"drain {_get(f, 'drain', 'reports_per_s')} reports/s; reconcile first pull"
        f" {_get(f, 'reconcile', 'first_full_pull_seconds')} s, steady state"
        f" {_get(f, 'reconcile', 'steady_state_seconds')} s"
    )


def _receiving(f: Figures) -> str:
    return (
        f"{f.get('packages')}-package manifest in {f.get('seconds_end_to_end')} s,"
        f" {f.get('scans_per_s')} scans/s = {f.get('scan_cost_in_round_trips')} baseline round"
        f" trips per scan; SQL per scan (first, middle, last)"
        f" {f.get('sql_statements_per_scan_first_middle_last')}"
    )


def _sales(f: Figures) -> str:
    return (
        f"recordSale {f.get('sales_per_s')}/s vs pgbench -N {f.get('pgbench_n_tps')} tps:"
        f" ratio {f.get('ratio')} (target >= 0.25); p99 {f.get('latency_p99_ms')} ms;"
        f" CPU/sale API {f.get('api_cpu_ms_per_sale')} ms, PostgreSQL"
        f" {f.get('postgres_cpu_ms_per_sale')} ms"
    )


def _expiry(f: Figures) -> str:
    deferred = _get(f, "deferred jobs + sweeper", "expiry_to_release_event") or {}
    sweeper = _get(f, "sweeper only", "expiry_to_release_event") or {}
    count = _get(f, "deferred jobs + sweeper", "reservations")
    return (
        f"{count} holds expiring together: p99 {deferred.get('p99_s')} s, all back by"
        f" {deferred.get('max_s')} s (target p99 <= 2 s); sweeper only: p99"
        f" {sweeper.get('p99_s')} s"
    )


def _subscriptions(f: Figures) -> str:
    live = f.get("display_from_request") or {}
    isolated = f.get("isolated_events_from_request") or {}
    return (
        f"{f.get('subscribers')} displays, an event every {f.get('spacing_ms')} ms: p99"
        f" {live.get('p99_ms')} ms (target <= 100), {f.get('ratio_p99_to_redis_fanout')}x Redis"
        f" fan-out; one event a second: p99 {isolated.get('p99_ms')} ms; missed"
        f" {f.get('missed')}"
    )


def _count_session(f: Figures) -> str:
    return (
        f"{f.get('packages')}-package zone by {f.get('handhelds')} handhelds:"
        f" {f.get('lines_per_s')} lines/s = {f.get('line_cost_in_round_trips')} round trips"
        f" per line (target <= 1.5);"
        f" submission p95 {f.get('submit_ms_p95')} ms (target <= 500)"
    )


def _exports(f: Figures) -> str:
    return (
        f"valuation rows x{f.get('valuation_rows_ratio')}: API RSS growth"
        f" x{f.get('valuation_api_rss_growth_ratio')} (target <= 1.2)"
    )


def _audit_packet(f: Figures) -> str:
    return (
        f"one year's packet {f.get('one_year_seconds')} s (target <= 60), peak RSS"
        f" {f.get('one_year_peak_rss_mb')} MB (target <= 400); two years' peak RSS"
        f" {f.get('rss_two_years_over_one')} x one year's (target <= 1.2)"
    )


@dataclass(frozen=True)
class Bench:
    name: str
    module: str
    quick: tuple[str, ...]
    headline: Callable[[Figures], str]


BENCHES = (
    Bench(
        "ledger",
        "bench.ledger_throughput",
        ("--packages", "2000", "--movements", "20000", "--seconds", "5"),
        _ledger,
    ),
    Bench(
        "state_sync",
        "bench.state_sync",
        ("--reports", "1000", "--packages", "5000"),
        _state_sync,
    ),
    Bench("receiving", "bench.receiving", ("--packages", "100"), _receiving),
    Bench(
        "count_session",
        "bench.count_session",
        ("--packages", "200", "--submissions", "3"),
        _count_session,
    ),
    Bench(
        "sales",
        "bench.sales_throughput",
        ("--packages", "500", "--seconds", "5", "--pgbench-seconds", "5"),
        _sales,
    ),
    Bench(
        "reservation_expiry",
        "bench.reservation_expiry",
        ("--reservations", "500", "--packages", "500", "--profile-reservations", "200"),
        _expiry,
    ),
    Bench(
        "subscriptions",
        "bench.subscription_latency",
        ("--subscribers", "50", "--events", "40", "--isolated-events", "5"),
        _subscriptions,
    ),
    Bench("exports", "bench.exports", ("--packages", "1000"), _exports),
    Bench("audit_packet", "bench.audit_packet", ("--movements", "20000"), _audit_packet),
)


def run(bench: Bench, results: Path, quick: bool) -> tuple[bool, Figures, float]:
    """Run one bench, echoing and keeping its output; its figures (empty if it failed)."""
    figures_path = results / f"{bench.name}.json"
    figures_path.unlink(missing_ok=True)
    command = [sys.executable, "-m", bench.module, "--json", str(figures_path)]
    if quick:
        command.extend(bench.quick)
    common.say(f"=== {bench.name}: {' '.join(command[1:])}")
    started = time.monotonic()
    with (
        open(results / f"{bench.name}.txt", "w") as log,
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as process,
    ):
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            log.write(line)
        status = process.wait()
    elapsed = time.monotonic() - started
    figures: Figures = {}
    if status == 0 and figures_path.exists():
        figures = json.loads(figures_path.read_text())
    return status == 0, figures, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="reduced sizes (smoke test)")
    names = ", ".join(b.name for b in BENCHES)
    parser.add_argument("--only", help=f"comma-separated names: {names}")
    parser.add_argument("--results", type=Path, default=common.DATA_DIR / "results")
    args = parser.parse_args()
    chosen = BENCHES
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        unknown = wanted - {b.name for b in BENCHES}
        if unknown:
            raise SystemExit(f"unknown bench(es): {sorted(unknown)}")
        chosen = tuple(b for b in BENCHES if b.name in wanted)
    args.results.mkdir(parents=True, exist_ok=True)
    outcomes = [(bench, *run(bench, args.results, args.quick)) for bench in chosen]

    print("\n=== summary" + (" (quick sizes: not comparable with full runs)" if args.quick else ""))
    for bench, ok, figures, elapsed in outcomes:
        if ok:
            try:
                line = bench.headline(figures)
            except Exception as exc:  # a renamed figure must not hide the others
                line = f"(no headline: {exc!r})"
        else:
            line = "FAILED (see its output above)"
        print(f"{bench.name:<20} {line}  [{elapsed:.0f} s]")
    print(f"output and figures: {args.results}")
    print("Figures are from a shared, noisy machine: read them as ratios to each run's baseline.")
    if not all(ok for _, ok, _, _ in outcomes):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
