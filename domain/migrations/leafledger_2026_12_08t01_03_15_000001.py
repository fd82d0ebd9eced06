"""Verification runs read newest first per location, their status kept to known words, and the
indexes a package's history reads through (hand-written: piccolo has no descending, GIN or
CHECK-over-text definitions).

A package's history finds the state reports of a page of movements by the reports' movement ids
(GIN), its manifests by tag and its count lines by package; without these each was a scan of
the whole table.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from domain.db import execute_script

ID = "2026-12-08T01:03:15:000001"
VERSION = "1.38.0"
DESCRIPTION = "verification runs; indexes for a package's history"

FORWARDS = """
CREATE INDEX verification_run_location_id ON verification_run (location, id DESC);
ALTER TABLE verification_run ADD CONSTRAINT verification_run_status_known
    CHECK (status IN ('running', 'clean', 'broken', 'failed'));
CREATE INDEX state_report_movements ON state_report USING gin (movements);
CREATE INDEX shipment_package_tag ON shipment_package (tag);
CREATE INDEX count_line_package ON count_line (package, id DESC);
"""

BACKWARDS = """
DROP INDEX IF EXISTS count_line_package;
DROP INDEX IF EXISTS shipment_package_tag;
DROP INDEX IF EXISTS state_report_movements;
ALTER TABLE verification_run DROP CONSTRAINT IF EXISTS verification_run_status_known;
DROP INDEX IF EXISTS verification_run_location_id;
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
