"""Holt-Winters (additive trend; additive or multiplicative season) as a baseline: statsmodels
fits it on a series' training part once; the fitted recursion then runs forward over the rows,
so a forecast from any later origin reads only the rows before it, with the constants fixed
like the model's weights.

statsmodels is an optional extra (`pip install 'seqcli[forecast]'`); without it these
baselines are left out."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from seqcli.extras import installed

# How a season enters: taken out of a row (deseason) and put back into a forecast (combine).
SEASONALITY = {
    "add": (operator.sub, operator.add),
    "mul": (operator.truediv, operator.mul),
}


@dataclass(frozen=True)
class Fitted:
    kind: str  # a key of SEASONALITY
    alpha: float
    beta: float
    gamma: float
    level: float  # before the first row
    trend: float
    seasons: tuple[float, ...]  # the m seasonal terms before the first row, oldest first


def available() -> bool:
    return installed("statsmodels")


@lru_cache(maxsize=64)  # validation asks again at every evaluation of a training run
def fitted(values: bytes, season: int, kind: str) -> Fitted:
    """The smoothing constants and initial states statsmodels fits to one column's training
    part (initial states by its heuristic: quick, and it needs two whole seasons)."""
    import warnings

    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    model = ExponentialSmoothing(
        np.frombuffer(values), trend="add", seasonal=kind, seasonal_periods=season,
        initialization_method="heuristic",
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the fit is a baseline's
        params = model.fit().params
    keys = ("smoothing_level", "smoothing_trend", "smoothing_seasonal", "initial_level")
    alpha, beta, gamma, level = (float(params[key]) for key in keys)
    return Fitted(
        kind,
        alpha,
        beta,
        gamma,
        level,
        float(params["initial_trend"]),
        tuple(float(s) for s in params["initial_seasons"]),
    )


def forecasts_after(values: np.ndarray, fit: Fitted, steps: int) -> np.ndarray:
    """(N, H): row t's entry forecasts rows t+1 .. t+H from rows 0..t of one column, by
    statsmodels' recursion (Hyndman & Athanasopoulos, FPP 8.3)."""
    deseason, combine = SEASONALITY[fit.kind]
    level, trend, seasons = fit.level, fit.trend, list(fit.seasons)
    season, ahead = len(seasons), np.arange(1, steps + 1)
    made = np.empty((len(values), steps))
    for t, value in enumerate(values):
        old = seasons[-season]  # the same point of the season, one season back
        previous = level
        level = fit.alpha * deseason(value, old) + (1 - fit.alpha) * (previous + trend)
        new = fit.gamma * deseason(value, previous + trend) + (1 - fit.gamma) * old
        seasons.append(new)
        trend = fit.beta * (level - previous) + (1 - fit.beta) * trend
        recent = np.asarray(seasons[-season:])  # the last season's terms, oldest first
        made[t] = combine(level + ahead * trend, recent[(ahead - 1) % season])
    return made
