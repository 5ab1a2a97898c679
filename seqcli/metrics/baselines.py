"""The forecasts a model must beat, made from exactly the origins and horizons it was given.

Each baseline reads only the rows before its origin in its own series: the origin t's
forecast of rows t .. t+H-1 comes from raw[start:t] (and from parameters fitted on the
series' training part, which lies before every origin evaluated)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from seqcli.metrics.arima import arima_available, arima_fit, arima_forecasts
from seqcli.metrics.climatology import anomaly_persistence, climatology, fits_climatology
from seqcli.metrics.ets import ets_fit, ets_forecasts
from seqcli.metrics.holt_winters import available, fitted, forecasts_after
from seqcli.metrics.theta import theta_fit, theta_forecasts

Baseline = Callable[["Past", np.ndarray, int], np.ndarray]


@dataclass(frozen=True)
class Past:
    """What the baselines may read: the series (one or several, each contiguous) and how
    they were split and configured."""

    raw: np.ndarray  # (N, V) value columns in data units
    of_row: np.ndarray  # (N,) the series each row belongs to
    starts: np.ndarray  # (S,) each series' first row
    train_ends: np.ndarray  # (S,) [start, train_end) is its training part
    season: int | None  # rows per season; None: the series has none
    window: int  # the moving average's rows
    auto_ets: bool = False  # fit AutoETS too (data.auto_ets): seconds per series
    auto_arima: bool = False  # fit AutoARIMA too (data.auto_arima): seconds per series

    def training_parts(self) -> list[np.ndarray]:
        return [self.raw[s:t] for s, t in zip(self.starts, self.train_ends, strict=True)]


def naive(past: Past, origins: np.ndarray, steps: int) -> np.ndarray:
    """(P, H, V): the last known value, held."""
    return np.repeat(past.raw[origins - 1][:, None], steps, axis=1)


def seasonal_naive(past: Past, origins: np.ndarray, steps: int) -> np.ndarray:
    """(P, H, V): each step as the same step of the last season known at the origin."""
    ahead = np.arange(steps)
    back = past.season * (ahead // past.season + 1)  # (H,) whole seasons, reaching before t
    return past.raw[origins[:, None] + ahead - back]


def training_mean(past: Past, origins: np.ndarray, steps: int) -> np.ndarray:
    """(P, H, V): the mean of the training part of the origin's series."""
    means = np.stack([part.mean(axis=0) for part in past.training_parts()])  # (S, V)
    return np.repeat(means[past.of_row[origins]][:, None], steps, axis=1)


def drift(past: Past, origins: np.ndarray, steps: int) -> np.ndarray:
    """(P, H, V): the random walk with drift, the line from the first row to the last known
    one, carried on (Hyndman & Athanasopoulos, Forecasting: Principles and Practice, 5.2)."""
    start = past.starts[past.of_row[origins]]  # (P,)
    last = past.raw[origins - 1]  # (P, V)
    slope = (last - past.raw[start]) / np.maximum(origins - 1 - start, 1)[:, None]  # (P, V)
    ahead = np.arange(1, steps + 1)[None, :, None]  # (1, H, 1)
    return last[:, None] + ahead * slope[:, None]


def moving_average(past: Past, origins: np.ndarray, steps: int) -> np.ndarray:
    """(P, H, V): the mean of the last `window` rows, each forecast step fed back in as a row,
    so a series that is a moving average of its own past is forecast exactly at every step."""
    rows = origins[:, None] + np.arange(-past.window, 0)  # (P, W)
    recent = list(np.moveaxis(past.raw[rows], 1, 0))  # W arrays of (P, V)
    forecast = []
    for _ in range(steps):
        forecast.append(np.mean(recent[-past.window :], axis=0))
        recent.append(forecast[-1])
    return np.stack(forecast, axis=1)


SMOOTHING_GRID = np.linspace(0.01, 1.0, 100)  # the smoothing constants tried


def smoothed_levels(raw: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """(N, ..., V) level after each row of simple exponential smoothing, l_t = a y_t +
    (1 - a) l_(t-1) from l_0 = y_0, for (..., V) smoothing constants alpha."""
    level = np.broadcast_to(raw[0], alpha.shape).astype(np.float64)
    levels = np.empty((len(raw), *alpha.shape))
    for t, row in enumerate(raw):
        level = alpha * row + (1 - alpha) * level
        levels[t] = level
    return levels


def fitted_alpha(train: np.ndarray) -> np.ndarray:
    """(V,) smoothing constant per column minimising the training part's one-step squared
    error, chosen on a grid of 0.01 steps (enough: the error is flat near its minimum)."""
    grid = np.repeat(SMOOTHING_GRID[:, None], train.shape[1], axis=1)  # (A, V)
    levels = smoothed_levels(train, grid)  # (N, A, V)
    errors = ((train[1:, None] - levels[:-1]) ** 2).sum(axis=0)  # (A, V)
    return SMOOTHING_GRID[errors.argmin(axis=0)]


def exponential_smoothing(past: Past, origins: np.ndarray, steps: int) -> np.ndarray:
    """(P, H, V): simple exponential smoothing's level after the last known row, held; its
    constant fitted on the training part of each series."""
    levels = np.empty_like(past.raw)
    stops = [*past.starts[1:], len(past.raw)]
    for start, stop, part in zip(past.starts, stops, past.training_parts(), strict=True):
        # The level after row t reads rows start..t only, so it is the past of origin t+1.
        levels[start:stop] = smoothed_levels(past.raw[start:stop], fitted_alpha(part))
    return np.repeat(levels[origins - 1][:, None], steps, axis=1)


def smoothing_label(past: Past) -> str:
    if len(past.starts) > 1:
        return "exponential smoothing (alpha fitted per series)"
    (part,) = past.training_parts()
    return f"exponential smoothing (alpha {', '.join(f'{a:.2f}' for a in fitted_alpha(part))})"


ColumnForecasts = Callable[[bytes, np.ndarray, int, "int | None"], np.ndarray]


def fitted_forward(forecasts_of: ColumnForecasts) -> Baseline:
    """A baseline fitted on each column of each series' training part (given as bytes, so
    the fit can be cached), then run forward over all of that series' rows with the fitted
    constants: forecasts_of(training part, rows, steps) -> (N, H), row t's entry made after
    rows 0..t."""

    def forecast(past: Past, origins: np.ndarray, steps: int) -> np.ndarray:
        made = np.empty((*past.raw.shape[:1], steps, past.raw.shape[1]))  # (N, H, V)
        stops = [*past.starts[1:], len(past.raw)]
        for start, stop, part in zip(past.starts, stops, past.training_parts(), strict=True):
            for column in range(past.raw.shape[1]):
                data = np.ascontiguousarray(part[:, column]).tobytes()
                rows = past.raw[start:stop, column]
                made[start:stop, :, column] = forecasts_of(data, rows, steps, past.season)
        return made[origins - 1]  # the forecasts made after the row before each origin

    return forecast


def holt_winters(kind: str) -> Baseline:
    """Holt-Winters whose season enters as kind says ("add" or "mul"), fitted by statsmodels
    on each series' training part."""
    return fitted_forward(
        lambda data, rows, steps, season: forecasts_after(rows, fitted(data, season, kind), steps)
    )


theta = fitted_forward(
    lambda data, rows, steps, season: theta_forecasts(rows, theta_fit(data, season), steps)
)


ets = fitted_forward(
    lambda data, rows, steps, season: ets_forecasts(rows, ets_fit(data, season or 1), steps)
)


def fits_ets(past: Past) -> bool:
    """Asked for (data.auto_ets), ten rows and, with a season, two whole seasons in every
    training part (the seasonal forms' starting states need them), and statsmodels."""
    return past.auto_ets and _has_rows(past, seasons=2, rows=10) and available()


arima = fitted_forward(
    lambda data, rows, steps, season: arima_forecasts(rows, arima_fit(data, season or 1), steps)
)


def fits_arima(past: Past) -> bool:
    """Asked for (data.auto_arima), ten rows and, with a season, two whole seasons in every
    training part (a seasonal difference and its terms need them), and statsforecast."""
    return past.auto_arima and _has_rows(past, seasons=2, rows=10) and arima_available()


def fits_theta(past: Past) -> bool:
    """Two whole seasons in every training part (the classical decomposition needs them),
    at least four rows, and statsmodels installed."""
    return _has_rows(past, seasons=2, rows=4) and available()


def fits_holt_winters(past: Past) -> bool:
    """A season, two whole ones and ten rows in every training part (statsmodels' heuristic
    start needs them), and statsmodels installed."""
    if past.season is None or past.season < 2:
        return False
    return _has_rows(past, seasons=2, rows=10) and available()


def _has_rows(past: Past, *, seasons: int, rows: int) -> bool:
    """Every training part holds `seasons` whole seasons (when the series has one) and `rows`."""
    season = past.season if past.season is not None and past.season > 1 else 0
    return min(len(part) for part in past.training_parts()) >= max(seasons * season, rows)


def fits_multiplicative(past: Past) -> bool:
    """A season that scales the level needs a level that stays above zero."""
    return fits_holt_winters(past) and all((part > 0).all() for part in past.training_parts())


@dataclass(frozen=True)
class BaselineSpec:
    forecast: Baseline
    label: Callable[[Past], str]  # how the tables name it
    applies: Callable[[Past], bool] = lambda past: True


BASELINES = {
    "naive": BaselineSpec(naive, lambda past: "naive (last value)"),
    "seasonal_naive": BaselineSpec(
        seasonal_naive,
        lambda past: f"seasonal naive (lag {past.season})",
        # A season of one row would only repeat the naive forecast.
        applies=lambda past: past.season is not None and past.season > 1,
    ),
    "mean": BaselineSpec(training_mean, lambda past: "training mean"),
    "drift": BaselineSpec(drift, lambda past: "drift"),
    "moving_average": BaselineSpec(
        moving_average, lambda past: f"moving average ({past.window} rows)"
    ),
    "exponential_smoothing": BaselineSpec(exponential_smoothing, smoothing_label),
    "holt_winters": BaselineSpec(
        holt_winters("add"), lambda past: "additive Holt-Winters", applies=fits_holt_winters
    ),
    "holt_winters_multiplicative": BaselineSpec(
        holt_winters("mul"),
        lambda past: "multiplicative Holt-Winters",
        applies=fits_multiplicative,
    ),
    "climatology": BaselineSpec(
        climatology, lambda past: "climatology (seasonal mean)", applies=fits_climatology
    ),
    "anomaly_persistence": BaselineSpec(
        anomaly_persistence, lambda past: "anomaly persistence", applies=fits_climatology
    ),
    "theta": BaselineSpec(theta, lambda past: "Theta", applies=fits_theta),
    "ets": BaselineSpec(ets, lambda past: "AutoETS", applies=fits_ets),
    "arima": BaselineSpec(arima, lambda past: "AutoARIMA", applies=fits_arima),
}


def baseline_forecasts(past: Past, origins: np.ndarray, steps: int) -> dict[str, np.ndarray]:
    """Label -> (P, H, V) forecast of every baseline that applies to this series."""
    return {
        spec.label(past): spec.forecast(past, origins, steps)
        for spec in BASELINES.values()
        if spec.applies(past)
    }
