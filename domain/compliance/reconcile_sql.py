"""SQL for reconciliation, kept apart so ``reconcile.py`` reads as the procedure it is."""

UPSERT_MIRROR = """
INSERT INTO state_package (location, tag, quantity, unit, status, item_name, last_modified,
                           synced_at, problem, raw)
SELECT $1, p.tag, p.quantity, p.unit, p.status, p.item_name, p.last_modified, now(), p.problem,
       p.raw
FROM unnest($2::text[], $3::numeric[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
            $8::text[], $9::text[])
     AS p(tag, quantity, unit, status, item_name, last_modified, problem, raw)
ON CONFLICT (location, tag) DO UPDATE
SET quantity = EXCLUDED.quantity, unit = EXCLUDED.unit, status = EXCLUDED.status,
    item_name = EXCLUDED.item_name, last_modified = EXCLUDED.last_modified, synced_at = now(),
    problem = EXCLUDED.problem, raw = EXCLUDED.raw
WHERE state_package.last_modified IS NULL OR EXCLUDED.last_modified IS NULL
   OR EXCLUDED.last_modified >= state_package.last_modified
"""

_SIDES = """
WITH ours AS (
    SELECT p.tag, p.status AS our_status, p.unit, coalesce(sum(b.quantity), 0) AS quantity
    FROM package p LEFT JOIN stock_balance b ON b.package = p.id
    WHERE p.location = $1
    GROUP BY p.id
), theirs AS (
    SELECT tag, quantity, status AS state_status, unit, problem, raw
    FROM state_package WHERE location = $1
)
"""

COUNT_COMPARED = (
    _SIDES + "SELECT count(*) FROM (SELECT tag FROM ours UNION SELECT tag FROM theirs) AS tags"
)

# Only the state's own hold is compared: our holds are internal QA, not something to report.
# A state record we could not read is reported as such (with its raw values), never compared.
DIFFERENCES = (
    _SIDES
    + """
SELECT * FROM (
    SELECT coalesce(o.tag, t.tag) AS tag, o.quantity AS ours,
           CASE WHEN t.problem IS NULL THEN t.quantity END AS theirs,
           o.our_status, t.state_status, t.problem, t.raw,
           CASE
             WHEN t.problem IS NOT NULL
               THEN 'malformed_state_record'
             WHEN o.tag IS NULL AND t.state_status IN ('active', 'on_hold') AND t.quantity > 0
               THEN 'missing_here'
             WHEN o.quantity > 0 AND (t.tag IS NULL OR t.state_status = 'finished')
               THEN 'missing_at_state'
             WHEN t.tag IS NOT NULL AND t.unit <> '' AND lower(t.unit) <> lower(o.unit)
               THEN 'unit_differs'
             WHEN t.state_status <> 'finished' AND o.quantity <> t.quantity
               THEN 'quantity_differs'
             WHEN t.state_status = 'on_hold' AND o.our_status = 'active'
               THEN 'status_differs'
           END AS kind
    FROM ours o FULL JOIN theirs t ON t.tag = o.tag
) AS compared
WHERE kind IS NOT NULL
ORDER BY tag
"""
)

OUTBOX_BY_TAG = """
SELECT t.tag, r.kind, r.external_id, r.status, r.last_error, r.created_at
FROM state_report r CROSS JOIN LATERAL unnest(r.tags) AS t(tag)
WHERE r.location = $1 AND r.tags && $2::varchar[] AND t.tag = ANY($2::varchar[])
  AND r.status IN ('pending', 'sending', 'failed', 'held')
ORDER BY r.id
"""

UPSERT_DISCREPANCIES = """
WITH incoming AS (
    SELECT * FROM unnest($3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[],
                         $8::text[], $9::text[], $10::text[], $11::text[])
         AS i(tag, kind, ours, theirs, difference, our_status, state_status, cause, raw)
), updated AS (
    UPDATE discrepancy d
    SET our_quantity = i.ours, state_quantity = i.theirs, difference = i.difference,
        our_status = i.our_status, state_status = i.state_status, suspected_cause = i.cause,
        state_raw = i.raw, last_seen_run = $2, last_seen_at = now()
    FROM incoming i
    WHERE d.location = $1 AND d.status = 'open' AND d.tag = i.tag AND d.kind = i.kind
    RETURNING d.tag, d.kind
), inserted AS (
    INSERT INTO discrepancy (location, tag, kind, our_quantity, state_quantity, difference,
                             our_status, state_status, suspected_cause, state_raw,
                             first_seen_run, last_seen_run, first_seen_at, last_seen_at, status)
    SELECT $1, i.tag, i.kind, i.ours, i.theirs, i.difference, i.our_status, i.state_status,
           i.cause, i.raw, $2, $2, now(), now(), 'open'
    FROM incoming i
    WHERE NOT EXISTS (SELECT 1 FROM discrepancy d WHERE d.location = $1 AND d.status = 'open'
                      AND d.tag = i.tag AND d.kind = i.kind)
    ON CONFLICT DO NOTHING
    RETURNING tag, kind
)
SELECT tag, kind, false AS is_new FROM updated
UNION ALL
SELECT tag, kind, true FROM inserted
"""

CLEAR_GONE = """
UPDATE discrepancy
SET status = 'resolved', resolution = 'cleared', resolved_at = now(),
    resolution_note = CASE WHEN kind = 'malformed_state_record'
                           THEN 'the state''s record reads correctly again'
                           ELSE 'the numbers agree again' END
                      || ' (reconciliation run ' || $2 || ')'
WHERE location = $1 AND status = 'open' AND last_seen_run <> $2
  -- A count's three-way record is not the state comparison's to clear.
  AND count_session IS NULL
"""
