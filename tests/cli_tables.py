"""Tables shaped like the ones evaluate prints, for the tests of how they fit."""

from __future__ import annotations

FORECASTS = (
    "model",
    "naive",
    "seasonal naive",
    "training mean",
    "drift",
    "moving average",
    "exponential smoothing",
    "additive Holt-Winters",
    "multiplicative Holt-Winters",
)


def backtest(origins: int) -> dict:
    """evaluate --backtest's table: a row per origin, a column per forecast (MAE)."""
    rows = [[f"2022-01-{day + 1:02d}", *(8.7512 + i for i in range(9))] for day in range(origins)]
    title = "backtest: MAE over the 7 step(s) forecast from each origin"
    return {title: {"columns": ["forecast from", *FORECASTS], "rows": rows}}
