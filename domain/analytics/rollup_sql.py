"""The analytics roll-up's SQL: whole local days of one location recomputed from the ledger,
the months holding them re-summed from the days, and the closing stock chained forward."""

from __future__ import annotations

from domain.shrinkage.report import KNOWN_CAUSES

_KNOWN = ", ".join(f"'{c}'" for c in sorted(KNOWN_CAUSES))
_MEASURES = (
    "sold_qty, gross, discount, cogs, received_qty, received_value, flow_qty, flow_value,"
    " loss_value, known_loss_value"
)

# $1 location, $2 first local midnight, $3 last local midnight (exclusive), $4 timezone.
# One movement as flows: sales net of voids and returns (priced from the receipt's lines for
# that package, discounts spread per unit), at the package's landed cost (else the product's);
# receipts (received or registered from outside the books); the change of on-hand (zone moves
# inside the location net to zero); loss as the shrinkage report counts it (write-offs and
# destructions less write-ons). The vendor is the shipper of the manifest the package was
# received on (its first movement).
DAYS = f"""
INSERT INTO analytics_day (location, day, product, batch, vendor, vendor_name, {_MEASURES})
SELECT $1, (x.occurred_at AT TIME ZONE $4)::date, x.product, x.batch, x.vendor,
       max(x.vendor_name), sum(x.sold), sum(x.sold * x.unit_gross), sum(x.sold * x.unit_discount),
       sum(x.sold * x.cost), sum(x.received), sum(x.received * x.cost), sum(x.flow),
       sum(x.flow * x.cost), sum(x.loss * x.cost), sum(x.known_loss * x.cost)
FROM (
  SELECT m.occurred_at, p.product, coalesce(p.batch, 0) AS batch,
         coalesce(s.shipper_license, s.shipper_name, '') AS vendor,
         coalesce(s.shipper_name, s.shipper_license, '') AS vendor_name,
         coalesce(p.unit_cost, pr.unit_cost) AS cost,
         coalesce(price.unit_gross, 0) AS unit_gross,
         coalesce(price.unit_discount, 0) AS unit_discount,
         CASE m.kind WHEN 'sale' THEN m.quantity WHEN 'void' THEN -m.quantity
                     WHEN 'return' THEN -m.quantity ELSE 0 END AS sold,
         CASE WHEN m.kind IN ('receive', 'register') THEN m.quantity ELSE 0 END AS received,
         CASE WHEN m.to_zone IS NOT NULL THEN m.quantity ELSE 0 END
           - CASE WHEN m.from_zone IS NOT NULL THEN m.quantity ELSE 0 END AS flow,
         CASE WHEN m.kind NOT IN ('adjust', 'destroy') THEN 0
              WHEN m.from_zone IS NOT NULL THEN m.quantity ELSE -m.quantity END AS loss,
         CASE WHEN m.kind NOT IN ('adjust', 'destroy')
                OR coalesce(m.reason, 'destruction') NOT IN ({_KNOWN}) THEN 0
              WHEN m.from_zone IS NOT NULL THEN m.quantity ELSE -m.quantity END AS known_loss
  FROM movement m
  JOIN package p ON p.id = m.package
  JOIN product pr ON pr.id = p.product
  LEFT JOIN movement f0 ON f0.package = p.id AND f0.sequence = 1
    AND f0.kind = 'receive' AND f0.source_document LIKE 'manifest:%'
  LEFT JOIN shipment s ON s.location = p.location
    AND s.manifest_number = substr(f0.source_document, 10)
  LEFT JOIN LATERAL (
    SELECT sum(sl.unit_price * sl.quantity) / sum(sl.quantity) AS unit_gross,
           sum(sl.discount) / sum(sl.quantity) AS unit_discount
    FROM sale_line sl
    WHERE sl.sale = CASE WHEN m.source_document ~ '^(sale|void|return):[0-9]+'
                         THEN split_part(m.source_document, ':', 2)::bigint END
      AND sl.package = m.package
      AND (m.kind <> 'sale' OR sl.movement = m.id)
  ) price ON m.kind IN ('sale', 'void', 'return')
  WHERE m.location = $1 AND m.occurred_at >= $2 AND m.occurred_at < $3
) x
GROUP BY 2, x.product, x.batch, x.vendor
"""

# $1 location, $2 the months' first days.
MONTHS = f"""
INSERT INTO analytics_month (location, month, product, vendor, vendor_name, {_MEASURES})
SELECT $1, date_trunc('month', day)::date, product, vendor, max(vendor_name),
       sum(sold_qty), sum(gross), sum(discount), sum(cogs), sum(received_qty),
       sum(received_value), sum(flow_qty), sum(flow_value), sum(loss_value),
       sum(known_loss_value)
FROM analytics_day
WHERE location = $1 AND date_trunc('month', day)::date = ANY($2::date[])
GROUP BY 2, product, vendor
"""

# $1 location, $2 first day, $3 last day: the batches with flows on those days.
BATCHES_ON = """
SELECT DISTINCT batch FROM analytics_day
WHERE location = $1 AND day >= $2 AND day <= $3 AND batch <> 0
"""

# $1 location, $2 batches: each one's life at the location, re-summed from its days.
BATCHES = """
INSERT INTO analytics_batch (location, batch, product, first_received, received_qty, sold_qty)
SELECT $1, batch, min(product), min(day) FILTER (WHERE received_qty > 0), sum(received_qty),
       sum(sold_qty)
FROM analytics_day WHERE location = $1 AND batch = ANY($2::int[])
GROUP BY batch
"""

# $1 location, $2 first day to rewrite, $3 last day (the location's today). Closing stock per
# category: the day before's closing plus each day's flows, carried day by day.
STOCK = """
WITH prev AS (
  SELECT DISTINCT ON (category) category, closing_qty, closing_value
  FROM analytics_stock_day WHERE location = $1 AND day < $2
  ORDER BY category, day DESC
), flows AS (
  SELECT d.day, pr.category, sum(d.flow_qty) AS q, sum(d.flow_value) AS v
  FROM analytics_day d JOIN product pr ON pr.id = d.product
  WHERE d.location = $1 AND d.day >= $2 AND d.day <= $3
  GROUP BY 1, 2
), categories AS (
  SELECT category FROM prev WHERE closing_qty <> 0 OR closing_value <> 0
  UNION SELECT category FROM flows
), grid AS (
  SELECT g::date AS day, c.category
  FROM generate_series($2::date, $3::date, interval '1 day') g CROSS JOIN categories c
)
INSERT INTO analytics_stock_day (location, day, category, closing_qty, closing_value)
SELECT $1, g.day, g.category,
       coalesce(p.closing_qty, 0) + sum(coalesce(f.q, 0)) OVER w,
       coalesce(p.closing_value, 0) + sum(coalesce(f.v, 0)) OVER w
FROM grid g LEFT JOIN prev p USING (category) LEFT JOIN flows f USING (day, category)
WINDOW w AS (PARTITION BY g.category ORDER BY g.day)
"""

# $1 location, $2 movement id: the local days of movements after it, and the highest id.
NEW_DAYS = """
SELECT array_agg(DISTINCT (m.occurred_at AT TIME ZONE l.timezone)::date) AS days,
       max(m.id) AS last
FROM movement m JOIN location l ON l.id = m.location
WHERE m.location = $1 AND m.id > $2
"""
