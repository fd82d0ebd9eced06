"""Daily demand per product from daily sales, corrected for days the shelf was empty.

Pure numpy, no I/O: every function takes arrays shaped ``(products, days)`` (oldest day first)
and answers per product, so one call covers a whole store.

Censored demand: a day the product was not on the sales floor (or ran out during it) shows the
sales the stock allowed, not the demand; averaging it in as a low or zero day is what makes a
store that runs out keep ordering too little and run out again. Such days are left out of every
estimate below, rather than imputed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

# Half the weight of the baseline sits in the most recent 14 selling days: recent enough to
# follow a trend, long enough not to chase one promotion.
HALF_LIFE_DAYS = 14.0
# Weekday factors lean towards 1 until a weekday has been seen this many times.
WEEKDAY_PRIOR_DAYS = 2.0


@dataclass(frozen=True)
class Demand:
    """Per product (all arrays have one entry per product, in input order)."""

    velocity: FloatArray  # units/day, weekday effect removed (an average weekday)
    sigma: FloatArray  # standard deviation of a day's demand around the velocity
    weekday_factors: FloatArray  # (products, 7): Monday = 0; average 1 per product
    observed_days: IntArray  # days the product was on the floor all day (counted)
    stockout_days: IntArray  # days left out as censored, once the product was carried


def available_days(closing: FloatArray) -> BoolArray:
    """A day counts when the floor still held the product at closing: a day that ran out, or
    never had it, saw less than its demand. A day that started empty and was restocked counts
    (restocks come before the doors open; the time of day is not read)."""
    return closing > 0


def weekday_factors(
    sales: FloatArray, available: BoolArray, weekdays: IntArray, prior: float = WEEKDAY_PRIOR_DAYS
) -> FloatArray:
    """How much each weekday sells relative to the product's average day (counted days only).

    Each weekday's mean is pulled towards the overall mean by ``prior`` pseudo-days, so a weekday
    seen once or twice does not swing the forecast; the factors are scaled to average 1.
    """
    products = sales.shape[0]
    counted = np.where(available, sales, 0.0)
    days = available.sum(axis=1).astype(np.float64)
    overall = np.divide(counted.sum(axis=1), days, out=np.zeros(products), where=days > 0)
    factors = np.ones((products, 7))
    for weekday in range(7):
        on = weekdays == weekday
        total = counted[:, on].sum(axis=1)
        seen = available[:, on].sum(axis=1).astype(np.float64)
        mean = (total + prior * overall) / (seen + prior)
        factors[:, weekday] = np.divide(mean, overall, out=np.ones(products), where=overall > 0)
    scale = factors.mean(axis=1, keepdims=True)
    return factors / np.where(scale > 0, scale, 1.0)


def estimate(
    sales: FloatArray,
    available: BoolArray,
    weekdays: IntArray,
    half_life: float = HALF_LIFE_DAYS,
) -> Demand:
    """Censored, weekday-adjusted, exponentially weighted daily demand and its variability.

    ``sales[p, d]`` is what product p sold on day d (net of voids and returns), ``available[p, d]``
    whether that day counts (see ``available_days``), ``weekdays[d]`` the day's weekday. Weights
    halve every ``half_life`` calendar days back from the last day; a product with no counted day
    has velocity 0 (nothing to learn from).
    """
    sales = np.asarray(sales, dtype=np.float64)
    available = np.asarray(available, dtype=bool)
    weekdays = np.asarray(weekdays, dtype=np.int64)
    products, days = sales.shape
    factors = weekday_factors(sales, available, weekdays)
    day_factor = factors[:, weekdays] if days else np.ones((products, 0))
    deseasoned = np.divide(sales, day_factor, out=np.zeros_like(sales), where=day_factor > 0)
    age = (days - 1 - np.arange(days)).astype(np.float64)
    weights = np.where(available, 0.5 ** (age / half_life), 0.0)
    total = weights.sum(axis=1)
    velocity = np.divide(
        (weights * deseasoned).sum(axis=1), total, out=np.zeros(products), where=total > 0
    )
    spread = weights * (deseasoned - velocity[:, None]) ** 2
    variance = np.divide(spread.sum(axis=1), total, out=np.zeros(products), where=total > 0)
    # With few counted days the sample variance understates the spread: fall back to Poisson
    # (variance = mean), the least a count of sales can vary.
    observed = available.sum(axis=1)
    # Days before the product first reached the floor were not stockouts: it was not carried yet.
    carried = np.maximum.accumulate(available | (sales > 0), axis=1)
    sigma = np.sqrt(
        np.where(observed >= 7, np.maximum(variance, 0.0), np.maximum(variance, velocity))
    )
    return Demand(
        velocity=velocity,
        sigma=sigma,
        weekday_factors=factors,
        observed_days=observed.astype(np.int64),
        stockout_days=(carried & ~available).sum(axis=1).astype(np.int64),
    )


def floor_levels(
    closing_now: FloatArray, floor_deltas: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Each day's opening and closing floor quantity, walked back from the quantity now.

    ``floor_deltas[p, d]`` is the net change of the floor on day d (in minus out); the last day
    in the window is today, so its closing is what the floor holds now.
    """
    after = np.cumsum(floor_deltas[:, ::-1], axis=1)[:, ::-1]  # change from day d's start to now
    opening = closing_now[:, None] - after
    closing = opening + floor_deltas
    # Rounding in the Decimal → float trip must not turn an empty floor into 1e-12.
    return np.round(opening, 6), np.round(closing, 6)
