"""Checks and an index for the integration tables (hand-written; piccolo has no syntax)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from domain.db import execute_script

ID = "2026-11-27T07:30:17:000000"
VERSION = "1.38.0"
DESCRIPTION = "integration checks"

FORWARDS = """
ALTER TABLE integration_connection ADD CONSTRAINT integration_connection_kind_known
    CHECK (kind IN ('pos', 'delivery'));
ALTER TABLE integration_connection ADD CONSTRAINT integration_connection_endpoint_delivery
    CHECK (webhook_endpoint IS NULL OR kind = 'delivery');
ALTER TABLE integration_event ADD CONSTRAINT integration_event_kind_known
    CHECK (kind IN ('pos', 'delivery'));
ALTER TABLE integration_event ADD CONSTRAINT integration_event_outcome_known
    CHECK (outcome IN ('applied', 'refused'));
-- The webhook sender looks up, per attempt, whether a delivery's endpoint is a platform's.
CREATE INDEX integration_connection_endpoint ON integration_connection (webhook_endpoint)
    WHERE webhook_endpoint IS NOT NULL;
"""

BACKWARDS = """
DROP INDEX IF EXISTS integration_connection_endpoint;
ALTER TABLE integration_event DROP CONSTRAINT IF EXISTS integration_event_outcome_known;
ALTER TABLE integration_event DROP CONSTRAINT IF EXISTS integration_event_kind_known;
ALTER TABLE integration_connection
    DROP CONSTRAINT IF EXISTS integration_connection_endpoint_delivery;
ALTER TABLE integration_connection DROP CONSTRAINT IF EXISTS integration_connection_kind_known;
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
