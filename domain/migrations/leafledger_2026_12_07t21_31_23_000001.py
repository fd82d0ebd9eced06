"""Count sessions: guards and indexes piccolo cannot say (hand-written).

- A session's status is one the code knows, and at most one open count covers a zone is kept by
  the service (under an advisory lock); the database keeps the statuses honest.
- ``count_line`` leaves room on each page (fillfactor 70): a submission updates every line's
  expected quantity and variance, columns no index covers, so the updates can be HOT instead of
  inserting three index entries per line.
- Who takes part in an open count is looked up on every stock read by its counter, recounter
  or witness (the blind scope): partial indexes over open sessions keep that lookup small however
  many counts a store has finished.
"""

from domain.db import sql_migration

ID = "2026-12-07T21:31:23:000001"
VERSION = "1.38.0"
DESCRIPTION = "count session guards and indexes"

FORWARDS = """
ALTER TABLE count_session ADD CONSTRAINT count_session_status_known CHECK (status IN
    ('open', 'submitted', 'recount_required', 'approved', 'rejected', 'expired'));
ALTER TABLE count_session ADD CONSTRAINT count_session_kind_known CHECK (kind IN ('zones', 'spot'));
ALTER TABLE count_line SET (fillfactor = 70);
CREATE INDEX count_session_open_counter ON count_session (counter)
    WHERE status IN ('open', 'recount_required');
CREATE INDEX count_session_open_witness ON count_session (witness)
    WHERE status IN ('open', 'recount_required');
CREATE INDEX count_session_open_recounter ON count_session (recounter)
    WHERE status IN ('open', 'recount_required');
"""

BACKWARDS = """
DROP INDEX IF EXISTS count_session_open_recounter;
DROP INDEX IF EXISTS count_session_open_witness;
DROP INDEX IF EXISTS count_session_open_counter;
ALTER TABLE count_line RESET (fillfactor);
ALTER TABLE count_session DROP CONSTRAINT IF EXISTS count_session_kind_known;
ALTER TABLE count_session DROP CONSTRAINT IF EXISTS count_session_status_known;
"""


async def forwards():
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
