"""``leafledger serve | worker | migrate | demo | create-user | backtest | verify | backup |
restore``.

Settings are read once (``domain.settings.load``) and handed to ``api.bootstrap``; the only
environment this module touches is what it exports to the child processes it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from domain import settings

# Piccolo's migration runner finds its apps through this module (an environment variable is
# its only way in); set by the CLI, not by importing ``domain``.
PICCOLO_CONF = "domain.piccolo_conf"


async def migrate(database_url: str) -> None:
    """Apply every pending migration (piccolo's runner, our engine)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from domain import db

    os.environ.setdefault("PICCOLO_CONF", PICCOLO_CONF)
    db.configure(database_url)
    response = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not response.success:
        raise SystemExit(f"migration failed: {response.message}")


def cmd_migrate(args: argparse.Namespace) -> None:
    url = settings.load().database_url
    if not url:
        raise SystemExit("set LEAFLEDGER_DATABASE_URL")
    asyncio.run(migrate(url))


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    if folder := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # prometheus-client's multiprocess files from a previous run would be summed into this
        # one's: start from an empty folder (it must be this API's alone).
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
    uvicorn.run(
        "api.app:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=False,
        log_config=None,  # every record goes through api.logs, set up by app_factory
    )


def cmd_worker(args: argparse.Namespace) -> None:
    from arq import run_worker

    from workers.settings import worker_settings

    config = settings.load()
    from api import logs

    logs.configure(json_lines=config.log_format == "json", level=config.log_level)
    if config.worker_metrics_port:
        from prometheus_client import start_http_server

        # The worker's job counters, on their own port (bind it to a private network only).
        start_http_server(config.worker_metrics_port)
    run_worker(worker_settings(config))


def cmd_create_user(args: argparse.Namespace) -> None:
    from api.bootstrap import bootstrap
    from domain import db
    from domain.changelog.model import Actor
    from domain.identity import services as identity
    from domain.organisation import queries as organisation
    from domain.roles import Role

    bootstrap(settings.load())

    async def run() -> None:
        await db.start(max_size=2)
        try:
            rows = await organisation.locations_by_license_numbers(args.location)
            if len(rows) != len(args.location):
                raise SystemExit(f"unknown licence number among {args.location}")
            operators = {r.operator_id for r in rows}
            if len(operators) != 1:
                raise SystemExit("the locations must belong to one operator")
            user_id = await identity.create_user(
                operator_id=operators.pop(),
                email=args.email,
                name=args.name,
                password=args.password,
                grants={r.id: Role(args.role) for r in rows},
                logged_as=Actor.system(rows[0].operator_id, "leafledger create-user"),
            )
            print(f"created user {user_id} ({args.email}) as {args.role}")
        finally:
            await db.stop()

    asyncio.run(run())


def _spawn(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, env=env, start_new_session=True)


def cmd_demo(args: argparse.Namespace) -> None:
    """Everything a first-time user needs: services, schema, demo data, API and worker."""
    from api import services
    from api.bootstrap import bootstrap
    from domain.demo import PASSWORD, load_demo
    from domain.unit_of_work import UnitOfWork

    config = settings.load()
    deps = bootstrap(config)
    db_url, redis_url = config.database_url, config.redis_url
    with services.running(
        config.data_dir, database_url=db_url, redis_url=redis_url, prefer_local=False
    ) as running:
        database_url = db_url or services.with_database(running.postgres_server_url, "leafledger")
        if not db_url:
            asyncio.run(services.create_database(running.postgres_server_url, "leafledger"))
        asyncio.run(migrate(database_url))
        # The demo announces nothing: a unit of work with no publisher.
        credentials = asyncio.run(
            load_demo(UnitOfWork(deps.registry), database_url, reset=args.reset)
        )
        env = {
            **os.environ,
            "LEAFLEDGER_DATABASE_URL": database_url,
            "LEAFLEDGER_REDIS_URL": running.redis_url,
            "LEAFLEDGER_DATA_DIR": str(config.data_dir),
            # GraphiQL's schema explorer works before signing in (production: signed-in only).
            "LEAFLEDGER_INTROSPECTION": os.environ.get("LEAFLEDGER_INTROSPECTION", "public"),
            # Readable log lines in a terminal; production keeps one JSON object per line.
            "LEAFLEDGER_LOG_FORMAT": os.environ.get("LEAFLEDGER_LOG_FORMAT", "console"),
        }
        exe = [sys.executable, "-m", "api.cli"]
        children = [
            _spawn([*exe, "serve", "--port", str(args.port), "--host", args.host], env),
            _spawn([*exe, "worker"], env),
        ]
        print(
            f"\nLeafLedger demo is starting.\n  GraphiQL: http://{args.host}:{args.port}/graphql\n"
            f"  Sign in with the login mutation, e.g. {credentials[0]}\n"
            f"  Users (all with password '{PASSWORD}'):\n"
            + "\n".join(f"    {c}" for c in credentials)
            + "\nPress Ctrl-C to stop.\n",
            flush=True,
        )
        stop = False

        def _stop(*_: object) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        try:
            while not stop and all(c.poll() is None for c in children):
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    os.killpg(child.pid, signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)


def cmd_demo_data(args: argparse.Namespace) -> None:
    """Load the demo into the configured database (compose, or a database you already run)."""
    from api.bootstrap import bootstrap
    from domain.demo import load_demo
    from domain.unit_of_work import UnitOfWork

    config = settings.load()
    deps = bootstrap(config)
    url = config.database_url
    if not url:
        raise SystemExit("set LEAFLEDGER_DATABASE_URL")
    asyncio.run(migrate(url))
    for line in asyncio.run(load_demo(UnitOfWork(deps.registry), url, reset=args.reset)):
        print(line)


def cmd_backtest(args: argparse.Namespace) -> None:
    """Replay a location's history under the suggestions and a naive min/max (ordering)."""
    from domain import db
    from domain.ordering import backtest

    url = settings.load().database_url
    if not url:
        raise SystemExit("set LEAFLEDGER_DATABASE_URL")

    async def run() -> list[str]:
        db.configure(url)
        await db.start(min_size=1, max_size=2)
        try:
            async with db.connection() as conn:
                history = await backtest.load(conn, args.location, args.days)
        finally:
            await db.stop()
        return backtest.report(backtest.compare(history))

    for line in asyncio.run(run()):
        print(line)


def cmd_verify(args: argparse.Namespace) -> None:
    """Verify the hash chains now (as the nightly job does): record a run per location, alert
    compliance on a break, print what was walked and found; exit 1 if anything is broken."""
    from api.bootstrap import bootstrap, running
    from domain.audit.verification import verify_location, verify_shared_change_log
    from domain.organisation import queries as organisation

    deps = bootstrap(settings.load())

    async def run() -> int:
        async with running(deps, pool_size=(1, 2), listen=False):
            if args.location:
                rows = await organisation.locations_by_license_numbers(args.location)
                if len(rows) != len(args.location):
                    raise SystemExit(f"unknown licence number among {args.location}")
                ids = [r.id for r in rows]
            else:
                ids = await organisation.location_ids()
            broken = 0
            for location_id in ids:
                found = await verify_location(deps.uow(), location_id, "cli")
                broken += found.breaks_found
                print(
                    f"location {location_id}: run {found.id} {found.status},"
                    f" {found.rows_checked} rows in {found.chains_checked} chains"
                )
                for head in found.heads:
                    print(
                        f"  {head.check}: {head.chains} chains, {head.rows} rows,"
                        f" heads digest {head.digest or '-'}, {head.broken} broken"
                    )
                for brk in found.findings:
                    print(f"  BROKEN {brk.check} {brk.tag} at {brk.sequence}: {brk.reason}")
            # Operator-wide changes (prices, lab status) and the system chain have no location.
            for brk in await verify_shared_change_log():
                broken += 1
                print(f"  BROKEN change_log {brk.chain} at {brk.sequence}: {brk.reason}")
            return broken

    if asyncio.run(run()):
        raise SystemExit(1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="leafledger", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the GraphQL API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("worker", help="run the arq worker").set_defaults(func=cmd_worker)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="services + migrations + demo data + API + worker")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--reset", action="store_true", help="wipe and reload the demo data")
    demo.set_defaults(func=cmd_demo)

    data = sub.add_parser("demo-data", help="load the demo data into LEAFLEDGER_DATABASE_URL")
    data.add_argument("--reset", action="store_true", help="wipe and reload")
    data.set_defaults(func=cmd_demo_data)

    user = sub.add_parser("create-user", help="create a user with a role at locations")
    user.add_argument("--email", required=True)
    user.add_argument("--name", required=True)
    user.add_argument("--password", required=True)
    user.add_argument("--role", required=True)
    user.add_argument(
        "--location", action="append", required=True, help="licence number (repeatable)"
    )
    user.set_defaults(func=cmd_create_user)

    from api import cli_backup

    cli_backup.add_commands(sub)
    replay = sub.add_parser("backtest", help="replay a location's sales under reorder policies")
    replay.add_argument("--location", type=int, required=True, help="location id")
    replay.add_argument("--days", type=int, default=365, help="days to replay (after a warm-up)")
    replay.set_defaults(func=cmd_backtest)

    verify = sub.add_parser("verify", help="verify the ledger's hash chains and record the run")
    verify.add_argument(
        "--location", action="append", help="licence number (repeatable; default: all)"
    )
    verify.set_defaults(func=cmd_verify)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
