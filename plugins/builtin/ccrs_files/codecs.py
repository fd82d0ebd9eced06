"""Cell codecs: how one Python value becomes one CCRS cell, and back, exactly.

Why this module exists: the state reads and writes text, while the ledger keeps ``Decimal``,
``date``, ``bool`` and enums. Every conversion lives here, once, so that ``render`` and ``parse``
are inverses by construction and nothing is rounded, trimmed or guessed silently: a value that
cannot be written exactly is refused with ``CcrsFormatError``.

Formatting rules (sources in ``layouts.py``):

* dates: ``MM/DD/YYYY``, zero-padded (Upload User Guide, "Common File Attributes"); parsing also
  takes ``M/D/YYYY``, which is what a spreadsheet writes when someone re-saves the file;
* booleans: ``TRUE`` / ``FALSE`` (guide: "Valid Values: TRUE, FALSE"); parsing ignores case;
* enums such as ``Operation``: written as our enum value, parsed ignoring case (the guide spells
  them ``Insert``/``Update``/``Delete``, OpenTHC's uploader sends ``UPDATE``/``DELETE``);
* quantities: plain decimal, no exponent, no sign, trailing zeros dropped, at most 3 places (the
  ledger's own precision, ``domain.quantities.PLACES``): ``3.500`` -> ``3.5``, ``10.000`` -> ``10``;
* unit weights: the same with at most 2 places (guide: ``UnitWeightGrams`` is Decimal(10,2));
* money: always exactly 2 places (``12.50``, ``0.00``); more places are refused, because how a
  tax is rounded is the till's decision, not the file writer's.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from domain.numbers import DecimalRefused, Problem, parse_decimal

# Decimal(10,2) in the guide: eight integer digits. Applied to every amount and quantity.
MAX_AMOUNT = Decimal(100_000_000)
_PLAIN_DECIMAL = re.compile(r"\d+(\.\d+)?")
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_DIGITS = re.compile(r"\d{1,10}")


class CcrsFormatError(ValueError):
    """A value or a file that cannot be written to, or read from, the CCRS format exactly."""


class Operation(enum.StrEnum):
    """What the state should do with a row, keyed by its ExternalIdentifier."""

    INSERT = "INSERT"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


@dataclass(frozen=True)
class Codec:
    """Base: ``required`` codecs refuse ``None``; optional ones write it as an empty cell."""

    required: bool = True

    def check(self, value: object) -> None:
        if value is None:
            if self.required:
                raise CcrsFormatError("is required")
            return
        self._check(value)

    def format(self, value: object) -> str:
        self.check(value)
        return "" if value is None else self._format(value)

    def parse(self, cell: str) -> object:
        if cell == "":
            if self.required:
                raise CcrsFormatError("is required but the cell is empty")
            return None
        value = self._parse(cell)
        self.check(value)
        return value

    def _check(self, value: object) -> None:
        raise NotImplementedError

    def _format(self, value: object) -> str:
        raise NotImplementedError

    def _parse(self, cell: str) -> object:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Codec):
    """Free text. ``max_length`` is the state's limit: exceeding it is a warning, not an error,
    because the state is the judge and the operator may need to send the file anyway."""

    max_length: int = 100

    def _check(self, value: object) -> None:
        if not isinstance(value, str):
            raise CcrsFormatError(f"must be text, not {type(value).__name__}")
        if "\x00" in value:
            raise CcrsFormatError("must not contain a NUL character")
        if self.required and value.strip() == "":
            raise CcrsFormatError("is required and must not be blank")

    def _format(self, value: object) -> str:
        return str(value)

    def _parse(self, cell: str) -> object:
        return cell


@dataclass(frozen=True)
class LicenseNo(Codec):
    """A state license number: six digits for licensees, ten for labs ("must be numeric")."""

    def _check(self, value: object) -> None:
        if not isinstance(value, str) or _DIGITS.fullmatch(value) is None:
            raise CcrsFormatError(f"must be a license number of up to 10 digits, not {value!r}")

    def _format(self, value: object) -> str:
        return str(value)

    def _parse(self, cell: str) -> object:
        return cell


@dataclass(frozen=True)
class Day(Codec):
    """A calendar date. A ``datetime`` is refused: which day an instant falls on depends on a
    time zone, and that choice belongs to the caller (see ``weeks.py``), not to the writer."""

    def _check(self, value: object) -> None:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise CcrsFormatError(f"must be a date (not a datetime), not {value!r}")

    def _format(self, value: object) -> str:
        if not isinstance(value, date):  # _check has refused it already; this tells the checker
            raise CcrsFormatError(f"must be a date, not {value!r}")
        return format_date(value)

    def _parse(self, cell: str) -> object:
        return parse_date(cell)


@dataclass(frozen=True)
class Amount(Codec):
    """A non-negative Decimal with at most ``places`` places; ``fixed`` pads to exactly that."""

    places: int = 3
    fixed: bool = False

    def _check(self, value: object) -> None:
        try:
            parse_decimal(
                value,
                places=self.places,
                maximum=MAX_AMOUNT,
                maximum_inclusive=False,
                decimal_only=True,
            )
        except DecimalRefused as refused:
            raise CcrsFormatError(self._reason(value, refused.problem)) from None

    def _reason(self, value: object, problem: Problem) -> str:
        match problem:
            case Problem.NOT_DECIMAL:
                return f"must be a Decimal, not {type(value).__name__}"
            case Problem.NOT_FINITE:
                return "must be a finite number"
            case Problem.NEGATIVE:
                return "must not be negative (the state refuses negative entries)"
            case Problem.TOO_LARGE:
                return f"must be below {MAX_AMOUNT}"
            case _:
                return f"must have at most {self.places} decimal places, not {value}"

    def _format(self, value: object) -> str:
        if not isinstance(value, Decimal):  # _check has refused it already; this tells the checker
            raise CcrsFormatError(f"must be a Decimal, not {type(value).__name__}")
        amount = abs(value)  # also turns -0 into 0
        if self.fixed:
            return format(amount, f".{self.places}f")
        return format(amount.normalize(), "f")

    def _parse(self, cell: str) -> object:
        if _PLAIN_DECIMAL.fullmatch(cell) is None:
            raise CcrsFormatError(f"{cell!r} is not a plain non-negative decimal number")
        try:
            return Decimal(cell)
        except InvalidOperation:  # pragma: no cover - the regex already vouches for it
            raise CcrsFormatError(f"{cell!r} is not a number") from None


@dataclass(frozen=True)
class Flag(Codec):
    """A boolean, written ``TRUE``/``FALSE``."""

    def _check(self, value: object) -> None:
        if not isinstance(value, bool):
            raise CcrsFormatError(f"must be True or False, not {value!r}")

    def _format(self, value: object) -> str:
        return "TRUE" if value else "FALSE"

    def _parse(self, cell: str) -> object:
        match cell.upper():
            case "TRUE":
                return True
            case "FALSE":
                return False
        raise CcrsFormatError(f"{cell!r} is not TRUE or FALSE")


@dataclass(frozen=True)
class Choice(Codec):
    """One of a ``StrEnum``'s values."""

    enum_type: type[enum.StrEnum] = Operation

    def _check(self, value: object) -> None:
        if not isinstance(value, self.enum_type):
            raise CcrsFormatError(f"must be a {self.enum_type.__name__}, not {value!r}")

    def _format(self, value: object) -> str:
        return str(value)

    def _parse(self, cell: str) -> object:
        for member in self.enum_type:
            if member.value.casefold() == cell.casefold():
                return member
        allowed = ", ".join(m.value for m in self.enum_type)
        raise CcrsFormatError(f"{cell!r} is not one of {allowed}")


def format_date(day: date) -> str:
    return f"{day.month:02d}/{day.day:02d}/{day.year:04d}"


def parse_date(cell: str) -> date:
    match = _DATE.fullmatch(cell)
    if match is None:
        raise CcrsFormatError(f"{cell!r} is not a date in MM/DD/YYYY form")
    month, day, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise CcrsFormatError(f"{cell!r} is not a real calendar date") from None
