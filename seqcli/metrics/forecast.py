"""Forecast errors in the data's units: every metric at every step of the horizon."""

from __future__ import annotations

import numpy as np


def mae(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> float:
    return float(np.abs(forecast - actual).mean())


def rmse(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> float:
    return float(np.sqrt(((forecast - actual) ** 2).mean()))


def smape(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> float:
    """Symmetric MAPE in percent, 0..200: mean of 2|F - A| / (|A| + |F|); 0/0 counts as 0."""
    denominator = np.abs(actual) + np.abs(forecast)
    ratio = np.divide(
        2 * np.abs(forecast - actual),
        denominator,
        out=np.zeros_like(denominator, dtype=np.float64),
        where=denominator > 0,
    )
    return float(100 * ratio.mean())


def mase(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> float:
    """Mean absolute scaled error: each column's MAE over its scale, averaged over columns;
    with several series, each point's error over its own series' scale."""
    return float((np.abs(forecast - actual) / scale).mean(axis=0).mean())


# Every metric takes (points, V) actual and forecast values and the MASE scale: (V,), or
# (points, V) when the points come from series of different scales.
METRICS = {"mae": mae, "rmse": rmse, "smape": smape, "mase": mase}


def forecast_errors(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> dict:
    """Every metric of one forecast of the same points; mae, rmse and smape pool the value
    columns, mase averages each column's own."""
    return {name: metric(actual, forecast, scale) for name, metric in METRICS.items()}


def horizon_errors(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> list[dict]:
    """Every metric at each step h = 1..H of (P, H, V) forecasts from P origins."""
    steps = actual.shape[1]
    return [forecast_errors(actual[:, h], forecast[:, h], scale) for h in range(steps)]


def mean_over_horizon(per_step: list[dict]) -> dict:
    """Each metric averaged over the steps of the horizon, every step weighing the same: the
    figure a forecaster is chosen by (M4's protocol averages sMAPE and MASE likewise)."""
    return {name: float(np.mean([step[name] for step in per_step])) for name in METRICS}


def pinball(actual: np.ndarray, quantiles: np.ndarray, levels: tuple[float, ...]) -> float:
    """Mean pinball (quantile) loss of (..., Q) quantile forecasts of (...) actual values:
    q (A - F) when the forecast is under, (1 - q)(F - A) when over."""
    under = actual[..., None] - quantiles  # (..., Q)
    level = np.asarray(levels)
    return float(np.maximum(level * under, (level - 1) * under).mean())


def interval_rows(actual: np.ndarray, quantiles: np.ndarray, levels: tuple[float, ...]) -> list:
    """[nominal, coverage, mean width] of each central interval the quantiles make: the pair
    (q, 1 - q) around the median bounds an interval of nominal share 1 - 2q."""
    rows = []
    for low in range(len(levels) // 2):
        high = len(levels) - 1 - low
        lower, upper = quantiles[..., low], quantiles[..., high]
        inside = (actual >= lower) & (actual <= upper)
        nominal = levels[high] - levels[low]
        rows.append([f"{nominal:.0%}", float(inside.mean()), float((upper - lower).mean())])
    return rows
