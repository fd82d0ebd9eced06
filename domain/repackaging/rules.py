"""The arithmetic of a repack, pure: cannabis content in grams, the balance of inputs against
outputs and declared packaging loss, where the loss comes from, which input went into which
output, and the yield flag. No I/O: testable without a database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain.errors import RepackExceedsInputs, ValidationError
from domain.quantities import Unit

PLACES = Decimal("0.001")
# Without a configured threshold a yield is flagged when it is below the expected yield at all.
DEFAULT_MIN_YIELD_PCT = Decimal(100)


def grams(quantity: Decimal, unit: str, unit_weight_grams: Decimal | None) -> Decimal | None:
    """The cannabis content of ``quantity`` in grams (None: an 'each' product with no weight)."""
    if unit == Unit.GRAMS:
        return quantity
    if unit == Unit.MILLIGRAMS:
        return quantity / 1000
    if unit_weight_grams is None:
        return None
    return quantity * unit_weight_grams


def in_unit(content: Decimal, unit: str, unit_weight_grams: Decimal | None) -> Decimal:
    """Grams back into a package's own unit (3 places)."""
    if unit == Unit.GRAMS:
        value = content
    elif unit == Unit.MILLIGRAMS:
        value = content * 1000
    else:
        assert unit_weight_grams  # checked when the content was computed
        value = content / unit_weight_grams
    return value.quantize(PLACES)


def check_balance(inputs: Decimal, outputs: Decimal, loss: Decimal) -> None:
    """Outputs and the declared loss must account for exactly what the inputs give."""
    if outputs + loss > inputs:
        raise RepackExceedsInputs(inputs=inputs, outputs=outputs, packaging_loss=loss)
    if outputs + loss < inputs:
        missing = inputs - outputs - loss
        raise ValidationError(
            "packagingLoss",
            f"{missing} g of the inputs is not in the outputs: declare it as packaging loss",
        )


def split_loss(available: Sequence[Decimal | None], loss: Decimal) -> list[Decimal]:
    """How much of the loss each input gives, in order; ``available`` is each input's grams,
    None for inputs counted in units (a loss of grams is not taken from a sealed unit)."""
    shares: list[Decimal] = []
    left = loss
    for grams_here in available:
        take = min(left, grams_here) if grams_here is not None else Decimal(0)
        shares.append(take)
        left -= take
    if left > 0:
        raise ValidationError(
            "packagingLoss", "the loss is more than the inputs counted in grams hold"
        )
    return shares


@dataclass(frozen=True)
class Portion:
    input_index: int
    grams: Decimal


def allocate(supplies: Sequence[Decimal], needs: Sequence[Decimal]) -> list[list[Portion]]:
    """Which inputs (by index) fill each output, in order: the ingredients a state records for
    each new package. ``supplies`` and ``needs`` are grams and sum to the same total."""
    left = list(supplies)
    current = 0
    made: list[list[Portion]] = []
    for need in needs:
        portions: list[Portion] = []
        while need > 0 and current < len(left):
            take = min(need, left[current])
            if take > 0:
                portions.append(Portion(current, take))
                need -= take
                left[current] -= take
            if left[current] == 0:
                current += 1
        made.append(portions)
    return made


def yield_pct(inputs: Decimal, outputs: Decimal) -> Decimal:
    return (outputs / inputs * 100).quantize(Decimal("0.01")) if inputs else Decimal(0)


def low_yield(
    actual_pct: Decimal, expected_pct: Decimal | None, min_pct_of_expected: Decimal | None
) -> bool:
    """Whether the yield is below the threshold share of the expected yield (never flagged
    without an expected yield)."""
    if expected_pct is None:
        return False
    threshold = min_pct_of_expected if min_pct_of_expected is not None else DEFAULT_MIN_YIELD_PCT
    return actual_pct < expected_pct * threshold / 100
