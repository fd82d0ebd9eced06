"""Test set-up: a real PostgreSQL database migrated from empty, and a real Redis.

URLs come from LEAFLEDGER_TEST_DATABASE_URL / LEAFLEDGER_TEST_REDIS_URL (``scripts/test`` sets
them, starting local or embedded servers when needed) and default to this machine's services.
The database name must end in ``_test``: the suite drops and recreates it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# No examples database: a failing example one run saved (in .hypothesis/, shared by every run in
# this checkout) must not replay in another run; a failure is reproduced from what it prints.
# No deadline and no "too slow" health check either: CI shares two cores with whatever else runs,
# and a property test is about answers, not speed (speed is measured by bench/, never by tests).
hypothesis_settings.register_profile(
    "leafledger",
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.load_profile("leafledger")

TEST_DATABASE_URL = os.environ.get(
    "LEAFLEDGER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/leafledger_test"
)
TEST_REDIS_URL = os.environ.get("LEAFLEDGER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

if not urlsplit(TEST_DATABASE_URL).path.rstrip("/").endswith("_test"):
    raise SystemExit(f"refusing to run tests against {TEST_DATABASE_URL}: name must end in _test")

# What settings.load() reads here and in the processes the live tests start.
os.environ["LEAFLEDGER_DATABASE_URL"] = TEST_DATABASE_URL
os.environ["LEAFLEDGER_REDIS_URL"] = TEST_REDIS_URL
os.environ["LEAFLEDGER_PASSWORD_PROFILE"] = "fast-insecure-for-tests"
# Tests revoke and grant roles and expect the next request to see it.
os.environ["LEAFLEDGER_AUTH_CACHE_SECONDS"] = "0"
# Tests that exercise rate limits configure low ones explicitly; the rest must never be throttled.
os.environ.setdefault("LEAFLEDGER_RATE_LIMITS", "off")
# Every in-process request comes from one address and Redis outlives a run: the per-address login
# limit would add up across the suite. tests/api/test_login_throttling.py sets its own limits.
os.environ["LEAFLEDGER_LOGIN_MAX_FAILURES_PER_ADDRESS"] = "1000000"
os.environ.setdefault("LEAFLEDGER_SECRET_KEY", "test-secret-key-not-for-production")
# The fuzz reads the schema anonymously, as the demo allows; tests of the production default
# build their app with introspection "signed-in".
os.environ.setdefault("LEAFLEDGER_INTROSPECTION", "public")
os.environ.setdefault("LEAFLEDGER_DATA_DIR", os.path.join(os.getcwd(), ".leafledger", "test"))
# Channels, the job queue and Redis keys of this run only (scripts/test sets one per run too), so
# a concurrent run or a demo on the same Redis never receives this run's events or jobs.
os.environ.setdefault("LEAFLEDGER_REDIS_PREFIX", f"leafledger-test-{os.getpid()}")
# Piccolo's migration runner finds the apps through this (the CLI sets it the same way).
os.environ.setdefault("PICCOLO_CONF", "domain.piccolo_conf")

from api.bootstrap import configure  # noqa: E402
from domain import settings  # noqa: E402

# Read once, as a process would; services called directly (no app) see the same knobs.
SETTINGS = settings.load()
configure(SETTINGS)

from tests.support.database import (  # noqa: E402
    TABLES_TO_TRUNCATE,
    recreate_and_migrate,
)
from tests.support.world import World, build_world  # noqa: E402

pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(scope="session")
async def database() -> AsyncIterator[str]:
    from domain import db

    await recreate_and_migrate(TEST_DATABASE_URL)
    db.configure(TEST_DATABASE_URL)
    await db.start(min_size=2, max_size=20)
    try:
        yield TEST_DATABASE_URL
    finally:
        await db.stop()


@pytest.fixture
async def clean_db(database: str) -> AsyncIterator[str]:
    from domain import db

    async with db.connection() as conn:
        await conn.execute(f"TRUNCATE {', '.join(TABLES_TO_TRUNCATE)} RESTART IDENTITY CASCADE")
    return database


@pytest.fixture
async def world(clean_db: str) -> World:
    """A CA (METRC) store with default zones, a user per role and a package of 10 g in the vault,
    plus a second operator's CO store the first operator's staff must never see."""
    return await build_world()
