"""Indexes the diversion rules and the shrinkage report read by (hand-written: piccolo has no
partial indexes), checks on flags and shifts, and integration connections of kind 'access'
(door and badge systems).

The movement index is partial: only write-offs, voids and returns (a few percent of movements)
are aggregated per person and week, so sales and transfers pay nothing for it.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from domain.db import execute_script

ID = "2026-12-07T21:41:30:000013"
VERSION = "1.38.0"
DESCRIPTION = "diversion and shrinkage indexes"

FORWARDS = """
CREATE INDEX movement_diversion_idx ON movement (location, occurred_at)
    WHERE kind IN ('adjust', 'void', 'return', 'destroy');
-- Movements by time: the shrinkage report's days not yet rolled up, the roll-up itself.
CREATE INDEX movement_location_occurred_idx ON movement (location, occurred_at);
CREATE INDEX access_event_location_occurred_idx ON access_event (location, occurred_at);
CREATE INDEX shift_location_span_idx ON shift (location, starts_at);
CREATE INDEX diversion_flag_location_raised_idx ON diversion_flag (location, raised_at DESC);
ALTER TABLE diversion_flag ADD CONSTRAINT diversion_flag_status_known
    CHECK (status IN ('open', 'acknowledged', 'dismissed', 'escalated'));
ALTER TABLE shift ADD CONSTRAINT shift_ends_after_start
    CHECK (ends_at IS NULL OR ends_at > starts_at);
ALTER TABLE integration_connection DROP CONSTRAINT integration_connection_kind_known;
ALTER TABLE integration_connection ADD CONSTRAINT integration_connection_kind_known
    CHECK (kind IN ('pos', 'delivery', 'access'));
"""

BACKWARDS = """
DELETE FROM integration_connection WHERE kind = 'access';
ALTER TABLE integration_connection DROP CONSTRAINT integration_connection_kind_known;
ALTER TABLE integration_connection ADD CONSTRAINT integration_connection_kind_known
    CHECK (kind IN ('pos', 'delivery'));
ALTER TABLE shift DROP CONSTRAINT IF EXISTS shift_ends_after_start;
ALTER TABLE diversion_flag DROP CONSTRAINT IF EXISTS diversion_flag_status_known;
DROP INDEX IF EXISTS diversion_flag_location_raised_idx;
DROP INDEX IF EXISTS shift_location_span_idx;
DROP INDEX IF EXISTS access_event_location_occurred_idx;
DROP INDEX IF EXISTS movement_location_occurred_idx;
DROP INDEX IF EXISTS movement_diversion_idx;
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
