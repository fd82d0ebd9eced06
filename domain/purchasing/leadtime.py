"""Lead times learned from history (pure): how long a vendor takes from our sending the order
to its receipt being completed at the dock.

The median, because one lost truck must not move the reorder point for months; the spread is
the median absolute deviation scaled by 1.4826 (for normally distributed lead times it equals
the standard deviation, so a safety-stock formula may use it as sigma) — robust against the
same outliers. Fewer than ``MIN_RECEIPTS`` receipts say little: the vendor's own default
applies until there are enough.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np

MIN_RECEIPTS = 3
MAD_TO_SIGMA = 1.4826
_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class LeadTime:
    days: Decimal
    spread_days: Decimal
    learned: bool
    receipts: int  # how many receipts the figure is learned from (0 when not learned)


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(_PLACES, rounding=ROUND_HALF_EVEN)


def learned_lead_time(samples_days: Sequence[Decimal], default_days: Decimal) -> LeadTime:
    """The median and scaled MAD of ``samples_days`` once there are ``MIN_RECEIPTS``, else the
    default with no spread."""
    if len(samples_days) < MIN_RECEIPTS:
        return LeadTime(default_days, Decimal(0), False, 0)
    days = np.asarray([float(s) for s in samples_days], dtype=np.float64)
    median = float(np.median(days))
    mad = float(np.median(np.abs(days - median)))
    return LeadTime(_decimal(median), _decimal(mad * MAD_TO_SIGMA), True, len(samples_days))
