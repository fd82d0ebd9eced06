"""Ledger guards piccolo cannot express: append-only triggers, enum checks, hot-path indexes."""

from domain.db import sql_migration

ID = "2026-11-27T06:30:21:000000"
VERSION = "1.38.0"
DESCRIPTION = "ledger guards"

FORWARDS = """
CREATE OR REPLACE FUNCTION leafledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the % table is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER movement_append_only
    BEFORE UPDATE OR DELETE ON movement
    FOR EACH ROW EXECUTE FUNCTION leafledger_refuse_change();
CREATE TRIGGER package_status_change_append_only
    BEFORE UPDATE OR DELETE ON package_status_change
    FOR EACH ROW EXECUTE FUNCTION leafledger_refuse_change();

ALTER TABLE zone ADD CONSTRAINT zone_kind_known CHECK (kind IN
    ('vault','sales_floor','reserved','quarantine','qa_testing','samples','waste'));
ALTER TABLE package ADD CONSTRAINT package_status_known CHECK (status IN
    ('active','on_hold','recalled','finished'));
ALTER TABLE movement ADD CONSTRAINT movement_kind_known CHECK (kind IN
    ('register','receive','transfer','adjust','sale','void','return','reserve','release',
     'destroy'));
ALTER TABLE movement ADD CONSTRAINT movement_zones_differ
    CHECK (from_zone IS NULL OR to_zone IS NULL OR from_zone <> to_zone);

-- Newest-first movement listings per location and per package.
CREATE INDEX movement_location_id_desc ON movement (location, id DESC);
-- Room on each page for HOT updates of balances and chain heads (no index touches them).
ALTER TABLE stock_balance SET (fillfactor = 70);
ALTER TABLE package SET (fillfactor = 80);
CREATE INDEX package_location_id ON package (location, id);
CREATE INDEX batch_expires_on ON batch (expires_on);
"""

BACKWARDS = """
DROP INDEX IF EXISTS batch_expires_on;
DROP INDEX IF EXISTS package_location_id;
ALTER TABLE package RESET (fillfactor);
ALTER TABLE stock_balance RESET (fillfactor);
DROP INDEX IF EXISTS movement_location_id_desc;
ALTER TABLE movement DROP CONSTRAINT IF EXISTS movement_zones_differ;
ALTER TABLE movement DROP CONSTRAINT IF EXISTS movement_kind_known;
ALTER TABLE package DROP CONSTRAINT IF EXISTS package_status_known;
ALTER TABLE zone DROP CONSTRAINT IF EXISTS zone_kind_known;
DROP TRIGGER IF EXISTS package_status_change_append_only ON package_status_change;
DROP TRIGGER IF EXISTS movement_append_only ON movement;
DROP FUNCTION IF EXISTS leafledger_refuse_change();
"""


async def forwards():
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
