"""The four exports' SQL. ``$1`` is the location; ``$2``/``$3`` its first and last local day.

Local days become instants with the location's timezone (``day::timestamp AT TIME ZONE tz`` is
that day's local midnight), so a month ends at the store's midnight.
"""

from __future__ import annotations

# Every package's balance per zone at the close of local day $2, rebuilt from the ledger (never
# from stock_balance, which is only "now"): what came into the zone minus what left it, of every
# movement that happened (occurred_at) before the next local midnight.
VALUATION = """
WITH cut AS (
  SELECT (($2::date + 1)::timestamp AT TIME ZONE l.timezone) AS at FROM location l WHERE l.id = $1
), flows AS (
  SELECT m.package, m.to_zone AS zone, m.quantity AS q
  FROM movement m, cut WHERE m.location = $1 AND m.occurred_at < cut.at AND m.to_zone IS NOT NULL
  UNION ALL
  SELECT m.package, m.from_zone, -m.quantity
  FROM movement m, cut WHERE m.location = $1 AND m.occurred_at < cut.at
    AND m.from_zone IS NOT NULL
), held AS (
  SELECT package, zone, sum(q) AS quantity FROM flows GROUP BY package, zone HAVING sum(q) <> 0
)
SELECT z.name AS zone, z.kind AS zone_kind, p.tag, pr.sku, pr.name AS product, pr.category,
       p.unit, h.quantity, coalesce(p.unit_cost, pr.unit_cost) AS unit_cost
FROM held h
JOIN package p ON p.id = h.package
JOIN product pr ON pr.id = p.product
JOIN zone z ON z.id = h.zone
ORDER BY z.name, z.id, p.tag
"""

# What stayed sold, per product and local day of the sale: a voided receipt keeps nothing, a
# returned quantity comes off its line; gross and the line's discount are pro-rated to what was
# kept, to the cent per line (as the returns service refunds them).
SALES = """
WITH tz AS (SELECT timezone FROM location WHERE id = $1), lines AS (
  SELECT (s.occurred_at AT TIME ZONE tz.timezone)::date AS day, sl.product, sl.quantity,
         CASE WHEN s.status = 'voided' THEN 0 ELSE sl.quantity - sl.returned_quantity END AS kept,
         sl.unit_price, sl.discount, coalesce(p.unit_cost, pr.unit_cost) AS unit_cost
  FROM sale s CROSS JOIN tz
  JOIN sale_line sl ON sl.sale = s.id
  JOIN package p ON p.id = sl.package
  JOIN product pr ON pr.id = sl.product
  WHERE s.location = $1
    AND s.occurred_at >= ($2::date::timestamp AT TIME ZONE tz.timezone)
    AND s.occurred_at < (($3::date + 1)::timestamp AT TIME ZONE tz.timezone)
)
SELECT x.day, pr.sku, pr.name AS product, pr.category, pr.unit,
       sum(x.kept) AS units,
       sum(round(x.kept * x.unit_price, 2)) AS gross,
       sum(round(x.discount * x.kept / x.quantity, 2)) AS discounts,
       sum(x.kept * x.unit_cost) AS cost,
       count(*) AS lines
FROM lines x JOIN product pr ON pr.id = x.product
GROUP BY x.day, pr.id
ORDER BY x.day, pr.name, pr.id
"""

# Write-offs and write-ons (adjustments) and destructions, per reason and unit of measure.
ADJUSTMENTS = """
WITH tz AS (SELECT timezone FROM location WHERE id = $1)
SELECT coalesce(m.reason, 'destruction') AS reason, p.unit,
       count(*) AS movements,
       coalesce(sum(m.quantity) FILTER (WHERE m.from_zone IS NOT NULL), 0) AS written_off,
       coalesce(sum(m.quantity) FILTER (WHERE m.from_zone IS NULL), 0) AS written_on,
       coalesce(sum(m.quantity * coalesce(p.unit_cost, pr.unit_cost))
                FILTER (WHERE m.from_zone IS NOT NULL), 0) AS value_off,
       coalesce(sum(m.quantity * coalesce(p.unit_cost, pr.unit_cost))
                FILTER (WHERE m.from_zone IS NULL), 0) AS value_on
FROM movement m CROSS JOIN tz
JOIN package p ON p.id = m.package
JOIN product pr ON pr.id = p.product
WHERE m.location = $1 AND m.kind IN ('adjust', 'destroy')
  AND m.occurred_at >= ($2::date::timestamp AT TIME ZONE tz.timezone)
  AND m.occurred_at < (($3::date + 1)::timestamp AT TIME ZONE tz.timezone)
GROUP BY 1, p.unit
ORDER BY 1, p.unit
"""

# Completed receipts per shipper and unit of measure: what was shipped, accepted (into stock)
# and rejected (refused packages, and the shortfall of partial acceptances), and the cost of
# what was accepted (the manifest's unit cost, else the product's, as the valuation uses).
RECEIVING = """
WITH tz AS (SELECT timezone FROM location WHERE id = $1)
SELECT coalesce(sh.shipper_name, sh.shipper_license, 'unknown') AS vendor,
       sh.shipper_license AS vendor_license, sp.unit,
       count(DISTINCT sh.id) AS shipments,
       count(sp.id) AS packages,
       count(ps.id) FILTER (WHERE ps.decision = 'reject') AS rejected_packages,
       coalesce(sum(sp.shipped_quantity), 0) AS shipped,
       coalesce(sum(ps.received_quantity), 0) AS accepted,
       coalesce(sum(sp.shipped_quantity - coalesce(ps.received_quantity, 0)), 0) AS rejected,
       coalesce(sum(ps.received_quantity * coalesce(sp.unit_cost, pr.unit_cost)), 0) AS cost
FROM shipment sh CROSS JOIN tz
JOIN receiving_session s ON s.shipment = sh.id AND s.status = 'completed'
JOIN shipment_package sp ON sp.shipment = sh.id
LEFT JOIN package_scan ps ON ps.session = s.id AND ps.shipment_package = sp.id
LEFT JOIN product pr ON pr.id = sp.product
WHERE sh.location = $1
  AND s.completed_at >= ($2::date::timestamp AT TIME ZONE tz.timezone)
  AND s.completed_at < (($3::date + 1)::timestamp AT TIME ZONE tz.timezone)
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
"""
