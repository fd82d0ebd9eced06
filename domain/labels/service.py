"""Package labels: the typed rows for some tags, and their PDF.

Why it exists: every package on a shelf needs a label with the state's required fields and
warning, and the tag both as a barcode and a QR code so any scanner at the register, the dock or
an inspector's phone reads it. Staff print them from here rather than retyping the package into a
label program, so the label says what the books say.

Printing changes nothing, so anyone who may read a location may print its labels.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain import db
from domain.errors import PermissionDenied, TooManyTags, UnknownTags, ValidationError
from domain.identity.principal import Principal
from domain.labels.model import LabelRow, state_panel
from domain.labels.render import render
from domain.roles import Capability
from domain.unit_of_work import PluginRegistry

if TYPE_CHECKING:  # the domain reads rulebooks through the registry, never imports a plugin
    from plugins.states.base import LabelRules

MAX_TAGS = 50
MAX_TAG_LENGTH = 64


class LabelFormat(enum.StrEnum):
    """A label stock. One for now: 4 × 2 in, one label per page."""

    LABEL_4X2 = "label_4x2"


@dataclass(frozen=True)
class LabelSheet:
    filename: str
    content_type: str
    pages: int
    pdf: bytes
    tags: tuple[str, ...]


# One row per package with ``tag`` at any of the operator's locations; quantity is what the
# package holds now, over all its zones.
_ROWS = """
SELECT p.tag, p.location, pr.name AS product, pr.category, pr.brand,
       b.producer_batch_number AS batch_number, b.lab_status, b.thc_percent, b.cbd_percent,
       coalesce((SELECT sum(sb.quantity) FROM stock_balance sb WHERE sb.package = p.id), 0)
           AS quantity,
       p.unit, pr.net_weight_grams,
       coalesce(b.production_date, (p.created_at AT TIME ZONE l.timezone)::date) AS packaged_on,
       coalesce(b.expires_on, b.sell_by) AS expires_on,
       l.name AS licensee, l.license_number, l.state,
       pr.category = 'pre_roll' AND coalesce(pr.concentrate_grams_per_unit, 0) > 0 AS infused
FROM package p
JOIN location l ON l.id = p.location
JOIN product pr ON pr.id = p.product
LEFT JOIN batch b ON b.id = p.batch
WHERE p.tag = ANY($1::text[]) AND l.operator = $2
ORDER BY array_position($1::text[], p.tag::text), p.location
"""


def _tags(tags: Sequence[str]) -> list[str]:
    """The tags asked, trimmed, once each, in the order asked."""
    if len(tags) > MAX_TAGS:
        raise TooManyTags(len(tags), MAX_TAGS)
    wanted = list(dict.fromkeys(t.strip() for t in tags))
    if not wanted or any(not t or len(t) > MAX_TAG_LENGTH for t in wanted):
        raise ValidationError("tags", f"1 to {MAX_TAGS} tags of 1 to {MAX_TAG_LENGTH} characters")
    return wanted


def _rules(registry: PluginRegistry, state: str) -> LabelRules | None:
    try:
        return registry.state_rulebook(state).labels
    except KeyError:
        return None


async def label_sheet(
    principal: Principal,
    registry: PluginRegistry,
    tags: Sequence[str],
    label_format: LabelFormat = LabelFormat.LABEL_4X2,
) -> LabelSheet:
    """A PDF of labels for ``tags``, each at a location the caller may read. Refuses the lot
    (TooManyTags, UnknownTags, PermissionDenied) rather than print part of a sheet."""
    wanted = _tags(tags)
    async with db.connection() as conn:
        found = await conn.fetch(_ROWS, wanted, principal.operator_id)
    unknown = sorted(set(wanted) - {r["tag"] for r in found})
    if unknown:
        raise UnknownTags(unknown)
    readable = [r for r in found if principal.can(Capability.READ, r["location"])]
    outside = sorted(set(wanted) - {r["tag"] for r in readable})
    if outside:
        raise PermissionDenied(
            f"print labels for {', '.join(outside)}", "you hold no grant at their location"
        )
    rows = [LabelRow(**{k: v for k, v in dict(r).items() if k != "location"}) for r in readable]
    labels = [(row, state_panel(_rules(registry, row.state), row)) for row in rows]
    rendered = render(labels, title=f"Labels: {', '.join(wanted[:3])}")
    name = wanted[0] if len(wanted) == 1 else f"{wanted[0]}-and-{len(wanted) - 1}-more"
    return LabelSheet(
        filename=f"labels-{name}.pdf",
        content_type="application/pdf",
        pages=rendered.pages,
        pdf=rendered.pdf,
        tags=tuple(row.tag for row in rows),
    )
