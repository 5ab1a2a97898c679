"""AutoETS as a baseline: statsmodels' ETSModel (additive errors) fitted on a series' training
part in every form the series allows, no trend, additive or damped trend, times no, additive
or multiplicative season, and the one with the lowest AICc kept (Hyndman et al. 2002's
automatic selection). The chosen model's fitted constants then smooth all of the series' rows,
so a forecast from any later origin reads only the rows before it, with nothing refitted.

statsmodels is an optional extra (`pip install 'seqcli[forecast]'`); without it this baseline
is left out."""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

TRENDS = {"none": (None, False), "additive": ("add", False), "damped": ("add", True)}
SEASONS = {"none": None, "additive": "add", "multiplicative": "mul"}
# Longer seasons are fitted without one, as R's forecast::ets and statsforecast's AutoETS do:
# hundreds of initial seasonal states would be estimated from a few seasons.
LONGEST_SEASON = 24


@dataclass(frozen=True)
class EtsFit:
    trend: str  # a key of TRENDS
    season: str  # a key of SEASONS
    period: int  # rows per season (1: none)
    params: tuple[float, ...]  # statsmodels' fitted parameters, in its order


def _model(values: np.ndarray, trend: str, season: str, period: int):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    kind, damped = TRENDS[trend]
    seasonal = SEASONS[season]
    return ETSModel(
        values, error="add", trend=kind, damped_trend=damped, seasonal=seasonal,
        seasonal_periods=period if seasonal else None,
    )  # fmt: skip


def candidates(train: np.ndarray, period: int) -> list[tuple[str, str]]:
    """The (trend, season) forms worth fitting: a season only with one of at most
    LONGEST_SEASON rows, and a multiplicative one only above zero."""
    seasons = ["none"]
    if 1 < period <= LONGEST_SEASON:
        seasons += ["additive", "multiplicative"] if (train > 0).all() else ["additive"]
    return list(itertools.product(TRENDS, seasons))


@lru_cache(maxsize=64)  # validation asks again at every evaluation of a training run
def ets_fit(values: bytes, period: int) -> EtsFit:
    """The form with the lowest AICc on one column's training part, and its parameters."""
    train = np.frombuffer(values)
    best, best_aicc = None, np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the fit is a baseline's
        for trend, season in candidates(train, period):
            result = _model(train, trend, season, period).fit(disp=False)
            if np.isfinite(result.aicc) and result.aicc < best_aicc:
                best = EtsFit(trend, season, period, tuple(float(p) for p in result.params))
                best_aicc = result.aicc
    assert best is not None, "every ETS form failed to fit"
    return best


def ets_forecasts(values: np.ndarray, fit: EtsFit, steps: int) -> np.ndarray:
    """(N, H): row t's entry forecasts rows t+1 .. t+H from the states after rows 0..t."""
    model = _model(values, fit.trend, fit.season, fit.period)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        states = np.asarray(model.smooth(np.asarray(fit.params)).states)  # (N, 1..3)
    level = states[:, 0]
    trend = states[:, 1] if fit.trend != "none" else np.zeros_like(level)
    ahead = np.arange(1, steps + 1)
    # FPP 8.4: the trend adds phi + phi^2 + ... + phi^h of itself h steps ahead.
    damping = fit.params[model.param_names.index("damping_trend")] if fit.trend == "damped" else 1
    reach = np.cumsum(float(damping) ** ahead)  # (H,)
    made = level[:, None] + reach * trend[:, None]  # (N, H)
    if fit.season == "none":
        return made
    return _seasoned(made, states[:, -1], fit, model.param_names)


def _seasoned(made: np.ndarray, seasons: np.ndarray, fit: EtsFit, names: list[str]) -> np.ndarray:
    """The season put back: step h from row t takes the term of row t + h - m(k + 1), the
    same point of the last season known at t (k = (h - 1) // m)."""
    period, steps = fit.period, made.shape[1]
    # statsmodels lists the initial terms newest first (s_-1 .. s_-m).
    first = [fit.params[names.index(f"initial_seasonal.{k}")] for k in range(period)]
    terms = np.concatenate([first[::-1], seasons])  # term of row r at r + m
    ahead = np.arange(1, steps + 1)
    back = period * ((ahead - 1) // period + 1)  # (H,)
    rows = np.arange(len(made))[:, None] + ahead - back + period  # (N, H) into terms
    combine = np.multiply if fit.season == "multiplicative" else np.add
    return combine(made, terms[rows])
