"""The statements behind a package's history (``domain.audit.history``): each reads one kind of
record through an index on the package (or its tag, or the page's movement ids), so their cost
follows what is shown, not how long the package has lived."""

from __future__ import annotations

from domain.inventory.queries import MOVEMENT_COLUMNS

# Net quantity per kind and reason: into a zone counts +, out of one −; a transfer nets to 0.
ROLL_UP = """
SELECT m.kind, m.reason,
       sum(CASE WHEN m.to_zone IS NOT NULL THEN m.quantity ELSE 0 END)
     - sum(CASE WHEN m.from_zone IS NOT NULL THEN m.quantity ELSE 0 END) AS net,
       count(*) AS movements
FROM movement m
WHERE m.package = $1
GROUP BY m.kind, m.reason
"""

ON_HAND = "SELECT coalesce(sum(quantity), 0) FROM stock_balance WHERE package = $1"

# Oldest first (the chain's order); a sale, void or return names its receipt.
MOVEMENTS = f"""
SELECT {MOVEMENT_COLUMNS}, s.pos_receipt_id, s.register, s.id AS sale_id
FROM movement m
LEFT JOIN sale s ON m.kind IN ('sale', 'void', 'return')
    AND m.source_document ~ '^(sale|void|return):[0-9]+'
    AND s.id = split_part(m.source_document, ':', 2)::bigint
WHERE m.package = $1 AND m.sequence > $2
ORDER BY m.sequence
LIMIT $3
"""

# The state reports written with the page's movements, and what became of each.
REPORTS = """
SELECT r.id, r.kind, r.status, r.external_id, r.movements, r.attempts, r.last_error,
       r.state_ids, r.occurred_at, r.sent_at, r.outcome_unknown
FROM state_report r
WHERE r.location = $1 AND r.movements && $2::bigint[]
ORDER BY r.id
"""

REPORT_SUMMARY = """
SELECT r.status, count(*) AS reports
FROM state_report r
WHERE r.location = $1 AND r.tags @> ARRAY[$2]::varchar[]
GROUP BY r.status
ORDER BY r.status
"""

RECEIPTS = """
SELECT s.id AS shipment_id, s.manifest_number, s.shipper_name, s.shipper_license,
       v.name AS vendor_name, po.reference AS purchase_order, sp.item_name, sp.shipped_quantity,
       sp.unit, ps.decision, ps.received_quantity, ps.measured_quantity, ps.reason,
       ps.scanned_at, ps.scanned_by, rs.completed_at
FROM shipment_package sp
JOIN shipment s ON s.id = sp.shipment AND s.location = $1
LEFT JOIN purchase_order po ON po.id = s.purchase_order
LEFT JOIN vendor v ON v.id = po.vendor
LEFT JOIN receiving_session rs ON rs.shipment = s.id
LEFT JOIN package_scan ps ON ps.session = rs.id AND ps.tag = sp.tag
WHERE sp.tag = $2
ORDER BY s.id
"""

COUNTS = """
SELECT cl.session AS session_id, cs.status, cl.zone AS zone_id, cl.counted_quantity,
       cl.expected_quantity, cl.variance, cl.counted_at, cl.counter AS counter_id,
       cl.witness AS witness_id, cl.superseded
FROM count_line cl
JOIN count_session cs ON cs.id = cl.session
WHERE cl.package = $1
ORDER BY cl.id DESC
LIMIT $2
"""

DESTRUCTIONS = """
SELECT d.id, d.quantity, d.reason, d.status, d.method, d.scheduled_at, d.destroyed_at,
       d.destroyed_by, d.witnesses, d.waste_weight, d.movement
FROM destruction d
WHERE d.package = $1
ORDER BY d.id
"""

STATUS_CHANGES = """
SELECT c.from_status, c.to_status, c.reason, c.actor AS actor_id, c.occurred_at
FROM package_status_change c
WHERE c.package = $1
ORDER BY c.id
"""

# What the state showed at the last reconciliation, and differences still open for this tag.
STATE_NOW = """
SELECT sp.quantity, sp.unit, sp.status, sp.last_modified, sp.synced_at, sp.problem,
       (SELECT coalesce(array_agg(d.kind || ': ours ' || coalesce(d.our_quantity::text, '-')
                                  || ', state ' || coalesce(d.state_quantity::text, '-')
                                  ORDER BY d.id), '{}')
        FROM discrepancy d
        WHERE d.location = $1 AND d.tag = $2 AND d.status = 'open') AS open_discrepancies
FROM (SELECT 1) one
LEFT JOIN state_package sp ON sp.location = $1 AND sp.tag = $2
"""
