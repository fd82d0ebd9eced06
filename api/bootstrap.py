"""The composition root: every process (API, worker, CLI, tests) builds its dependencies here.

``bootstrap(settings)`` reads nothing from the environment: it takes ``Settings`` (loaded once by
the caller), pushes the process-wide knobs into the modules that use them (the database DSN, the
password cost, the credentials key, the auth-cache lifetime, the sync lease, the webhook timeout,
the login throttle, the query-cost limit) and builds the plugin ``Registry``, the broadcaster,
the token codec and the ``UnitOfWorkFactory`` every service call takes its unit from (its events
go to ``Deps.publish``: the broadcaster, and the job kicks while running). ``running(deps)``
starts and stops what holds connections (the pool, the broadcaster, the job queue); the
Starlette lifespan and the arq startup/shutdown both use it. ``domain`` never imports this
module.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import pluggy
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

from api import context, query_cost
from domain import db, events
from domain.broadcast import Broadcaster
from domain.compliance import credentials, sync
from domain.events import Event
from domain.identity import passwords, throttle
from domain.identity.tokens import TokenCodec
from domain.packet import links as packet_links
from domain.settings import FAST_PASSWORDS, Settings
from domain.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.webhooks import delivery
from plugins import registry as plugin_registry
from plugins.registry import Registry
from workers.kick import JobKicker


@dataclass
class Deps:
    """What a process's code is handed instead of reaching for globals."""

    settings: Settings
    registry: Registry
    broadcaster: Broadcaster
    codec: TokenCodec
    # The arq queue, while ``running`` (the worker's own pool in the worker).
    jobs: ArqRedis | None = None
    # Makes the units of work services are handed (this registry; events go to ``publish``).
    units: UnitOfWorkFactory = field(init=False)

    def __post_init__(self) -> None:
        self.units = UnitOfWorkFactory(self.registry, self.publish)

    def uow(self) -> UnitOfWork:
        """A new unit of work for one service call (resolvers, jobs, the CLI)."""
        return self.units()

    async def publish(self, committed: Sequence[Event]) -> None:
        """After COMMIT: to subscribers (the broadcaster) and, while running, to the job kicks."""
        publishers = [self.broadcaster.publish]
        if self.jobs is not None:
            publishers.append(JobKicker(self.jobs, self.settings.redis_prefix).publish)
        await events.fanout(*publishers)(committed)


def configure(settings: Settings) -> None:
    """Hand each module its settings (process-wide; call again to change them, as tests do)."""
    if settings.database_url:
        db.configure(settings.database_url)
    passwords.configure(fast=settings.password_profile == FAST_PASSWORDS)
    credentials.configure(data_dir=settings.data_dir, credentials_key=settings.credentials_key)
    context.configure(auth_cache_seconds=settings.auth_cache_seconds)
    sync.configure(lease_seconds=settings.sync_lease_seconds)
    delivery.configure(timeout_seconds=settings.webhook_timeout_seconds)
    query_cost.configure(max_cost=settings.max_query_cost)
    packet_links.configure(data_dir=settings.data_dir, secret_key=settings.secret_key)
    throttle.configure(
        redis_url=settings.redis,
        prefix=settings.redis_prefix,
        limits=throttle.Limits(
            per_account=settings.login_max_failures,
            per_address=settings.login_max_failures_per_address,
            window_seconds=settings.login_failure_window_seconds,
            lockout_seconds=settings.login_lockout_seconds,
        ),
    )


def bootstrap(settings: Settings, *, plugin_manager: pluggy.PluginManager | None = None) -> Deps:
    """Build a process's dependencies from ``settings``; ``plugin_manager`` replaces the
    installed plugins (tests register theirs explicitly). No connection is opened here."""
    configure(settings)
    plugins = (
        Registry.from_manager(plugin_manager)
        if plugin_manager is not None
        else plugin_registry.from_installed_plugins()
    )
    # The domain reads plugins only from its units of work; the installed registry is for tests
    # and scripts that build their own units (``plugins.registry.current()``)
    # (None: the installed plugins', which follows a package installed during a test run).
    plugin_registry.install(plugins if plugin_manager is not None else None)
    return Deps(
        settings=settings,
        registry=plugins,
        broadcaster=Broadcaster(settings.redis, prefix=settings.redis_prefix),
        codec=TokenCodec(settings.secret_key, settings.token_ttl_seconds),
    )


def redis_settings(settings: Settings) -> RedisSettings:
    return RedisSettings.from_dsn(settings.redis)


async def job_queue(settings: Settings) -> ArqRedis:
    """A connection to this deployment's arq queue (``<prefix>:queue``)."""
    return await create_pool(redis_settings(settings), default_queue_name=settings.queue_name)


@contextlib.asynccontextmanager
async def running(
    deps: Deps,
    *,
    pool_size: tuple[int, int] = (1, 10),
    listen: bool = True,
    jobs: ArqRedis | None = None,
) -> AsyncIterator[Deps]:
    """Open the pool, start the broadcaster (``listen``: also receive, for subscribers) and the
    job queue (``jobs``: one the caller owns, e.g. arq's own in the worker), and publish
    committed events to both; undo it all on exit."""
    await db.start(min_size=pool_size[0], max_size=pool_size[1])
    own_jobs = jobs is None
    try:
        await deps.broadcaster.start(listen=listen)
        try:
            deps.jobs = jobs if jobs is not None else await job_queue(deps.settings)
            try:
                yield deps
            finally:
                if own_jobs:
                    await deps.jobs.aclose()
                deps.jobs = None
        finally:
            await deps.broadcaster.stop()
    finally:
        await db.stop()
