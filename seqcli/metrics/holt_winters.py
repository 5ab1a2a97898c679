"""Holt-Winters (additive trend and season) as a baseline: statsmodels fits it on a series'
training part once; the fitted recursion then runs forward over the rows, so a forecast from
any later origin reads only the rows before it, with the weights fixed like the model's.

statsmodels is an optional extra (`pip install seqcli[forecast]`); without it the baseline
is left out and evaluate says so."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class Fitted:
    alpha: float
    beta: float
    gamma: float
    level: float  # before the first row
    trend: float
    seasons: tuple[float, ...]  # the m seasonal terms before the first row, oldest first


def available() -> bool:
    try:
        import statsmodels.tsa.holtwinters  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=64)  # validation asks again at every evaluation of a training run
def fitted(values: bytes, season: int) -> Fitted:
    """The smoothing constants and initial states statsmodels fits to one column's training
    part (initial states by its heuristic: quick, and it needs two whole seasons)."""
    import warnings

    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    series = np.frombuffer(values)
    model = ExponentialSmoothing(
        series, trend="add", seasonal="add", seasonal_periods=season,
        initialization_method="heuristic",
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the fit is a baseline's
        params = model.fit().params
    return Fitted(
        *(float(params[key]) for key in ("smoothing_level", "smoothing_trend")),
        float(params["smoothing_seasonal"]),
        float(params["initial_level"]),
        float(params["initial_trend"]),
        tuple(float(s) for s in params["initial_seasons"]),
    )


def forecasts_after(values: np.ndarray, fit: Fitted, steps: int) -> np.ndarray:
    """(N, H): row t's entry forecasts rows t+1 .. t+H from rows 0..t of one column, by
    statsmodels' additive recursion (Hyndman & Athanasopoulos, FPP 8.3)."""
    level, trend, seasons = fit.level, fit.trend, list(fit.seasons)
    season, ahead = len(seasons), np.arange(1, steps + 1)
    made = np.empty((len(values), steps))
    for t, value in enumerate(values):
        old = seasons[-season]  # the same point of the season, one season back
        previous, level = level, fit.alpha * (value - old) + (1 - fit.alpha) * (level + trend)
        seasons.append(fit.gamma * (value - previous - trend) + (1 - fit.gamma) * old)
        trend = fit.beta * (level - previous) + (1 - fit.beta) * trend
        recent = np.asarray(seasons[-season:])  # the last season's terms, oldest first
        made[t] = level + ahead * trend + recent[(ahead - 1) % season]
    return made
