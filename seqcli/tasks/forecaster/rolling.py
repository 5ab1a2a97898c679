"""Bands recalibrated as the values arrive, as a forecaster in use would be (rolling conformal,
as Darts' conformal models do over historical forecasts): the band from an origin is calibrated
on every out-of-sample value known when it is made, from the end of the training part up to
the origin. The weights stay as trained; the checkpoint's offsets are this calibration at the
end of validation, what generate uses."""

from __future__ import annotations

import numpy as np
import torch

from seqcli.data.forecast_data import SeriesSplit
from seqcli.metrics.conformal import RunningConformal, band_scores
from seqcli.models.forecaster import window_spread
from seqcli.tasks.forecaster.batches import scaled_forecast, windows


@torch.no_grad()
def rolling_forecast(run, split: SeriesSplit, origins: np.ndarray, steps: int) -> np.ndarray:
    """(P, H, V, Q) the model's forecasts in scaled units, each band calibrated at its origin."""
    band = run.model.band.offsets_per_sd
    stored, kept = band.clone(), band.cpu().numpy().copy()
    band.zero_()  # the scores are of the raw bands
    try:
        series = split.panel.of_row[origins]
        made = np.empty((len(origins), steps, *kept.shape[1:]))
        for number in np.unique(series):
            mine = series == number
            made[mine] = _series_bands(
                run, split, origins[mine], steps, number, stored.cpu().numpy()
            )
        return made
    finally:
        band.copy_(stored)


def _series_bands(run, split, origins, steps, number, stored) -> np.ndarray:
    """One series' origins (ascending), each with the offsets of the values before it; a step
    no value has been scored for yet takes the checkpoint's offsets."""
    first, end = int(split.train_ends[number]), int(split.ends[number])
    lookback, levels = run.recipe.data.lookback, run.recipe.model.levels
    start = min(first - steps + 1, int(origins[0]))  # origins before `first`: nothing known
    pool = np.arange(max(start, split.panel.starts[number] + lookback), end)
    raw = scaled_forecast(run, split, pool, steps)  # (N, H, V, Q)
    spread = window_spread(windows(split, pool, lookback), raw.shape[2]).double().numpy()
    by_row = _scores_by_row(split, pool, raw / spread, spread[..., 0], (first, end), levels)
    running, wanted, made = RunningConformal(levels, raw.shape[1:3]), set(origins.tolist()), []
    for row in range(pool[0], end):
        if row in wanted:  # the band is drawn before the row's value is known
            offsets = np.where(running.known.any(-1, keepdims=True), running.offsets(), stored)
            at = row - pool[0]
            made.append(np.sort(raw[at] + offsets * spread[at], axis=-1))
        if row >= first:
            running.add(by_row[row - first])
    return np.stack(made)


def _scores_by_row(split, pool, quantiles, spread, span, levels) -> np.ndarray:
    """(rows, H, V, pairs) the scores each out-of-sample row gets, a step ahead at a time,
    from the origins h rows before it; NaN where no origin in the pool forecast it."""
    first, end = span
    steps, values = quantiles.shape[1], quantiles.shape[2]
    target = pool[:, None] + np.arange(steps)  # (N, H)
    actual = split.scaled[np.minimum(target, end - 1), :values] / spread  # (N, H, V)
    actual[(target < first) | (target >= end)] = np.nan
    scores = band_scores(actual, quantiles, levels)
    by_row = np.full((end - first, *scores.shape[1:]), np.nan)
    for h in range(steps):
        rows = target[:, h]
        inside = (rows >= first) & (rows < end)
        by_row[rows[inside] - first, h] = scores[inside, h]
    return by_row
