"""The analytics reports' SQL, over the roll-ups (and, for what is on hand now, the balances)."""

from __future__ import annotations

# $1 locations, $2..$3 the months read from the monthly roll-up [start, end), $4..$5 the
# period's first and last day: every key's flows over the period. Days of the period outside
# those months come from the daily roll-up; days of those months outside the period are taken
# off (an edge month mostly inside the period reads one monthly row, not twenty daily ones).
FLOWS = """
WITH f AS (
  SELECT location, product, vendor, vendor_name, sold_qty, gross, discount, cogs,
         received_qty, loss_value, known_loss_value
  FROM analytics_month
  WHERE location = ANY($1::int[]) AND month >= $2 AND month < $3
  UNION ALL
  SELECT location, product, vendor, vendor_name, sold_qty, gross, discount, cogs,
         received_qty, loss_value, known_loss_value
  FROM analytics_day
  WHERE location = ANY($1::int[])
    AND ((day >= $4 AND day <= $5 AND day < $2) OR (day >= $4 AND day <= $5 AND day >= $3))
  UNION ALL
  SELECT location, product, vendor, vendor_name, -sold_qty, -gross, -discount, -cogs,
         -received_qty, -loss_value, -known_loss_value
  FROM analytics_day
  WHERE location = ANY($1::int[])
    -- Two narrow ranges, spelled out so each is its own index scan (not the whole span).
    AND ((day >= $2 AND day < $3 AND day < $4) OR (day >= $2 AND day < $3 AND day > $5))
)
"""

_SUMS = """sum(f.sold_qty) AS sold_qty, sum(f.gross) AS gross, sum(f.discount) AS discount,
       sum(f.cogs) AS cogs"""
_SOLD = "HAVING sum(f.sold_qty) <> 0 OR sum(f.gross) <> 0 OR sum(f.cogs) <> 0"

MARGINS = {
    "product": f"""{FLOWS}
SELECT f.product::text AS key, max(pr.name) AS label, {_SUMS}
FROM f JOIN product pr ON pr.id = f.product GROUP BY f.product {_SOLD}""",
    "category": f"""{FLOWS}
SELECT pr.category AS key, pr.category AS label, {_SUMS}
FROM f JOIN product pr ON pr.id = f.product GROUP BY pr.category {_SOLD}""",
    "brand": f"""{FLOWS}
SELECT coalesce(pr.brand, '') AS key, coalesce(pr.brand, '(no brand)') AS label, {_SUMS}
FROM f JOIN product pr ON pr.id = f.product GROUP BY 1, 2 {_SOLD}""",
    "vendor": f"""{FLOWS}
SELECT f.vendor AS key, CASE WHEN f.vendor = '' THEN '(not received from a vendor)'
       ELSE max(f.vendor_name) END AS label, {_SUMS}
FROM f GROUP BY f.vendor {_SOLD}""",
}

# Sales, cost of sales and loss per location and category over the period.
BY_LOCATION_CATEGORY = f"""{FLOWS}
SELECT f.location, pr.category, {_SUMS}, sum(f.loss_value) AS loss_value,
       sum(f.known_loss_value) AS known_loss_value
FROM f JOIN product pr ON pr.id = f.product GROUP BY f.location, pr.category
"""

# $1 locations, $2..$3 days: inventory-days at cost (the sum of each day's closing value).
INVENTORY_DAYS = """
SELECT location, category, sum(closing_value) AS value_days
FROM analytics_stock_day
WHERE location = ANY($1::int[]) AND day >= $2 AND day <= $3
GROUP BY location, category
"""

# $1 locations, $2..$3 days, $4 how many: batches first received in the period, received and
# sold to date, slowest sellers first.
SELL_THROUGH = """
SELECT a.batch, max(b.producer_batch_number) AS batch_number, max(pr.name) AS product,
       sum(a.received_qty) AS received, sum(a.sold_qty) AS sold
FROM analytics_batch a JOIN batch b ON b.id = a.batch JOIN product pr ON pr.id = a.product
WHERE a.location = ANY($1::int[]) AND a.first_received >= $2 AND a.first_received <= $3
GROUP BY a.batch HAVING sum(a.received_qty) > 0
ORDER BY sum(a.sold_qty) / sum(a.received_qty), a.batch
LIMIT $4
"""

# $1 locations: every package on hand now, with its cost, expiry and when it was received.
ON_HAND = """
SELECT sb.location, p.id AS package, p.product, pr.name AS product_name, p.batch,
       b.producer_batch_number AS batch_number, least(b.expires_on, b.sell_by) AS expires,
       sum(sb.quantity) AS quantity,
       sum(sb.quantity) * coalesce(p.unit_cost, pr.unit_cost) AS value,
       f0.occurred_at AS received_at, l.timezone
FROM stock_balance sb
JOIN package p ON p.id = sb.package
JOIN product pr ON pr.id = p.product
JOIN location l ON l.id = sb.location
LEFT JOIN batch b ON b.id = p.batch
LEFT JOIN movement f0 ON f0.package = p.id AND f0.sequence = 1
WHERE sb.location = ANY($1::int[]) AND sb.quantity > 0
GROUP BY sb.location, p.id, pr.id, b.id, f0.occurred_at, l.timezone
"""

# $1 locations, $2 first day: (location, product) sold since then.
SOLD_SINCE = """
SELECT DISTINCT location, product FROM analytics_day
WHERE location = ANY($1::int[]) AND day >= $2 AND sold_qty > 0
"""

LICENCES = """
SELECT id, operator, state, name, license_number FROM location WHERE id = ANY($1::int[])
"""

# $1 locations, $2 product: on hand now per location, and of it on the sales floor.
PRODUCT_STOCK = """
SELECT sb.location, sum(sb.quantity) AS quantity,
       sum(sb.quantity) FILTER (WHERE z.kind = 'sales_floor') AS floor,
       sum(sb.quantity * coalesce(p.unit_cost, pr.unit_cost)) AS value
FROM stock_balance sb
JOIN package p ON p.id = sb.package
JOIN product pr ON pr.id = p.product
JOIN zone z ON z.id = sb.zone
WHERE sb.location = ANY($1::int[]) AND p.product = $2 AND sb.quantity > 0
GROUP BY sb.location
"""
