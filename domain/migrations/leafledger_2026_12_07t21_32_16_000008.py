"""Guards for repackaging and destruction (hand-written; piccolo has no syntax for them).

The movement kinds gain ``repack`` (stock consumed into or created from other packages);
destruction records and repacks get the checks the services also make, so a bug cannot store
a destroyed record twice over, a negative quantity or an unknown role.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from domain.db import execute_script

ID = "2026-12-07T21:32:16:000008"
VERSION = "1.38.0"
DESCRIPTION = "repack movements; destruction and repack checks"

FORWARDS = """
ALTER TABLE movement DROP CONSTRAINT IF EXISTS movement_kind_known;
ALTER TABLE movement ADD CONSTRAINT movement_kind_known CHECK (kind IN
    ('register','receive','transfer','adjust','sale','void','return','reserve','release',
     'destroy','repack'));
ALTER TABLE destruction ADD CONSTRAINT destruction_status_known
    CHECK (status IN ('scheduled', 'destroyed'));
ALTER TABLE destruction ADD CONSTRAINT destruction_quantity_positive
    CHECK (quantity > 0 AND quantity <> 'NaN');
ALTER TABLE destruction ADD CONSTRAINT destruction_destroyed_has_movement
    CHECK (status <> 'destroyed' OR (movement IS NOT NULL AND destroyed_at IS NOT NULL));
ALTER TABLE waste_policy ADD CONSTRAINT waste_policy_ranges CHECK (
    (hold_minutes IS NULL OR hold_minutes BETWEEN 0 AND 129600)
    AND (witnesses IS NULL OR witnesses BETWEEN 0 AND 5)
    AND (state_hold_minutes IS NULL OR state_hold_minutes BETWEEN 0 AND 129600)
    AND (min_yield_pct IS NULL OR (min_yield_pct <> 'NaN' AND min_yield_pct BETWEEN 0 AND 100)));
ALTER TABLE repack ADD CONSTRAINT repack_kind_known CHECK (kind IN ('split', 'assemble'));
ALTER TABLE repack_line ADD CONSTRAINT repack_line_role_known CHECK (role IN ('input', 'output'));
ALTER TABLE repack_line ADD CONSTRAINT repack_line_quantity_positive CHECK (quantity > 0);
CREATE INDEX destruction_location_id ON destruction (location, id DESC);
CREATE INDEX destruction_state_finish_due ON destruction (state_finish_at)
    WHERE state_finished_at IS NULL AND state_finish_at IS NOT NULL;
CREATE INDEX repack_location_id ON repack (location, id DESC);
"""

BACKWARDS = """
DROP INDEX IF EXISTS repack_location_id;
DROP INDEX IF EXISTS destruction_state_finish_due;
DROP INDEX IF EXISTS destruction_location_id;
ALTER TABLE repack_line DROP CONSTRAINT IF EXISTS repack_line_quantity_positive;
ALTER TABLE repack_line DROP CONSTRAINT IF EXISTS repack_line_role_known;
ALTER TABLE repack DROP CONSTRAINT IF EXISTS repack_kind_known;
ALTER TABLE waste_policy DROP CONSTRAINT IF EXISTS waste_policy_ranges;
ALTER TABLE destruction DROP CONSTRAINT IF EXISTS destruction_destroyed_has_movement;
ALTER TABLE destruction DROP CONSTRAINT IF EXISTS destruction_quantity_positive;
ALTER TABLE destruction DROP CONSTRAINT IF EXISTS destruction_status_known;
ALTER TABLE movement DROP CONSTRAINT IF EXISTS movement_kind_known;
ALTER TABLE movement ADD CONSTRAINT movement_kind_known CHECK (kind IN
    ('register','receive','transfer','adjust','sale','void','return','reserve','release',
     'destroy'));
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
