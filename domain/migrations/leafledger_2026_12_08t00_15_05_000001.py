"""Purchasing: guards and indexes piccolo cannot say (hand-written).

- A purchase order's status is one ``domain.purchasing.lifecycle`` knows.
- Line and receipt quantities are never negative (short is derived, but kept as a column so the
  scorecard and ``on_order`` read it without recomputing).
- ``shipment.purchase_order`` (a plain bigint since receiving began) now references the order,
  and the shipments of an order are found through a partial index (most shipments have none).
- Open orders are read per location for every ``supply_terms`` call (the reorder suggestions):
  a partial index over the open statuses keeps that read small however many orders are closed.
"""

from domain.db import sql_migration

ID = "2026-12-08T00:15:05:000001"
VERSION = "1.38.0"
DESCRIPTION = "purchase order guards and indexes"

FORWARDS = """
ALTER TABLE purchase_order ADD CONSTRAINT purchase_order_status_known CHECK (status IN
    ('draft', 'approved', 'sent', 'partially_received', 'received', 'closed', 'cancelled'));
ALTER TABLE purchase_order_line ADD CONSTRAINT purchase_order_line_quantities CHECK (
    expected_quantity > 0 AND received_quantity >= 0 AND rejected_quantity >= 0
    AND short_quantity >= 0 AND (unit_cost IS NULL OR unit_cost >= 0));
ALTER TABLE purchase_order_receipt ADD CONSTRAINT purchase_order_receipt_quantities CHECK (
    received_quantity >= 0 AND rejected_quantity >= 0);
ALTER TABLE shipment ADD CONSTRAINT shipment_purchase_order_fk FOREIGN KEY (purchase_order)
    REFERENCES purchase_order (id) ON DELETE RESTRICT;
CREATE INDEX shipment_purchase_order_idx ON shipment (purchase_order)
    WHERE purchase_order IS NOT NULL;
CREATE INDEX purchase_order_open_idx ON purchase_order (location)
    WHERE status IN ('approved', 'sent', 'partially_received');
"""

BACKWARDS = """
DROP INDEX IF EXISTS purchase_order_open_idx;
DROP INDEX IF EXISTS shipment_purchase_order_idx;
ALTER TABLE shipment DROP CONSTRAINT IF EXISTS shipment_purchase_order_fk;
ALTER TABLE purchase_order_receipt DROP CONSTRAINT IF EXISTS purchase_order_receipt_quantities;
ALTER TABLE purchase_order_line DROP CONSTRAINT IF EXISTS purchase_order_line_quantities;
ALTER TABLE purchase_order DROP CONSTRAINT IF EXISTS purchase_order_status_known;
"""


async def forwards():
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
