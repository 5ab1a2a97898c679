"""Forecast errors in the data's units, and the naive forecasts every model must beat."""

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
    """Mean absolute scaled error: each column's MAE over its scale, averaged over columns."""
    return float((np.abs(forecast - actual).mean(axis=0) / scale).mean())


# Every metric takes (points, V) actual and forecast values and the (V,) MASE scale.
METRICS = {"mae": mae, "rmse": rmse, "smape": smape, "mase": mase}


def forecast_errors(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> dict:
    """Every metric of one forecast of the same points; mae, rmse and smape pool the value
    columns, mase averages each column's own."""
    return {name: metric(actual, forecast, scale) for name, metric in METRICS.items()}


def persistence(history: np.ndarray, points: np.ndarray, season: int) -> np.ndarray:
    """(P, V): each point forecast as the value just before it."""
    return history[points - 1]


def seasonal_naive(history: np.ndarray, points: np.ndarray, season: int) -> np.ndarray:
    """(P, V): each point forecast as the value one season before it."""
    return history[points - season]


BASELINES = {"persistence": persistence, "seasonal_naive": seasonal_naive}


def baseline_errors(history: np.ndarray, points: np.ndarray, season: int, scale) -> dict:
    """Each baseline's metrics on the same points the model forecast, from the true past."""
    actual = history[points]
    return {
        name: forecast_errors(actual, baseline(history, points, season), scale)
        for name, baseline in BASELINES.items()
    }


def comparison_table(errors: dict, baselines: dict, *, points: int, season: int) -> dict:
    """The model's errors with the baselines' beneath, as an evaluate details table."""
    names = {
        "persistence": "persistence (last value)",
        "seasonal_naive": f"seasonal naive (lag {season})",
    }
    rows = [["model", *errors.values()]]
    rows += [[names[name], *baselines[name].values()] for name in BASELINES]
    title = f"one-step forecasts of {points} points, in the data's units"
    return {title: {"columns": ["forecast", *METRICS], "rows": rows}}
