"""The reads behind reorder suggestions: bounded to a window of recent days, one location.

The history read uses ``movement (location, occurred_at)`` (an index the ledger already has), so
its cost follows the window asked (13 weeks by default), not the years of history behind it.
"""

LOCATION = """
SELECT id, operator, timezone, (now() AT TIME ZONE timezone)::date AS local_today
FROM location WHERE id = $1
"""

FLOOR_ZONES = "SELECT id FROM zone WHERE location = $1 AND kind = 'sales_floor'"

# Per product, for each local day it moved (as days since $5, the window's first day): units
# sold (sales net of voids and returns that day) and the sales floor's net change (in minus out;
# moves between two floor zones cancel out). One row per product, as float arrays: a store's
# quarter is a few hundred thousand (product, day) pairs, cheaper to ship as 3,000 arrays.
HISTORY = """
WITH daily AS (
    SELECT p.product, (m.occurred_at AT TIME ZONE $2)::date AS day,
           coalesce(sum(m.quantity) FILTER (WHERE m.kind = 'sale'), 0)
           - coalesce(sum(m.quantity) FILTER (WHERE m.kind IN ('void', 'return')), 0) AS sold,
           coalesce(sum(m.quantity) FILTER (WHERE m.to_zone = ANY($4::int[])), 0)
           - coalesce(sum(m.quantity) FILTER (WHERE m.from_zone = ANY($4::int[])), 0) AS delta
    FROM movement m
    JOIN package p ON p.id = m.package
    WHERE m.location = $1 AND m.occurred_at >= $3
    GROUP BY 1, 2
)
SELECT product, array_agg(day - $5::date) AS days, array_agg(sold::float8) AS sold,
       array_agg(delta::float8) AS floor_delta
FROM daily
GROUP BY product
"""

# The daily aggregate above holds a few hundred thousand groups: in memory, not spilled.
WORK_MEM = "SET LOCAL work_mem = '64MB'"

# Stock at the location now, per product and lot: where it sits, and until when it may be sold.
STOCK = """
SELECT p.product, z.kind, p.status, b.lab_status,
       least(b.expires_on, b.sell_by) AS good_until, sum(sb.quantity) AS quantity
FROM stock_balance sb
JOIN package p ON p.id = sb.package
JOIN zone z ON z.id = sb.zone
LEFT JOIN batch b ON b.id = p.batch
WHERE sb.location = $1 AND sb.quantity > 0
GROUP BY 1, 2, 3, 4, 5
"""

# The products concerned, whether they may be ordered at all, and how long a delivery of each
# has had before its date (the median over the packages this location took in recently).
PRODUCTS = """
SELECT pr.id, pr.sku, pr.name, pr.category, pr.unit, pr.unit_cost, pr.active,
       (SELECT b.lab_status FROM batch b WHERE b.product = pr.id
        ORDER BY b.created_at DESC, b.id DESC LIMIT 1) AS latest_lab,
       EXISTS (SELECT 1 FROM package p WHERE p.product = pr.id AND p.location = $2
               AND p.status = 'recalled') AS recalled,
       (SELECT percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY least(b.expires_on, b.sell_by) - (p.created_at AT TIME ZONE $3)::date)
        FROM package p JOIN batch b ON b.id = p.batch
        WHERE p.product = pr.id AND p.location = $2 AND p.created_at >= $4
          AND least(b.expires_on, b.sell_by) IS NOT NULL) AS sellable_days
FROM product pr
WHERE pr.id = ANY($1::int[]) AND pr.operator = $5
ORDER BY pr.id
"""
