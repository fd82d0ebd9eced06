"""Checks for API keys and refresh tokens (hand-written; piccolo has no syntax)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from domain.db import execute_script

ID = "2026-12-01T22:20:34:000008"
VERSION = "1.38.0"
DESCRIPTION = "api key and refresh token checks"

FORWARDS = """
ALTER TABLE api_key ADD CONSTRAINT api_key_prefix_shape CHECK (prefix ~ '^[a-z0-9]{8}$');
ALTER TABLE api_key ADD CONSTRAINT api_key_rate_positive
    CHECK (rate_limit_per_minute IS NULL OR rate_limit_per_minute > 0);
ALTER TABLE api_key ADD CONSTRAINT api_key_has_scope CHECK (cardinality(scopes) > 0);
ALTER TABLE api_key ADD CONSTRAINT api_key_has_location CHECK (cardinality(locations) > 0);
CREATE INDEX api_key_operator ON api_key (operator);
"""

BACKWARDS = """
DROP INDEX IF EXISTS api_key_operator;
ALTER TABLE api_key DROP CONSTRAINT IF EXISTS api_key_has_location;
ALTER TABLE api_key DROP CONSTRAINT IF EXISTS api_key_has_scope;
ALTER TABLE api_key DROP CONSTRAINT IF EXISTS api_key_rate_positive;
ALTER TABLE api_key DROP CONSTRAINT IF EXISTS api_key_prefix_shape;
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="leafledger", description=DESCRIPTION)

    async def run():
        await execute_script(FORWARDS)

    async def run_backwards():
        await execute_script(BACKWARDS)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
