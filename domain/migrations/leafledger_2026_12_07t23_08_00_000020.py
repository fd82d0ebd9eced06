"""A covering index for the usage rule (hand-written: piccolo has no partial or covering
indexes).

Every incremental evaluation that sees a write-off compares its week's usage (samples, waste)
with the previous eight weeks: about nine weeks of write-offs summed per week. Through
``movement_diversion_idx`` that read each write-off's heap row (and every void and return of
those weeks, to discard them): one random page per row, ~2/3 of the evaluation's time on the
bench store. This index holds only write-offs from a zone, with every column the usage query
reads, so the weeks come from an index-only scan.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from domain.db import execute_script

ID = "2026-12-07T23:08:00:000020"
VERSION = "1.38.0"
DESCRIPTION = "covering index of write-offs for the diversion usage rule"

FORWARDS = """
CREATE INDEX movement_write_off_idx ON movement (location, occurred_at)
    INCLUDE (id, reason, quantity, package)
    WHERE kind = 'adjust' AND from_zone IS NOT NULL;
"""

BACKWARDS = """
DROP INDEX IF EXISTS movement_write_off_idx;
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
