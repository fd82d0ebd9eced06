"""CSV text for the exports (pure): RFC 4180 lines, Decimal strings, ISO dates.

Numbers are written as plain decimal strings with a fixed number of places per column (never
floats, never exponents: ``Decimal("1E+1")`` is written ``10.00``), so a spreadsheet or an
accounting import reads exactly what the ledger holds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
QUANTITY = Decimal("0.001")
UNIT_COST = Decimal("0.0001")


def money(value: Decimal | None) -> Decimal:
    """To the cent, half up (as receipts are rounded)."""
    return (value or Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)


def fixed(value: Decimal | None, places: Decimal) -> str:
    """A Decimal as a plain string with exactly ``places`` (``-0`` written ``0``)."""
    number = (value or Decimal(0)).quantize(places, rounding=ROUND_HALF_UP)
    if number.is_zero():
        number = abs(number)
    return format(number, "f")


def cell(value: Any) -> str:
    """One value as CSV text: Decimals as they come (callers fix places), dates in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def lines(rows: Iterable[Sequence[Any]]) -> str:
    """Rows as CSV text, each ending ``\\r\\n`` (RFC 4180), quoted only where needed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_safe(cell(v)) for v in row])
    return out.getvalue()


def _safe(text: str) -> str:
    """A text cell a spreadsheet would run as a formula (a product named ``=HYPERLINK(…)``)
    gets a leading apostrophe; numbers, which may start with ``-``, are left alone."""
    if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and not _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True
