"""What a batch of scanned tags are: our packages in the counted scope, or findings.

One query per batch, whatever its size (a handheld sends 50 lines at a time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain import db
from domain.counts.model import Finding
from domain.counts.queries import CountSessionRow

if TYPE_CHECKING:
    from domain.counts.sessions import LineInput


@dataclass(frozen=True)
class Classified:
    package_id: int | None
    zone_id: int | None
    unit: str | None  # the package's unit (None for another licence's or an unknown tag)
    finding: str | None


# Our packages with these tags, where the books hold them (zone, quantity), whether they moved
# in or out of the counted zones since the session started; and the operator's packages with
# these tags at other licences.
_LOOKUP = """
WITH tags AS (SELECT DISTINCT unnest($2::text[]) AS tag),
ours AS (
    SELECT p.id, p.tag, p.unit, p.product FROM package p JOIN tags t ON t.tag = p.tag
    WHERE p.location = $1
)
SELECT 'ours' AS part, o.id, o.tag, o.unit, o.product,
       (SELECT array_agg(sb.zone ORDER BY sb.quantity DESC) FROM stock_balance sb
        WHERE sb.package = o.id AND sb.quantity > 0) AS held_in,
       (SELECT array_agg(DISTINCT z) FROM movement m
        CROSS JOIN LATERAL unnest(ARRAY[m.from_zone, m.to_zone]) AS z
        WHERE m.package = o.id AND m.occurred_at > $3 AND z IS NOT NULL) AS moved_in
FROM ours o
UNION ALL
SELECT 'elsewhere', p.id, p.tag, p.unit, p.product, NULL, NULL
FROM package p JOIN tags t ON t.tag = p.tag JOIN location l ON l.id = p.location
WHERE p.location <> $1 AND l.operator = (SELECT operator FROM location WHERE id = $1)
"""


async def classify(row: CountSessionRow, lines: Sequence[LineInput]) -> list[Classified]:
    async with db.connection() as conn:
        found = await conn.fetch(
            _LOOKUP, row.location_id, [line.tag.strip() for line in lines], row.started_at
        )
    ours = {r["tag"]: r for r in found if r["part"] == "ours"}
    elsewhere = {r["tag"] for r in found if r["part"] == "elsewhere"}
    counted_zones = set(row.zones)
    result: list[Classified] = []
    for line in lines:
        tag = line.tag.strip()
        package = ours.get(tag)
        if package is None:
            finding = Finding.OTHER_LOCATION if tag in elsewhere else Finding.UNKNOWN_TAG
            result.append(Classified(None, line.zone_id, None, str(finding)))
            continue
        held = list(package["held_in"] or [])
        # Where the books could expect it during the count: held now, or moved since the start.
        expected_in = set(held) | set(package["moved_in"] or [])
        if row.kind == "zones":
            zone = line.zone_id
            if zone is None:
                candidates = [z for z in row.zones if z in expected_in]
                zone = (
                    candidates[0] if candidates else (row.zones[0] if len(row.zones) == 1 else None)
                )
            in_scope = zone is not None and zone in counted_zones and zone in expected_in
            finding = None if in_scope else str(Finding.WRONG_ZONE)
        else:
            listed = package["id"] in row.packages or package["product"] in row.products
            zone = line.zone_id if line.zone_id is not None else (held[0] if held else None)
            if not listed:
                finding = str(Finding.NOT_IN_SPOT_LIST)
            elif zone is None or zone not in expected_in:
                finding = str(Finding.WRONG_ZONE)
            else:
                finding = None
        result.append(Classified(package["id"], zone, package["unit"], finding))
    return result
