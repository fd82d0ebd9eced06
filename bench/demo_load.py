"""How long ``make demo`` keeps a new user waiting for data: the demo load, with its year of
sales history, against migrating an empty database in the same run.

The README's promise is the API answering within a minute of the install finishing. Both steps
run as the CLI runs them, in a child process, into a database of their own:

    .venv/bin/python -m bench.demo_load [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time

from bench import common
from domain.databases import drop_database

DATABASE = os.environ.get("LEAFLEDGER_BENCH_DEMO_DB", "demo_bench")


def _timed(url: str, *command: str) -> float:
    env = {**os.environ, "LEAFLEDGER_DATABASE_URL": url}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "api.cli", *command], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    with common.bench_services() as found:
        server = found.postgres_server_url
        url = common.plain_database(found, DATABASE)
        asyncio.run(drop_database(server, DATABASE))
        url = common.plain_database(found, DATABASE)
        migrate = _timed(url, "migrate")
        asyncio.run(drop_database(server, DATABASE))
        url = common.plain_database(found, DATABASE)
        load = _timed(url, "demo-data")
        asyncio.run(drop_database(server, DATABASE))
    figures = {
        "migrate_seconds": round(migrate, 1),
        "demo_load_seconds": round(load, 1),
        "load_over_migrate": round(load / migrate, 1),
    }
    common.say(
        f"demo load {figures['demo_load_seconds']} s (target: well under 60 s)"
        f" = {figures['load_over_migrate']} x migrating an empty database"
        f" ({figures['migrate_seconds']} s)"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f)


if __name__ == "__main__":
    main()
