"""Held state reports, and the pinned adjustment reasons moved out of connection settings.

Hand-written (piccolo has no syntax for checks or data moves). A report whose adjustment
reason has no state reason mapped is ``held`` until compliance maps it. The mappings an
operator used to pin in ``state_connection.settings.adjustment_reasons`` become rows of
``adjustment_reason_map`` (only our taxonomy's reasons; the state's list is fetched on the next
drain, and a pinned name the state does not list keeps its reports held until it is fixed).
"""

from domain.db import sql_migration

ID = "2026-12-01T22:21:33:000002"
VERSION = "1.38.0"
DESCRIPTION = "held reports and per-licence adjustment reason map"

FORWARDS = """
ALTER TABLE state_report DROP CONSTRAINT IF EXISTS state_report_status_known;
ALTER TABLE state_report ADD CONSTRAINT state_report_status_known CHECK (status IN
    ('pending', 'sending', 'sent', 'failed', 'cancelled', 'filed', 'held'));
ALTER TABLE adjustment_reason_map ADD CONSTRAINT adjustment_reason_map_reason_known
    CHECK (reason IN ('sample', 'qa_testing', 'packaging_waste', 'damage', 'theft', 'expired',
                      'destruction', 'count_correction', 'entry_error', 'other'));
ALTER TABLE adjustment_reason_map ADD CONSTRAINT adjustment_reason_map_state_reason_named
    CHECK (length(btrim(state_reason)) > 0);
INSERT INTO adjustment_reason_map (location, reason, state_reason, updated_by, updated_at)
SELECT c.location, pinned.key, left(pinned.value, 200), NULL, now()
FROM state_connection c
CROSS JOIN LATERAL jsonb_each_text(c.settings -> 'adjustment_reasons') AS pinned
WHERE jsonb_typeof(c.settings -> 'adjustment_reasons') = 'object'
  AND pinned.key IN ('sample', 'qa_testing', 'packaging_waste', 'damage', 'theft', 'expired',
                     'destruction', 'count_correction', 'entry_error', 'other')
  AND length(btrim(coalesce(pinned.value, ''))) > 0
ON CONFLICT DO NOTHING;
UPDATE state_connection SET settings = settings - 'adjustment_reasons'
WHERE settings ? 'adjustment_reasons';
"""

BACKWARDS = """
UPDATE state_report SET status = 'pending' WHERE status = 'held';
ALTER TABLE state_report DROP CONSTRAINT IF EXISTS state_report_status_known;
ALTER TABLE state_report ADD CONSTRAINT state_report_status_known CHECK (status IN
    ('pending', 'sending', 'sent', 'failed', 'cancelled', 'filed'));
UPDATE state_connection c SET settings = c.settings || jsonb_build_object('adjustment_reasons',
    (SELECT jsonb_object_agg(m.reason, m.state_reason) FROM adjustment_reason_map m
     WHERE m.location = c.location))
WHERE EXISTS (SELECT 1 FROM adjustment_reason_map m WHERE m.location = c.location);
ALTER TABLE adjustment_reason_map
    DROP CONSTRAINT IF EXISTS adjustment_reason_map_state_reason_named;
ALTER TABLE adjustment_reason_map DROP CONSTRAINT IF EXISTS adjustment_reason_map_reason_known;
"""


async def forwards():
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
