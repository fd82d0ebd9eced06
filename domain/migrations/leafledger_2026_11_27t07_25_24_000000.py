"""Indexes and guards for receiving (hand-written)."""

from domain.db import sql_migration

ID = "2026-11-27T07:25:24:000000"
VERSION = "1.38.0"
DESCRIPTION = "receiving guards"

FORWARDS = """
CREATE INDEX shipment_package_shipment ON shipment_package (shipment);
CREATE INDEX package_scan_session ON package_scan (session);
CREATE INDEX shipment_location_status ON shipment (location, status, id);
ALTER TABLE package_scan ADD CONSTRAINT package_scan_decision_known
    CHECK (decision IN ('accept', 'partial', 'reject'));
ALTER TABLE shipment ADD CONSTRAINT shipment_status_known
    CHECK (status IN ('expected', 'receiving', 'completed', 'cancelled'));
-- The scan and checklist records are the dock's evidence: never rewritten after completion.
CREATE OR REPLACE FUNCTION leafledger_refuse_after_completion() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM receiving_session s
               WHERE s.id = OLD.session AND s.status = 'completed') THEN
        RAISE EXCEPTION 'receiving session % is completed: its records are final', OLD.session
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER package_scan_final BEFORE UPDATE OR DELETE ON package_scan
    FOR EACH ROW EXECUTE FUNCTION leafledger_refuse_after_completion();
CREATE TRIGGER checklist_answer_final BEFORE UPDATE OR DELETE ON checklist_answer
    FOR EACH ROW EXECUTE FUNCTION leafledger_refuse_after_completion();
"""

BACKWARDS = """
DROP TRIGGER IF EXISTS checklist_answer_final ON checklist_answer;
DROP TRIGGER IF EXISTS package_scan_final ON package_scan;
DROP FUNCTION IF EXISTS leafledger_refuse_after_completion();
ALTER TABLE shipment DROP CONSTRAINT IF EXISTS shipment_status_known;
ALTER TABLE package_scan DROP CONSTRAINT IF EXISTS package_scan_decision_known;
DROP INDEX IF EXISTS shipment_location_status;
DROP INDEX IF EXISTS package_scan_session;
DROP INDEX IF EXISTS shipment_package_shipment;
"""


async def forwards():
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
