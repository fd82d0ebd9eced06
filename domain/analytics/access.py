"""Which locations an analytics question covers, and the period it asks about."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from domain.analytics.model import Period
from domain.errors import LocationsNotGranted, PermissionDenied, ValidationError
from domain.identity.principal import Principal
from domain.roles import Capability

MAX_LOCATIONS = 100
# Two years and a little: a dashboard compares this year with last.
MAX_PERIOD = timedelta(days=800)
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


def scope(principal: Principal, location_ids: Sequence[int] | None) -> tuple[int, ...]:
    """The locations asked for, each one the caller may read analytics at; none asked: every
    such location. Naming one the caller does not hold is refused (it is not silently left out:
    a total that quietly lacks a store reads as a real total)."""
    if location_ids is None:
        held = tuple(
            loc for loc in principal.location_ids if principal.can(Capability.READ_ANALYTICS, loc)
        )
        if not held:
            raise PermissionDenied(str(Capability.READ_ANALYTICS), "at any location")
        return held
    asked = tuple(sorted(set(location_ids)))
    if not 1 <= len(asked) <= MAX_LOCATIONS:
        raise ValidationError("locationIds", f"name 1 to {MAX_LOCATIONS} locations")
    refused = [loc for loc in asked if not principal.can(Capability.READ_ANALYTICS, loc)]
    if refused:
        raise LocationsNotGranted(location_ids=refused)
    return asked


def period(first: date, last: date) -> Period:
    if not (EARLIEST <= first <= last <= LATEST):
        raise ValidationError("to", "must be on or after from")
    if last - first >= MAX_PERIOD:
        raise ValidationError("to", f"at most {MAX_PERIOD.days} days after from")
    return Period(first, last)
