"""Indexes the sync engine and reconciliation read by (hand-written; piccolo has no syntax)."""

from domain.db import sql_migration

ID = "2026-11-27T06:46:21:000000"
VERSION = "1.38.0"
DESCRIPTION = "compliance indexes"

FORWARDS = """
-- The drain reads a licence's unsent reports in order.
CREATE INDEX state_report_unsent ON state_report (location, id)
    WHERE status IN ('pending', 'sending');
CREATE INDEX state_report_location_status ON state_report (location, status, id);
-- Reconciliation asks "is anything about this tag still unsent or failed?"
CREATE INDEX state_report_tags ON state_report USING gin (tags);
CREATE INDEX discrepancy_location_status ON discrepancy (location, status, tag);
-- One open record per difference, however many reconciliations run at once.
CREATE UNIQUE INDEX discrepancy_one_open ON discrepancy (location, tag, kind)
    WHERE status = 'open';
ALTER TABLE state_report ADD CONSTRAINT state_report_status_known CHECK (status IN
    ('pending', 'sending', 'sent', 'failed', 'cancelled', 'filed'));
"""

BACKWARDS = """
ALTER TABLE state_report DROP CONSTRAINT IF EXISTS state_report_status_known;
DROP INDEX IF EXISTS discrepancy_one_open;
DROP INDEX IF EXISTS discrepancy_location_status;
DROP INDEX IF EXISTS state_report_tags;
DROP INDEX IF EXISTS state_report_location_status;
DROP INDEX IF EXISTS state_report_unsent;
"""


async def forwards():
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
