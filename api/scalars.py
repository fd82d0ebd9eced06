"""Our DateTime and Decimal scalars: strawberry's, made safe for our columns and rules.

Strawberry parses any ISO 8601 text, including times without an offset and instants so close to
year 1 or 9999 that turning them into UTC overflows. The driver would then fail while binding the
query: a server error for what is the caller's bad input. Here a time without an offset is taken
as UTC (every time we return carries its offset), and one that cannot be expressed in UTC is
refused as a coercion error, like any other malformed value.

Strawberry's Decimal also takes JSON and GraphQL numbers, turning them into text first: ``1.5``
became ``Decimal("1.5")`` though the value the caller sent was a binary float, which the domain
refuses everywhere else. Ours takes text only (``"1.5"``), so every amount is exactly what was
written.
"""

from __future__ import annotations

import datetime as dt
import decimal

import dateutil.parser
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateTimeDefinition as _Strawberry
from strawberry.schema.types.base_scalars import DecimalDefinition as _StrawberryDecimal
from strawberry.types.scalar import ScalarDefinition


def parse_datetime(value: object) -> dt.datetime:
    """An ISO 8601 date-time, in UTC."""
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}".')
    try:
        parsed = dateutil.parser.isoparse(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:
        raise StrawberryInputCoercionError(
            f'Value cannot represent a DateTime: "{value}". {exc}'
        ) from None


DATETIME = ScalarDefinition(
    name="DateTime",
    description="Date with time (isoformat); a time without an offset is taken as UTC",
    specified_by_url=None,
    serialize=_Strawberry.serialize,
    parse_value=parse_datetime,
    parse_literal=None,
    origin=dt.datetime,
)


def parse_decimal(value: object) -> decimal.Decimal:
    """A decimal written as text; numbers (floats above all) are refused."""
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(
            f'Value cannot represent a Decimal: "{value}". Send it as a string, e.g. "1.5".'
        )
    try:
        return decimal.Decimal(value)
    except decimal.DecimalException:
        raise StrawberryInputCoercionError(
            f'Value cannot represent a Decimal: "{value}".'
        ) from None


DECIMAL = ScalarDefinition(
    name="Decimal",
    description='Decimal (fixed-point), sent as a string: "1.5"',
    specified_by_url=None,
    serialize=_StrawberryDecimal.serialize,
    parse_value=parse_decimal,
    parse_literal=None,
    origin=decimal.Decimal,
)
