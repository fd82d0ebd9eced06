"""Which sale lines BioTrack can record, decided before the sale is written.

Why this module exists: BioTrack v4's ``sale_dispense`` takes an integer count ("quantity:
integer value, quantity to remove"; "all items sold must be pre-packaged, units will be assumed
to be each" [s: the v4 manual as transcribed in public client code]; OpenTHC's point of sale
sends ``intval(unit_count)``). A sale BioTrack cannot take must be refused at the register,
where the budtender can still change it, not discovered by the sync engine hours later.

Per kind of product (BioTrack's inventory types, through our categories):
- Usable marijuana (type 28; our ``flower``) may be a bulk item BioTrack counts by the gram:
  a package we count in grams sells in whole grams (2 g yes, 1.5 g no) [u].
- Everything else (pre-rolls, extracts, edibles, liquids, topicals: types 22-25 and 28
  pre-packs) is a pre-packaged unit at BioTrack: the package must be counted ``each`` here and
  sold in whole units, because a weight would be read as a number of units.
A licence may change which categories sell by weight with ``settings["sold_by_weight"]`` (a
list of our category names), as the state's rules or its BioTrack set-up require.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugins.base import SaleLineFacts

SOLD_BY_WEIGHT = frozenset({"flower"})
_WEIGHTS = frozenset({"grams", "milligrams"})


def refusal(line: SaleLineFacts, settings: Mapping[str, Any]) -> str | None:
    """Why BioTrack cannot record ``line`` (words for the register), or None."""
    configured = settings.get("sold_by_weight")
    by_weight = SOLD_BY_WEIGHT if configured is None else frozenset(map(str, configured))
    if line.unit in _WEIGHTS and line.category not in by_weight:
        return (
            f"BioTrack records {line.category} as pre-packaged units, but this package is"
            f" counted in {line.unit}; count it in each (or ask an administrator to allow"
            f" {line.category} by weight for this licence)"
        )
    if line.quantity != line.quantity.to_integral_value():
        return (
            f"BioTrack records whole {_unit_word(line.unit)} only; {line.quantity} cannot be"
            " reported: sell a whole number"
        )
    return None


def _unit_word(unit: str) -> str:
    return {"grams": "grams", "milligrams": "milligrams"}.get(unit, "units")
