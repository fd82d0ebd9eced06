"""The diversion evaluation's SQL (``domain.diversion.evaluate`` runs it)."""

from __future__ import annotations

MOVEMENTS = """
SELECT m.id, m.package, m.kind, m.quantity, m.reason, m.actor, m.occurred_at,
       m.from_zone IS NOT NULL AND m.to_zone IS NULL AS out,
       CASE p.unit WHEN 'grams' THEN m.quantity WHEN 'milligrams' THEN m.quantity / 1000
            ELSE m.quantity * pr.unit_weight_grams END AS grams,
       m.quantity * coalesce(p.unit_cost, pr.unit_cost) AS value
FROM movement m JOIN package p ON p.id = m.package JOIN product pr ON pr.id = p.product
WHERE m.location = $1 AND m.id > $2 AND m.occurred_at >= $3 AND m.occurred_at < $4
ORDER BY m.id LIMIT $5
"""

# The sweep reads only the movements a per-event rule could flag: write-offs, and movements in
# an hour the store is closed ($6: the local hours it is open; $7: its timezone). The rules
# still decide (``rules.movement_flags``); this only spares reading a year of daytime sales.
CANDIDATES = MOVEMENTS.replace(
    "ORDER BY m.id",
    "AND ((m.kind = 'adjust' AND m.from_zone IS NOT NULL)"
    " OR extract(hour FROM m.occurred_at AT TIME ZONE $7)::int <> ALL($6::int[]))"
    " ORDER BY m.id",
)

ACCESS = """
SELECT a.id, a.occurred_at, a.direction, a.zone, z.kind AS zone_kind, a.zone_ref, a.badge_ref,
       a."user"
FROM access_event a LEFT JOIN zone z ON z.id = a.zone
WHERE a.location = $1 AND a.id > $2 AND a.occurred_at >= $3 AND a.occurred_at < $4
ORDER BY a.id LIMIT $5
"""

# The sweep's access events a rule could flag: unknown zone or badge, or a vault door.
ACCESS_CANDIDATES = ACCESS.replace(
    "ORDER BY a.id",
    "AND (a.zone IS NULL OR a.\"user\" IS NULL OR z.kind = 'vault') ORDER BY a.id",
)

# A shift lasts at most 24 hours (scheduled, or an open clock-in: ``open_shift_hours`` <= 24),
# so only shifts starting in the day before the window can still be running in it.
SHIFTS = """
SELECT "user", starts_at, ends_at
FROM (SELECT "user", starts_at,
             coalesce(ends_at, starts_at + make_interval(hours => $4)) AS ends_at
      FROM shift WHERE location = $1 AND starts_at < $3
        AND starts_at > $2::timestamptz - interval '24 hours') s
WHERE ends_at > $2
"""

WRITE_OFF = "m.kind = 'adjust' AND m.from_zone IS NOT NULL"
PEOPLE = f"""
SELECT (date_trunc('week', m.occurred_at AT TIME ZONE $4))::date AS week, m.actor,
  count(*) FILTER (WHERE {WRITE_OFF} AND m.reason <> ALL($5::text[])) AS adjustments,
  (array_agg(m.id ORDER BY m.id)
     FILTER (WHERE {WRITE_OFF} AND m.reason <> ALL($5::text[])))[1:50] AS adjustment_ids,
  count(DISTINCT coalesce(m.source_document, m.id::text))
     FILTER (WHERE m.kind IN ('void', 'return')) AS voids,
  (array_agg(m.id ORDER BY m.id) FILTER (WHERE m.kind IN ('void', 'return')))[1:50] AS void_ids,
  count(*) FILTER (WHERE {WRITE_OFF} AND m.reason = 'count_correction') AS corrections,
  (array_agg(m.id ORDER BY m.id)
     FILTER (WHERE {WRITE_OFF} AND m.reason = 'count_correction'))[1:50] AS correction_ids
FROM movement m
WHERE m.location = $1 AND m.kind IN ('adjust', 'void', 'return', 'destroy')
  AND m.occurred_at >= $2 AND m.occurred_at < $3
GROUP BY 1, 2
"""

# Each row also carries when the location's first write-off, void or return happened (the
# partial index's first entry): one round trip fewer per evaluation. No rows, no usage flags,
# so the date is not needed then.
USAGE = f"""
SELECT (date_trunc('week', m.occurred_at AT TIME ZONE $4))::date AS week,
       sum(m.quantity * coalesce(p.unit_cost, pr.unit_cost)) AS value,
       (array_agg(m.id ORDER BY m.id))[1:50] AS ids,
       (SELECT min(o.occurred_at) FROM movement o WHERE o.location = $1
          AND o.kind IN ('adjust', 'void', 'return', 'destroy')) AS opened
FROM movement m JOIN package p ON p.id = m.package JOIN product pr ON pr.id = p.product
WHERE m.location = $1 AND m.kind IN ('adjust', 'void', 'return', 'destroy') AND {WRITE_OFF}
  AND m.reason = ANY($5::text[]) AND m.occurred_at >= $2 AND m.occurred_at < $3
GROUP BY 1
"""

MISMATCHES = """
SELECT d.id, d.tag, d.kind, d.our_quantity, d.state_quantity,
       ARRAY(SELECT m.id FROM movement m JOIN package p ON p.id = m.package
             WHERE p.location = d.location AND p.tag = d.tag
             ORDER BY m.id DESC LIMIT 20) AS movement_ids
FROM discrepancy d
WHERE d.location = $1 AND d.status = 'open' AND d.difference <> 0
"""

# All of an evaluation's flags in one statement ($2: a JSON array of them).
SAVE = """
INSERT INTO diversion_flag (location, rule, severity, evidence_key, summary, subject_user,
                            movement_ids, access_event_ids, facts, status, raised_at)
SELECT $1, f.rule, f.severity, f.evidence_key, f.summary, f.subject_user, f.movement_ids,
       f.access_event_ids, f.facts, 'open', now()
FROM jsonb_to_recordset($2::jsonb) AS f(rule text, severity text, evidence_key text,
     summary text, subject_user int, movement_ids jsonb, access_event_ids jsonb, facts jsonb)
ON CONFLICT (location, rule, evidence_key) DO NOTHING
RETURNING id, rule, severity
"""

CURSOR = """
WITH c AS (
  INSERT INTO diversion_cursor (location, last_movement, last_access_event, evaluated_at, runs)
  VALUES ($1, 0, 0, now(), 0)
  ON CONFLICT (location) DO UPDATE SET runs = diversion_cursor.runs
  RETURNING location, last_movement, last_access_event
)
SELECT c.last_movement, c.last_access_event, l.timezone, s.thresholds
FROM c JOIN location l ON l.id = c.location
LEFT JOIN diversion_settings s ON s.location = l.id
"""
