"""Process configuration, read once from the environment.

Every setting is a ``LEAFLEDGER_*`` variable so the API, the worker and the tests agree on where
the database and Redis live without a config file. When the URLs are unset the CLI starts embedded
servers and exports the URLs before anything reads them (see ``api/services.py``).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = Path(".leafledger")


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
    # A WebSocket that sends no connection_init within this many seconds is closed (4408).
    ws_init_timeout_seconds: float = 10.0


INTROSPECTION_MODES = ("public", "signed-in", "off")


def _introspection() -> str:
    mode = os.environ.get("LEAFLEDGER_INTROSPECTION", "signed-in").strip().lower()
    if mode not in INTROSPECTION_MODES:
        raise ValueError(f"LEAFLEDGER_INTROSPECTION must be one of {INTROSPECTION_MODES}")
    return mode


def _limits() -> dict[str, int]:
    """Rate limits and subscription caps; ``LEAFLEDGER_RATE_LIMITS=off`` turns the rates off."""
    off = os.environ.get("LEAFLEDGER_RATE_LIMITS", "").strip().lower() == "off"

    def rate(name: str, default: int) -> int:
        return 0 if off else int(os.environ.get(f"LEAFLEDGER_RATE_LIMIT_{name}", default))

    return {
        "rate_limit_address": rate("ADDRESS", 600),
        "rate_limit_user": rate("USER", 300),
        "rate_limit_key": rate("KEY", 600),
        "max_subscriptions_per_connection": int(
            os.environ.get("LEAFLEDGER_MAX_SUBSCRIPTIONS_PER_CONNECTION", 20)
        ),
        "max_subscriptions_per_key": int(
            os.environ.get("LEAFLEDGER_MAX_SUBSCRIPTIONS_PER_KEY", 50)
        ),
    }


def _secret_key(data_dir: Path) -> str:
    """The token-signing key: from the environment, or generated once per data folder.

    Several API processes must share the key, so a generated one is written to disk rather than
    kept in memory.
    """
    if key := os.environ.get("LEAFLEDGER_SECRET_KEY"):
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


def load() -> Settings:
    data_dir = Path(os.environ.get("LEAFLEDGER_DATA_DIR", DEFAULT_DATA_DIR)).resolve()
    origins = os.environ.get("LEAFLEDGER_ALLOWED_ORIGINS", "")
    return Settings(
        database_url=os.environ.get("LEAFLEDGER_DATABASE_URL") or None,
        redis_url=os.environ.get("LEAFLEDGER_REDIS_URL") or None,
        data_dir=data_dir,
        secret_key=_secret_key(data_dir),
        token_ttl_seconds=int(os.environ.get("LEAFLEDGER_TOKEN_TTL_SECONDS", 3600)),
        refresh_ttl_seconds=int(os.environ.get("LEAFLEDGER_REFRESH_TTL_SECONDS", 30 * 24 * 3600)),
        **_limits(),
        allowed_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        credentials_key=os.environ.get("LEAFLEDGER_CREDENTIALS_KEY") or None,
        max_body_bytes=int(os.environ.get("LEAFLEDGER_MAX_BODY_BYTES", 1 << 20)),
        introspection=_introspection(),
        ws_init_timeout_seconds=float(os.environ.get("LEAFLEDGER_WS_INIT_TIMEOUT_SECONDS", 10)),
    )
