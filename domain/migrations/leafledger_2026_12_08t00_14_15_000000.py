"""Change-log guards: append-only trigger, actor kinds, and the auditLog's index."""

from domain.db import sql_migration

ID = "2026-12-08T00:14:15:000000"
VERSION = "1.38.0"
DESCRIPTION = "change log guards"

FORWARDS = """
CREATE TRIGGER change_log_append_only
    BEFORE UPDATE OR DELETE ON change_log
    FOR EACH ROW EXECUTE FUNCTION leafledger_refuse_change();

ALTER TABLE change_log ADD CONSTRAINT change_log_actor_kind_known CHECK (actor_kind IN
    ('user','partner_key','worker','system'));
ALTER TABLE change_log ADD CONSTRAINT change_log_chain_shape CHECK (
    (location IS NOT NULL AND chain = 'location:' || location)
    OR (location IS NULL AND operator IS NOT NULL AND chain = 'operator:' || operator)
    OR (location IS NULL AND operator IS NULL AND chain = 'system'));

-- auditLog: newest first per location and per operator (operator-wide rows).
CREATE INDEX change_log_location_id_desc ON change_log (location, id DESC);
CREATE INDEX change_log_operator_id_desc ON change_log (operator, id DESC);
"""

BACKWARDS = """
DROP INDEX IF EXISTS change_log_operator_id_desc;
DROP INDEX IF EXISTS change_log_location_id_desc;
ALTER TABLE change_log DROP CONSTRAINT IF EXISTS change_log_chain_shape;
ALTER TABLE change_log DROP CONSTRAINT IF EXISTS change_log_actor_kind_known;
DROP TRIGGER IF EXISTS change_log_append_only ON change_log;
"""


async def forwards():
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
