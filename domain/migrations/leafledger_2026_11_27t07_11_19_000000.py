"""Indexes the webhook sender and the delivery log read by (hand-written; piccolo has no syntax)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from domain.db import execute_script

ID = "2026-11-27T07:11:19:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhook indexes"

FORWARDS = """
-- The sender reads each endpoint's oldest pending delivery (its head) every few seconds.
CREATE INDEX webhook_delivery_pending ON webhook_delivery (endpoint, id)
    WHERE status = 'pending';
-- The delivery log: a licence's deliveries newest first, optionally by status.
CREATE INDEX webhook_delivery_location_status ON webhook_delivery (location, status, id);
CREATE INDEX webhook_delivery_location ON webhook_delivery (location, id);
-- Recording an event looks up the licence's endpoints.
CREATE INDEX webhook_endpoint_location ON webhook_endpoint (location);
ALTER TABLE webhook_delivery ADD CONSTRAINT webhook_delivery_status_known
    CHECK (status IN ('pending', 'delivered', 'failed'));
ALTER TABLE webhook_delivery ADD CONSTRAINT webhook_delivery_attempts_nonnegative
    CHECK (attempts >= 0);
"""

BACKWARDS = """
ALTER TABLE webhook_delivery DROP CONSTRAINT IF EXISTS webhook_delivery_attempts_nonnegative;
ALTER TABLE webhook_delivery DROP CONSTRAINT IF EXISTS webhook_delivery_status_known;
DROP INDEX IF EXISTS webhook_endpoint_location;
DROP INDEX IF EXISTS webhook_delivery_location;
DROP INDEX IF EXISTS webhook_delivery_location_status;
DROP INDEX IF EXISTS webhook_delivery_pending;
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
