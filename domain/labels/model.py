"""What a package label says (pure): the typed row read for one package, and the state's part.

The state's part comes from its rulebook (``plugins.states.base.LabelRules``): which warning
applies to this product, which required fields this label prints, and which it cannot (the
universal symbol artwork, ingredients...), named on the label so nobody takes it as complete. A
state whose rules are not declared gets a visible "not configured" line, never invented text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.catalog.model import Category

if TYPE_CHECKING:  # the domain reads rulebooks through uow.registry, never imports a plugin
    from plugins.states.base import LabelRules

# Flower and plain pre-rolls are "cannabis"; everything else, and a pre-roll with concentrate
# in it, is a manufactured "cannabis product" (CA words their warnings differently).
_PLAIN = frozenset({Category.FLOWER, Category.PRE_ROLL})
_GRAMS_PER_OUNCE = Decimal("28.349523125")
NOT_CONFIGURED = "STATE LABEL RULES NOT CONFIGURED"

# The ``plugins.states.base.LabelField`` values this label prints (the rest of a state's
# required fields are listed on the label as "not printed").
_PRINTED = frozenset(
    {
        "product_identity",
        "net_quantity",
        "licensee_name",
        "retail_license",
        "date_packaged",
        "use_by_date",
        "cannabinoid_content",
        "package_tag",
        "batch_number",
        "infused_statement",
    }
)


@dataclass(frozen=True)
class LabelRow:
    """One package as its label shows it."""

    tag: str
    product: str
    category: str
    brand: str | None
    batch_number: str | None
    lab_status: str | None
    thc_percent: Decimal | None
    cbd_percent: Decimal | None
    quantity: Decimal
    unit: str
    net_weight_grams: Decimal | None
    packaged_on: date | None
    expires_on: date | None
    licensee: str
    license_number: str
    state: str
    infused: bool = False


@dataclass(frozen=True)
class StatePanel:
    """The state's part of a label: lines of fields, the warnings, what is not printed."""

    state: str
    configured: bool
    infused_statement: bool
    fields: tuple[str, ...]
    warnings: tuple[str, ...]
    not_printed: tuple[str, ...]


def is_product(row: LabelRow) -> bool:
    """A manufactured cannabis product rather than plain flower."""
    return row.infused or row.category not in _PLAIN


def net_quantity(row: LabelRow) -> str:
    """``3.5 g (0.123 oz)`` for weighed packages (metric and US units, as CA asks); items
    with their net weight each when the catalogue has it."""
    if row.unit == "grams":
        ounces = (row.quantity / _GRAMS_PER_OUNCE).quantize(Decimal("0.001"))
        # At least to 0.1 g (CO's precision); more places when the package has them.
        grams = max(row.quantity.normalize(), row.quantity.quantize(Decimal("0.1")), key=_places)
        return f"{format(grams, 'f')} g ({_plain(ounces)} oz)"
    if row.unit == "milligrams":
        return f"{_plain(row.quantity)} mg"
    each = f" × {_plain(row.net_weight_grams)} g" if row.net_weight_grams else ""
    return f"{_plain(row.quantity)} units{each}"


def cannabinoids(row: LabelRow) -> str:
    """``THC 21.4 % · CBD 0.1 % · lab passed`` (unknown values said so)."""
    thc = f"{_plain(row.thc_percent)} %" if row.thc_percent is not None else "not tested"
    cbd = f"{_plain(row.cbd_percent)} %" if row.cbd_percent is not None else "not tested"
    return f"THC {thc} · CBD {cbd} · lab {row.lab_status or 'unknown'}"


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def state_panel(rules: LabelRules | None, row: LabelRow) -> StatePanel:
    """The state's part of ``row``'s label under ``rules`` (None: no plugin for the state)."""
    if rules is None or not rules.configured:
        return StatePanel(
            row.state,
            False,
            False,
            (),
            (f"{NOT_CONFIGURED} ({row.state}): add them to the state plugin before use.",),
            (),
        )
    required = {str(f) for f in rules.required_fields.value} if rules.required_fields else set()
    fields = [f"Licensee: {row.licensee}"] if "licensee_name" in required else []
    if "retail_license" in required or "licensee_name" in required:
        fields.append(f"Licence: {row.license_number}")
    texts = rules.product_warnings if is_product(row) and rules.product_warnings else rules.warnings
    warnings = tuple(w.value for w in texts)
    missing = sorted(f.replace("_", " ") for f in required - _PRINTED)
    if "government_warning" in required and warnings:
        missing.remove("government warning")
    return StatePanel(
        row.state,
        True,
        "infused_statement" in required and row.category not in _PLAIN,
        tuple(fields),
        warnings,
        tuple(missing),
    )
