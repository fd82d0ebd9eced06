"""Process configuration, read once from the environment.

Every setting is a ``LEAFLEDGER_*`` variable so the API, the worker and the tests agree on where
the database and Redis live without a config file. When the URLs are unset the CLI starts embedded
servers and exports the URLs before anything reads them (see ``api/services.py``).

This is the only module that reads the environment, and only when ``load()`` is called: the
values reach the modules that need them through ``api.bootstrap`` (constructor arguments or a
``configure(...)`` call), never through an import-time read.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = Path(".leafledger")
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
FAST_PASSWORDS = "fast-insecure-for-tests"


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    redis_url: str | None
    data_dir: Path
    secret_key: str
    # Access tokens are short-lived; a refresh token (one-time, revocable) renews them.
    token_ttl_seconds: int = 3600
    refresh_ttl_seconds: int = 30 * 24 * 3600
    # Requests per minute per client address, signed-in user and API key (token buckets in
    # Redis; 0 turns one off); a key's own rateLimitPerMinute replaces the key default.
    rate_limit_address: int = 600
    rate_limit_user: int = 300
    rate_limit_key: int = 600
    max_subscriptions_per_connection: int = 20
    max_subscriptions_per_key: int = 50
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    # Key for state-system credentials at rest (Fernet, urlsafe base64, 32 bytes).
    credentials_key: str | None = None
    # Largest request body the API accepts; a larger one gets 413 before it is read.
    max_body_bytes: int = 1 << 20
    # Who may introspect the schema: "public" (the demo), "signed-in" (default) or "off".
    introspection: str = "signed-in"
    # Where the GraphiQL page loads its scripts from: "local" (served by us; scripts/bootstrap
    # fetches them) or "cdn" (unpkg.com, for an install that cannot keep them).
    graphiql_assets: str = "local"
    # /metrics: scrapers present this bearer token; unset, only this host may scrape.
    metrics_token: str | None = None
    # A worker serves its job metrics on this port when set (0: not served).
    worker_metrics_port: int = 0
    # Logs: "json" (one object per line, for a shipper) or "console" (readable; the demo's).
    log_format: str = "json"
    log_level: str = "INFO"
    # A WebSocket that sends no connection_init within this many seconds is closed (4408).
    ws_init_timeout_seconds: float = 10.0
    # Redis keys, pub/sub channels and the arq queue start with this, so two deployments (or a
    # test run and a demo) sharing one Redis never see each other's events or jobs.
    redis_prefix: str = "leafledger"
    # Grants and API keys are re-read at most this often per credential (0: every request).
    auth_cache_seconds: float = 5.0
    # A dead state-report drainer's lease lapses after this; then another worker resumes.
    sync_lease_seconds: float = 60.0
    # Outbound partner webhooks: how long one delivery may take.
    webhook_timeout_seconds: float = 10.0
    # "fast-insecure-for-tests" makes password hashing cheap; never set in production.
    password_profile: str = "default"
    # Login throttle: failures per e-mail and per address within the window, then a lockout.
    login_max_failures: int = 5
    login_max_failures_per_address: int = 50
    login_failure_window_seconds: float = 900.0
    login_lockout_seconds: float = 900.0
    # The API process's cyclic-GC thresholds (see api/app.py).
    gc_thresholds: tuple[int, ...] = (20000, 50, 100)
    # Largest estimated cost of one GraphQL operation.
    max_query_cost: int = 20000
    # OpenTelemetry tracing (api/tracing.py): needs the leafledger[otel] extra; off by default.
    otel: bool = False

    @property
    def redis(self) -> str:
        """The Redis URL, or this machine's default server."""
        return self.redis_url or DEFAULT_REDIS_URL

    @property
    def queue_name(self) -> str:
        """The arq queue of this deployment (jobs enqueued and run under the prefix)."""
        return f"{self.redis_prefix}:queue"


INTROSPECTION_MODES = ("public", "signed-in", "off")


def _log_format(env: Mapping[str, str]) -> str:
    mode = env.get("LEAFLEDGER_LOG_FORMAT", "json").strip().lower()
    if mode not in ("json", "console"):
        raise ValueError("LEAFLEDGER_LOG_FORMAT must be json or console")
    return mode


def _graphiql_assets(env: Mapping[str, str]) -> str:
    mode = env.get("LEAFLEDGER_GRAPHIQL_ASSETS", "local").strip().lower()
    if mode not in ("local", "cdn"):
        raise ValueError("LEAFLEDGER_GRAPHIQL_ASSETS must be local or cdn")
    return mode


def _introspection(env: Mapping[str, str]) -> str:
    mode = env.get("LEAFLEDGER_INTROSPECTION", "signed-in").strip().lower()
    if mode not in INTROSPECTION_MODES:
        raise ValueError(f"LEAFLEDGER_INTROSPECTION must be one of {INTROSPECTION_MODES}")
    return mode


def _limits(env: Mapping[str, str]) -> dict[str, int]:
    """Rate limits and subscription caps; ``LEAFLEDGER_RATE_LIMITS=off`` turns the rates off."""
    off = env.get("LEAFLEDGER_RATE_LIMITS", "").strip().lower() == "off"

    def rate(name: str, default: int) -> int:
        return 0 if off else int(env.get(f"LEAFLEDGER_RATE_LIMIT_{name}", default))

    return {
        "rate_limit_address": rate("ADDRESS", 600),
        "rate_limit_user": rate("USER", 300),
        "rate_limit_key": rate("KEY", 600),
        "max_subscriptions_per_connection": int(
            env.get("LEAFLEDGER_MAX_SUBSCRIPTIONS_PER_CONNECTION", 20)
        ),
        "max_subscriptions_per_key": int(env.get("LEAFLEDGER_MAX_SUBSCRIPTIONS_PER_KEY", 50)),
    }


def _secret_key(env: Mapping[str, str], data_dir: Path) -> str:
    """The token-signing key: from the environment, or generated once per data folder.

    Several API processes must share the key, so a generated one is written to disk rather than
    kept in memory (when ``load()`` runs, never at import).
    """
    if key := env.get("LEAFLEDGER_SECRET_KEY"):
        return key
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(key)
    try:
        # link() fails if another process won the race; then we read theirs.
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        tmp.unlink(missing_ok=True)
    return key


def _redis_prefix(env: Mapping[str, str]) -> str:
    prefix = env.get("LEAFLEDGER_REDIS_PREFIX", "leafledger").strip()
    # A pattern character would make one deployment's subscription match another's channels.
    if not prefix or any(c in prefix for c in "*?[]\\ "):
        raise ValueError("LEAFLEDGER_REDIS_PREFIX must be non-empty, without spaces or * ? [ ] \\")
    return prefix


def _gc_thresholds(env: Mapping[str, str]) -> tuple[int, ...]:
    raw = env.get("LEAFLEDGER_GC_THRESHOLDS", "20000,50,100")
    return tuple(int(part) for part in raw.split(","))


def storage(environ: Mapping[str, str] | None = None) -> tuple[str | None, Path]:
    """The database URL and the data folder, read without generating a key: a restore must
    put the backup's keys into an empty data folder before anything makes new ones."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("LEAFLEDGER_DATA_DIR", DEFAULT_DATA_DIR)).resolve()
    return env.get("LEAFLEDGER_DATABASE_URL") or None, data_dir


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from ``environ`` (default: the process environment).

    Writes the generated secret key under the data folder when none is configured.
    """
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("LEAFLEDGER_DATA_DIR", DEFAULT_DATA_DIR)).resolve()
    origins = env.get("LEAFLEDGER_ALLOWED_ORIGINS", "")
    return Settings(
        database_url=env.get("LEAFLEDGER_DATABASE_URL") or None,
        redis_url=env.get("LEAFLEDGER_REDIS_URL") or None,
        data_dir=data_dir,
        secret_key=_secret_key(env, data_dir),
        token_ttl_seconds=int(env.get("LEAFLEDGER_TOKEN_TTL_SECONDS", 3600)),
        refresh_ttl_seconds=int(env.get("LEAFLEDGER_REFRESH_TTL_SECONDS", 30 * 24 * 3600)),
        **_limits(env),
        allowed_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        credentials_key=env.get("LEAFLEDGER_CREDENTIALS_KEY") or None,
        max_body_bytes=int(env.get("LEAFLEDGER_MAX_BODY_BYTES", 1 << 20)),
        introspection=_introspection(env),
        graphiql_assets=_graphiql_assets(env),
        metrics_token=env.get("LEAFLEDGER_METRICS_TOKEN") or None,
        worker_metrics_port=int(env.get("LEAFLEDGER_WORKER_METRICS_PORT", 0)),
        log_format=_log_format(env),
        log_level=env.get("LEAFLEDGER_LOG_LEVEL", "INFO").strip().upper() or "INFO",
        ws_init_timeout_seconds=float(env.get("LEAFLEDGER_WS_INIT_TIMEOUT_SECONDS", 10)),
        redis_prefix=_redis_prefix(env),
        auth_cache_seconds=float(env.get("LEAFLEDGER_AUTH_CACHE_SECONDS", 5)),
        sync_lease_seconds=float(env.get("LEAFLEDGER_SYNC_LEASE_SECONDS", 60)),
        webhook_timeout_seconds=float(env.get("LEAFLEDGER_WEBHOOK_TIMEOUT_SECONDS", 10)),
        password_profile=env.get("LEAFLEDGER_PASSWORD_PROFILE", "default"),
        login_max_failures=int(env.get("LEAFLEDGER_LOGIN_MAX_FAILURES", 5)),
        login_max_failures_per_address=int(
            env.get("LEAFLEDGER_LOGIN_MAX_FAILURES_PER_ADDRESS", 50)
        ),
        login_failure_window_seconds=float(env.get("LEAFLEDGER_LOGIN_FAILURE_WINDOW_SECONDS", 900)),
        login_lockout_seconds=float(env.get("LEAFLEDGER_LOGIN_LOCKOUT_SECONDS", 900)),
        gc_thresholds=_gc_thresholds(env),
        max_query_cost=int(env.get("LEAFLEDGER_MAX_QUERY_COST", 20000)),
        otel=env.get("LEAFLEDGER_OTEL", "").strip().lower() in ("1", "true", "yes", "on"),
    )
