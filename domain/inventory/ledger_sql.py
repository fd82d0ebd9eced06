"""The ledger's SQL: one statement locks, one statement writes.

Kept apart from ``ledger.py`` so the rules there read without SQL in the way. Foreign keys carry
no ``_id`` suffix in this schema (piccolo's convention): ``package``, ``zone``, ``location``.
"""

LOCK = """
SELECT p.id, p.tag, p.location AS location_id, p.product AS product_id, p.unit, p.status,
       p.movement_count, p.last_hash, b.lab_status, b.expires_on, b.sell_by,
       (now() AT TIME ZONE l.timezone)::date AS local_today,
       l.state, l.timezone, l.state_system, pr.low_stock_threshold
FROM package p
JOIN location l ON l.id = p.location
JOIN product pr ON pr.id = p.product
LEFT JOIN batch b ON b.id = p.batch
WHERE p.id = ANY($1::int[])
ORDER BY p.id
FOR UPDATE OF p
"""

# Everything a post writes, in one round trip. Decrements are conditional (a balance that would
# go below zero is simply not updated, so the caller sees it missing and raises, rolling the
# whole transaction back); the CHECK on stock_balance stands behind it. Data-modifying CTEs all
# run to completion whether or not the final SELECT reads them.
WRITE = """
WITH decrement AS (
    UPDATE stock_balance sb
    SET quantity = sb.quantity + d.delta, updated_at = now()
    FROM unnest($1::int[], $2::int[], $3::numeric[]) AS d(package, zone, delta)
    WHERE sb.package = d.package AND sb.zone = d.zone AND sb.quantity + d.delta >= 0
    RETURNING sb.package, sb.zone, sb.quantity
), increment AS (
    INSERT INTO stock_balance (package, zone, location, quantity, updated_at)
    SELECT i.package, i.zone, i.location, i.delta, now()
    FROM unnest($4::int[], $5::int[], $6::int[], $7::numeric[])
         AS i(package, zone, location, delta)
    ON CONFLICT (package, zone)
    DO UPDATE SET quantity = stock_balance.quantity + EXCLUDED.quantity, updated_at = now()
    RETURNING package, zone, quantity
), moved AS (
    INSERT INTO movement (location, package, sequence, kind, from_zone, to_zone, quantity,
                          reason, note, actor, witness, occurred_at, recorded_at,
                          source_document, idempotency_key, previous_hash, hash)
    SELECT m.location, m.package, m.sequence, m.kind, m.from_zone, m.to_zone, m.quantity,
           m.reason, m.note, $19, $20, $21, now(), $22, $23, m.previous_hash, m.hash
    FROM unnest($8::int[], $9::int[], $10::int[], $11::text[], $12::int[], $13::int[],
                $14::numeric[], $15::text[], $16::text[], $17::text[], $18::text[])
         AS m(location, package, sequence, kind, from_zone, to_zone, quantity, reason, note,
              previous_hash, hash)
    RETURNING id, package, sequence
), chain AS (
    UPDATE package SET movement_count = c.count, last_hash = c.hash
    FROM unnest($24::int[], $25::int[], $26::text[]) AS c(id, count, hash)
    WHERE package.id = c.id
    RETURNING package.id
)
SELECT 'balance' AS part, package, zone, quantity, NULL::bigint AS id, NULL::int AS sequence
FROM decrement
UNION ALL
SELECT 'balance', package, zone, quantity, NULL, NULL FROM increment
UNION ALL
SELECT 'movement', package, NULL, NULL, id, sequence FROM moved
"""

AVAILABLE = "SELECT quantity FROM stock_balance WHERE package = $1 AND zone = $2"

# Each (location, product)'s sales-floor quantity, as this transaction sees it.
FLOOR_TOTALS = """
SELECT t.location, t.product, coalesce(sum(sb.quantity), 0) AS quantity
FROM unnest($1::int[], $2::int[]) AS t(location, product)
LEFT JOIN (stock_balance sb
           JOIN package p ON p.id = sb.package
           JOIN zone z ON z.id = sb.zone AND z.kind = 'sales_floor')
       ON p.product = t.product AND z.location = t.location
GROUP BY t.location, t.product
"""
