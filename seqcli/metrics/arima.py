"""AutoARIMA as a baseline: statsforecast's AutoARIMA (Hyndman & Khandakar 2008's stepwise
search: unit-root tests for the differencing, then the orders with the lowest AICc) chooses
and fits a (seasonal) ARIMA on a series' training part once. Its fitted coefficients then run
forward over all of the series' rows in statsmodels' state-space form (the Kalman filter, so
exact as statsforecast's own forecast is), and a forecast from any later origin reads only the
rows before it, with nothing refitted.

statsforecast is an optional extra (`pip install 'seqcli[forecast]'`); importing it takes about
2 s of CPU on its own (0.7 s once statsmodels and pandas are loaded), so it is imported only when
a recipe asks for this baseline (data.auto_arima)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from seqcli.extras import installed
from seqcli.metrics.ets import LONGEST_SEASON  # longer seasons are fitted without one


@dataclass(frozen=True)
class ArimaFit:
    order: tuple[int, int, int]  # (p, d, q)
    seasonal: tuple[int, int, int, int]  # (P, D, Q, m); all 0 without a season
    params: tuple[float, ...]  # ar, ma, seasonal ar, seasonal ma, in statsmodels' order
    intercept: float  # the mean, when nothing is differenced
    drift: float  # the slope per row, when one difference is taken


def arima_available() -> bool:
    return installed("statsforecast")


@lru_cache(maxsize=64)  # validation asks again at every evaluation of a training run
def arima_fit(values: bytes, period: int) -> ArimaFit:
    """The orders AutoARIMA chooses for one column's training part, and their coefficients."""
    from statsforecast.arima import auto_arima_f

    period = period if 1 < period <= LONGEST_SEASON else 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the fit is a baseline's
        model = auto_arima_f(np.frombuffer(values).copy(), period=period)
    p, q, big_p, big_q, m, d, big_d = model["arma"]
    coef = {name: float(value) for name, value in model["coef"].items()}
    names = [f"ar{k}" for k in range(1, p + 1)] + [f"ma{k}" for k in range(1, q + 1)]
    names += [f"sar{k}" for k in range(1, big_p + 1)] + [f"sma{k}" for k in range(1, big_q + 1)]
    return ArimaFit(
        (p, d, q),
        (big_p, big_d, big_q, m if big_p + big_d + big_q else 0),
        tuple(coef[name] for name in names),
        coef.get("intercept", 0.0),
        coef.get("drift", 0.0),
    )


def mean_of_rows(fit: ArimaFit, rows: np.ndarray) -> np.ndarray:
    """The regression part at 0-based rows: statsforecast's drift regressor counts from 1."""
    return fit.intercept + fit.drift * (rows + 1)


def arima_forecasts(values: np.ndarray, fit: ArimaFit, steps: int) -> np.ndarray:
    """(N, H): row t's entry forecasts rows t+1 .. t+H from the filtered state after rows
    0..t of one column (the ARIMA part on the values less their mean and drift)."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    rows = np.arange(len(values))
    model = SARIMAX(values - mean_of_rows(fit, rows), order=fit.order, seasonal_order=fit.seasonal)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # sigma2 scales the state's variance, not its mean: any value gives the same forecast.
        filtered = model.filter(np.array([*fit.params, 1.0]))
    transition = model.ssm.transition[:, :, 0]  # (k, k)
    design = model.ssm.design[0, :, 0]  # (k,)
    state = filtered.filtered_state.T  # (N, k) the state after each row
    made = np.empty((len(values), steps))
    for ahead in range(steps):
        state = state @ transition.T
        made[:, ahead] = state @ design + mean_of_rows(fit, rows + 1 + ahead)
    return made
