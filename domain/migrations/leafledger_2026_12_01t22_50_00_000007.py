"""Checks on location settings and catalogue amounts (hand-written; piccolo has no syntax).

A location's hold of 0 minutes created reservations already expired, and a NaN receiving
tolerance made every scan fail; numeric columns accept 'NaN' (which PostgreSQL sorts above every
number, so ``>= 0`` lets it through). Settings the service now refuses are reset to their
defaults first, so the constraints can be added to a database that stored them.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from domain.db import execute_script

ID = "2026-12-01T22:50:00:000007"
VERSION = "1.38.0"
DESCRIPTION = "location setting and catalogue amount checks"

FORWARDS = """
UPDATE location SET fefo_policy = 'warn' WHERE fefo_policy NOT IN ('warn', 'refuse');
UPDATE location SET reservation_hold_minutes = 60
    WHERE reservation_hold_minutes NOT BETWEEN 1 AND 10080;
UPDATE location SET receiving_tolerance_pct = 2
    WHERE receiving_tolerance_pct = 'NaN' OR receiving_tolerance_pct NOT BETWEEN 0 AND 100;
ALTER TABLE location ADD CONSTRAINT location_fefo_policy_known
    CHECK (fefo_policy IN ('warn', 'refuse'));
ALTER TABLE location ADD CONSTRAINT location_hold_minutes_range
    CHECK (reservation_hold_minutes BETWEEN 1 AND 10080);
ALTER TABLE location ADD CONSTRAINT location_tolerance_pct_range
    CHECK (receiving_tolerance_pct <> 'NaN' AND receiving_tolerance_pct BETWEEN 0 AND 100);
ALTER TABLE product ADD CONSTRAINT product_amounts_are_numbers CHECK (
    price <> 'NaN' AND unit_cost <> 'NaN'
    AND (unit_weight_grams IS NULL OR (unit_weight_grams <> 'NaN' AND unit_weight_grams >= 0))
    AND (thc_mg_per_unit IS NULL OR (thc_mg_per_unit <> 'NaN' AND thc_mg_per_unit >= 0))
    AND (concentrate_grams_per_unit IS NULL
         OR (concentrate_grams_per_unit <> 'NaN' AND concentrate_grams_per_unit >= 0))
    AND (net_weight_grams IS NULL OR (net_weight_grams <> 'NaN' AND net_weight_grams >= 0))
    AND (low_stock_threshold IS NULL
         OR (low_stock_threshold <> 'NaN' AND low_stock_threshold >= 0)));
ALTER TABLE batch ADD CONSTRAINT batch_percent_range CHECK (
    (thc_percent IS NULL OR (thc_percent <> 'NaN' AND thc_percent BETWEEN 0 AND 100))
    AND (cbd_percent IS NULL OR (cbd_percent <> 'NaN' AND cbd_percent BETWEEN 0 AND 100)));
"""

BACKWARDS = """
ALTER TABLE batch DROP CONSTRAINT IF EXISTS batch_percent_range;
ALTER TABLE product DROP CONSTRAINT IF EXISTS product_amounts_are_numbers;
ALTER TABLE location DROP CONSTRAINT IF EXISTS location_tolerance_pct_range;
ALTER TABLE location DROP CONSTRAINT IF EXISTS location_hold_minutes_range;
ALTER TABLE location DROP CONSTRAINT IF EXISTS location_fefo_policy_known;
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
