"""What a refusal may say to someone counting blind.

A refusal that names a quantity (the zone holds 7.321, the floor has 3 of the product) would tell
the counter or witness of a blind count the number they are counting. For them, and only while
the count is blind, the quantity is left out (None) and the message says "less than" instead;
everyone else hears the figure as before. The refusal itself still says the stock is short of what
was asked, which no refusal can avoid saying: asking again and again would narrow the figure down,
one refused (and recorded nowhere) attempt at a time.
"""

from __future__ import annotations

import dataclasses

from domain import errors
from domain.counts.queries import BlindScope


def names_quantities(exc: errors.DomainError) -> bool:
    """Whether ``exc`` carries a books quantity (only then is the caller's blind scope read)."""
    return isinstance(exc, errors.InsufficientStock | errors.ReservationShortage)


def refusal_for(exc: errors.DomainError, scope: BlindScope) -> errors.DomainError:
    """``exc`` as the caller may hear it: without the quantities ``scope`` hides."""
    if not scope:
        return exc
    if isinstance(exc, errors.InsufficientStock):
        if exc.zone_id in scope.zones or exc.tag in scope.tags:
            return dataclasses.replace(exc, available=None)
        return exc
    if isinstance(exc, errors.ReservationShortage):
        return dataclasses.replace(exc, missing=[_line(m, scope) for m in exc.missing])
    return exc


def _line(missing: errors.MissingStock, scope: BlindScope) -> errors.MissingStock:
    # A product line's figure sums every sellable package of the product, the counted ones too.
    hidden = (missing.tag is not None and missing.tag in scope.tags) or (
        missing.product_id is not None and missing.product_id in scope.products
    )
    return dataclasses.replace(missing, available=None) if hidden else missing
