"""Indexes for the register and the expiry sweeper (hand-written)."""

from domain.db import sql_migration

ID = "2026-11-27T07:07:42:000000"
VERSION = "1.38.0"
DESCRIPTION = "sales indexes"

FORWARDS = """
-- A customer's purchases in the limit window.
CREATE INDEX sale_customer_window ON sale (location, customer_key, occurred_at)
    WHERE customer_key IS NOT NULL;
CREATE INDEX sale_line_sale ON sale_line (sale);
CREATE INDEX reservation_line_reservation ON reservation_line (reservation);
-- The expiry sweeper reads held reservations by expiry.
CREATE INDEX reservation_held_expiry ON reservation (expires_at) WHERE status = 'held';
CREATE INDEX reservation_location_status ON reservation (location, status, id);
ALTER TABLE reservation ADD CONSTRAINT reservation_status_known
    CHECK (status IN ('held', 'fulfilled', 'cancelled', 'expired'));
ALTER TABLE sale ADD CONSTRAINT sale_status_known
    CHECK (status IN ('completed', 'voided', 'partly_returned', 'returned'));
ALTER TABLE sale_line ADD CONSTRAINT sale_line_returns_bounded
    CHECK (returned_quantity >= 0 AND returned_quantity <= quantity);
"""

BACKWARDS = """
ALTER TABLE sale_line DROP CONSTRAINT IF EXISTS sale_line_returns_bounded;
ALTER TABLE sale DROP CONSTRAINT IF EXISTS sale_status_known;
ALTER TABLE reservation DROP CONSTRAINT IF EXISTS reservation_status_known;
DROP INDEX IF EXISTS reservation_location_status;
DROP INDEX IF EXISTS reservation_held_expiry;
DROP INDEX IF EXISTS reservation_line_reservation;
DROP INDEX IF EXISTS sale_line_sale;
DROP INDEX IF EXISTS sale_customer_window;
"""


async def forwards():
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
