"""Forecast windows as engine batches (the rows before each point, and its targets), and the
model's forecasts of them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from seqcli.data.forecast_data import SeriesMeta, SeriesSplit
from seqcli.engine.contract import Batch
from seqcli.engine.run import Run
from seqcli.tasks.forecaster.residual import baseline_ahead


def windows(split: SeriesSplit, points: np.ndarray, lookback: int) -> torch.Tensor:
    """(B, lookback, F): the rows just before each point, each with the next row's columns
    known ahead, so the last row of a window carries the point's (Darts' future covariates)."""
    rows = points[:, None] + np.arange(-lookback, 0)  # (B, L)
    made = split.scaled[rows]
    if split.future:
        made[..., -split.future :] = split.scaled[rows + 1, -split.future :]
    return torch.from_numpy(made)


def future_rows(split: SeriesSplit, points: np.ndarray, steps: int) -> torch.Tensor | None:
    """(B, steps, K) the columns known ahead from each point on (None: the data has none);
    rows past the series' end repeat its last, where no target is scored."""
    if not split.future:
        return None
    rows = points[:, None] + np.arange(steps)  # (B, S)
    last = split.panel.stops[split.panel.of_row[points]][:, None] - 1  # (B, 1)
    return torch.from_numpy(split.scaled[np.minimum(rows, last), -split.future :])


def direct_targets(split: SeriesSplit, points: np.ndarray, lookback: int, horizon: int):
    """(B, horizon, V): the scaled values from each point on; NaN past the split's end (in
    the point's series)."""
    values = split.raw.shape[1]
    rows = points[:, None] + np.arange(horizon)  # (B, S)
    end = split.end_of(points)[:, None]  # (B, 1)
    targets = split.scaled[np.minimum(rows, end - 1), :values]  # (B, S, V)
    targets[rows >= end] = np.nan
    return torch.from_numpy(targets)


def shifted_targets(split: SeriesSplit, points: np.ndarray, lookback: int, horizon: int):
    """(B, lookback, V): each window's rows one step later, the point itself last."""
    values = split.raw.shape[1]
    rows = points[:, None] + np.arange(-lookback + 1, 1)  # (B, L)
    return torch.from_numpy(split.scaled[rows, :values])


def series_of(split: SeriesSplit, points: np.ndarray, names: tuple[str, ...]) -> torch.Tensor:
    """(B,) each point's series as the run numbers them (meta.series_names), -1 for one it
    was not trained on: a file read later may hold other series, or the same in another
    order."""
    known = {name: number for number, name in enumerate(names)}
    numbers = np.array([known.get(name, -1) for name in split.panel.names])
    return torch.from_numpy(numbers[split.panel.of_row[points]])


def starts_of(split: SeriesSplit, points: np.ndarray, lookback: int) -> torch.Tensor:
    """(B,) each window's first row counted from its series' first row: where in the season
    it starts, for a learned initial season."""
    return torch.from_numpy(points - lookback - split.panel.starts[split.panel.of_row[points]])


Targets = Callable[[SeriesSplit, np.ndarray, int, int], torch.Tensor]


def batch_of(
    split: SeriesSplit,
    points: np.ndarray,
    targets: Targets,
    config,
    meta: SeriesMeta,
    ahead: torch.Tensor | None = None,
) -> Batch:
    """The windows before the points, their series and targets; a residual model's baseline
    forecasts too (ahead: already made for these points)."""
    inputs = {
        "values": windows(split, points, config.lookback),
        "series": series_of(split, points, meta.series_names),
        "start": starts_of(split, points, config.lookback),
    }
    if split.future:
        inputs["future"] = future_rows(split, points, config.horizon)
    if meta.baseline is not None:
        made = ahead if ahead is not None else baseline_ahead(split, points, config, meta)
        inputs["baseline"] = made
    wanted = targets(split, points, config.lookback, config.horizon)
    return Batch(inputs, wanted, size=len(points))


# Rows one forward pass runs when forecasting many origins (validation, evaluate): sunspots'
# roll-out forecast its validation origins 5.7x faster in chunks of 256 origins than of the
# training batch (16), and with 100 sample paths each 2x faster at 64-96 origins (8192 rows
# of the paths) than at 16, slower again past that.
FORWARD_ROWS = 8192


@torch.no_grad()
def scaled_forecast(run: Run, split: SeriesSplit, origins: np.ndarray, steps: int) -> np.ndarray:
    """(P, H, V, Q) the model's forecasts in its scaled units, a chunk of origins at a time."""
    lookback = run.recipe.data.lookback
    size = max(run.recipe.train.batch_size, FORWARD_ROWS // run.model.rows_per_window)
    run.model.eval()
    made = []
    for chunk in np.split(origins, range(size, len(origins), size)):
        values = windows(split, chunk, lookback).to(run.device)  # (B, L, F)
        series = series_of(split, chunk, run.meta.series_names).to(run.device)  # (B,)
        baseline = baseline_ahead(split, chunk, run.recipe.data, run.meta)  # (B, H, V) | None
        baseline = None if baseline is None else baseline.to(run.device)
        future = future_rows(split, chunk, max(steps, run.recipe.data.horizon))  # (B, S, K)
        future = None if future is None else future.to(run.device)
        start = starts_of(split, chunk, lookback).to(run.device)  # (B,)
        forecast = run.model.forecast(values, steps, series, baseline, future, start)
        made.append(forecast.cpu().double().numpy())
    return np.concatenate(made)
