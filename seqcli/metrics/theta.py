"""The Theta method (Assimakopoulos & Nikolopoulos 2000, the M3 winner) as a baseline, in
Hyndman & Billah's form: simple exponential smoothing plus half the slope of the training
line, on values the season was taken out of. statsmodels' ThetaModel fits it on a series'
training part once (its seasonality test, classical decomposition, OLS slope and smoothing
constant); the fitted recursion then runs forward over the rows, so a forecast from any later
origin reads only the rows before it, with nothing refitted.

statsmodels is an optional extra (`pip install 'seqcli[forecast]'`); without it this baseline
is left out."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# How a season enters: taken out of a row (deseason) and put back into a forecast (combine).
SEASONALITY = {
    "add": (operator.sub, operator.add),
    "mul": (operator.truediv, operator.mul),
}


@dataclass(frozen=True)
class ThetaFit:
    alpha: float  # the smoothing constant
    slope: float  # b0, the training line's slope per row
    method: str  # a key of SEASONALITY
    seasons: tuple[float, ...]  # the index of each position of the season; () when none


@lru_cache(maxsize=64)  # validation asks again at every evaluation of a training run
def theta_fit(values: bytes, season: int | None) -> ThetaFit:
    """What statsmodels fits to one column's training part."""
    import warnings

    from statsmodels.tsa.forecasting.theta import ThetaModel

    train = np.frombuffer(values)
    seasonal = season is not None and season > 1
    model = ThetaModel(train, period=season if seasonal else 1, deseasonalize=seasonal)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the fit is a baseline's
        fit = model.fit()
    seasons: tuple[float, ...] = ()
    if seasonal:
        # forecast_components gives the index of positions len(train), len(train) + 1, ...
        index = np.asarray(fit.forecast_components(season)["seasonal"])
        seasons = tuple(float(s) for s in np.roll(index, len(train) % season))
    b0, alpha = (float(value) for value in fit.params)
    return ThetaFit(alpha, b0, fit.model.method[:3], seasons)


def theta_forecasts(values: np.ndarray, fit: ThetaFit, steps: int) -> np.ndarray:
    """(N, H): row t's entry forecasts rows t+1 .. t+H from rows 0..t of one column."""
    deseason, combine = SEASONALITY[fit.method]
    rows = np.arange(len(values))
    indices = np.asarray(fit.seasons) if fit.seasons else None
    plain = deseason(values, indices[rows % len(indices)]) if indices is not None else values
    level, made = plain[0], np.empty((len(values), steps))
    ahead = np.arange(steps)  # h - 1
    alpha = fit.alpha
    for t, value in enumerate(plain):
        level = alpha * value + (1 - alpha) * level
        # The drift of Hyndman & Billah (2003) with theta = 2: half the training slope,
        # plus how far the smoothed level lags the line after t + 1 rows.
        made[t] = level + fit.slope / 2 * (ahead + _caught_up(alpha, t + 1))
        if indices is not None:
            made[t] = combine(made[t], indices[(t + 1 + ahead) % len(indices)])
    return made


def _caught_up(alpha: float, rows: int) -> float:
    """(1 - (1 - alpha)^rows) / alpha, taken as 0 at alpha 0 as statsmodels does."""
    return (1 - (1 - alpha) ** rows) / alpha if alpha > 0 else 0.0
