"""Whether a series repeats at a period, from its sample autocorrelation (Box & Jenkins; the
band is Bartlett's): the calendar proposes a season, the values confirm it. Monthly sunspots
follow an 11-year cycle, not the year; daily temperatures the year, not the week."""

from __future__ import annotations

import math

import numpy as np

REACH = 0.05  # a peak this share of the season away counts: 365.25 days peak at 364-367
Z_95 = 1.96


def autocorrelation(x: np.ndarray, lags: int) -> np.ndarray:
    """r_0 .. r_lags, each lag's sum of products over the whole series' sum of squares."""
    centred = x - x.mean()
    total = float(centred @ centred)
    return np.array([1.0] + [float(centred[k:] @ centred[:-k]) / total for k in range(1, lags + 1)])


def repeats(values: np.ndarray, season: float) -> bool:
    """On the values or on their first differences (a trend hides a season's bump, noise
    from one row to the next hides a long season's), a peak of the autocorrelation near
    the season, above Bartlett's 95% band."""
    return any(peaks_near(series, season) for series in (values, np.diff(values)))


def peaks_near(x: np.ndarray, season: float) -> bool:
    """The highest autocorrelation within the season's reach lies inside that window, not at
    its edge, and both it and its rise from the lowest shorter lag clear Bartlett's band: a
    slow decay with a wiggle of noise at the lag is not a season, a dip and a return are."""
    lag = round(season)
    reach = max(1, round(REACH * season))
    if len(x) <= lag + reach or not np.ptp(x):
        return False
    r = autocorrelation(x, lag + reach)
    top = lag - reach + int(np.argmax(r[lag - reach : lag + reach + 1]))
    if top in (lag - reach, lag + reach):
        return False
    band = Z_95 * math.sqrt((1 + 2 * float(np.sum(r[1:top] ** 2))) / len(x))
    return bool(min(r[top], r[top] - r[1:top].min()) > band)
