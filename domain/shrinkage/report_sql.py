"""The shrinkage report's SQL: the nightly roll-up of a location's days, and the report over
rolled-up days plus the ledger's days not rolled up yet (today, and any day a location has not
rolled up)."""

from __future__ import annotations

# One movement as a report line: sales (less voids and returns) keep only their day; losses
# (write-offs less write-ons with the same cause, and destructions) keep cause, zone, product and
# person. Amounts: units (items of ``each`` packages), grams, cost value.
_LINE = """
    CASE WHEN m.kind IN ('sale', 'void', 'return') THEN 'sale' ELSE 'loss' END AS kind,
    CASE WHEN m.kind IN ('sale', 'void', 'return') THEN ''
         ELSE coalesce(m.reason, 'destruction') END AS cause,
    CASE WHEN m.kind IN ('sale', 'void', 'return') THEN 0
         ELSE coalesce(m.from_zone, m.to_zone) END AS zone,
    CASE WHEN m.kind IN ('sale', 'void', 'return') THEN '' ELSE pr.category END AS category,
    CASE WHEN m.kind IN ('sale', 'void', 'return') THEN 0 ELSE pr.id END AS product,
    CASE WHEN m.kind IN ('sale', 'void', 'return') THEN 0 ELSE m.actor END AS actor,
    CASE WHEN m.kind = 'sale' OR (m.kind IN ('adjust', 'destroy') AND m.from_zone IS NOT NULL)
         THEN 1 ELSE -1 END AS sign,
    CASE WHEN p.unit = 'each' THEN m.quantity ELSE 0 END AS units,
    CASE p.unit WHEN 'grams' THEN m.quantity WHEN 'milligrams' THEN m.quantity / 1000
         ELSE m.quantity * coalesce(pr.unit_weight_grams, 0) END AS grams,
    m.quantity * coalesce(p.unit_cost, pr.unit_cost) AS value
"""
_KINDS = "('sale', 'void', 'return', 'adjust', 'destroy')"

# $1 location, $2 first local midnight, $3 last local midnight (exclusive), $4 timezone.
ROLL_UP = f"""
INSERT INTO shrinkage_day (location, day, kind, cause, zone, product, category, actor,
                           units, grams, value, movements)
SELECT $1, (occurred_at AT TIME ZONE $4)::date, kind, cause, zone, product, min(category),
       actor, sum(sign * units), sum(sign * grams), sum(sign * value), count(*)
FROM (SELECT m.occurred_at, {_LINE}
      FROM movement m JOIN package p ON p.id = m.package JOIN product pr ON pr.id = p.product
      WHERE m.location = $1 AND m.kind IN {_KINDS}
        AND m.occurred_at >= $2 AND m.occurred_at < $3) x
GROUP BY 2, kind, cause, zone, product, actor
"""

# Where each location's rolled-up days end (its "today" is read from the ledger).
WINDOWS = """
SELECT l.id, l.timezone, r.through
FROM location l LEFT JOIN shrinkage_rollup r ON r.location = l.id
WHERE l.id = ANY($1::int[])
"""

# $1 first day, $2 last day (inclusive, local), then per location (arrays in step): $3 id,
# $4 timezone, $5 first day not rolled up, $6..$7 the ledger's part as local midnights.
REPORT = f"""
WITH win AS (
  SELECT * FROM unnest($3::int[], $4::text[], $5::date[], $6::timestamptz[], $7::timestamptz[])
    AS w(location, timezone, through, live_from, live_to)
), lines AS (
  SELECT d.kind, d.cause, d.zone, d.category, d.product, d.actor, d.day,
         d.units, d.grams, d.value, d.movements
  FROM shrinkage_day d JOIN win w ON w.location = d.location
  WHERE d.day >= $1 AND d.day <= $2 AND d.day < w.through
  UNION ALL
  SELECT kind, cause, zone, category, product, actor, day,
         sign * units, sign * grams, sign * value, 1
  FROM win w CROSS JOIN LATERAL (
    SELECT (m.occurred_at AT TIME ZONE w.timezone)::date AS day, {_LINE}
    FROM movement m
    JOIN package p ON p.id = m.package JOIN product pr ON pr.id = p.product
    WHERE m.location = w.location AND m.kind IN {_KINDS}
      AND m.occurred_at >= w.live_from AND m.occurred_at < w.live_to) live
)
SELECT GROUPING(kind, cause, zone, category, product, actor, week) AS grouping,
       kind, cause, zone, category, product, actor, week,
       sum(units) AS units, sum(grams) AS grams, sum(value) AS value,
       sum(movements)::int AS movements
FROM (SELECT *, date_trunc('week', day)::date AS week FROM lines) x
GROUP BY GROUPING SETS ((kind, cause), (kind, zone), (kind, category), (kind, product),
                        (kind, actor), (kind, week, cause))
"""

# Which dimension a GROUPING() bitmask row is (bits: kind cause zone category product actor week).
DIMENSION = {
    0b0011111: "cause",
    0b0101111: "zone",
    0b0110111: "category",
    0b0111011: "product",
    0b0111101: "person",
}
WEEK_CAUSE = 0b0011110
