"""Bands recalibrated as the values arrive, as a forecaster in use would be (rolling conformal,
as Darts' conformal models do over historical forecasts): the band from an origin is calibrated
on every out-of-sample value known when it is made, from the end of the training part up to
the origin, and from the first origin scored on, at a share that moves with whether the bands
before held their values (adaptive conformal, metrics/adaptive.py). The weights stay as trained; the
checkpoint's offsets are this calibration at the end of validation, what predict and generate
--input-file use; generate continuing the run's own series takes it to the series' end."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from seqcli.data.forecast_data import SeriesSplit
from seqcli.engine.run import Run
from seqcli.metrics.adaptive import AdaptiveShares
from seqcli.metrics.conformal import RunningConformal, band_scores, level_shares
from seqcli.models.forecaster import window_spread
from seqcli.tasks.forecaster.batches import scaled_forecast, windows


@dataclass(frozen=True)
class SeriesPool:
    """One series' raw-band forecasts from every origin that lands a step on or after the end
    of its training part (and from any earlier origin asked for), with the scores each of
    those out-of-sample rows gets."""

    origins: np.ndarray  # (N,) ascending
    raw: np.ndarray  # (N, H, V, Q) scaled units
    spread: np.ndarray  # (N, 1, V, 1) each window's spread, the offsets' unit
    by_row: np.ndarray  # (rows, H, V, pairs) the scores of rows first.., NaN: none
    first: int  # the series' first out-of-sample row


class LastPools:
    """The pools of one split for one set of weights: a validation calibrates the bands and
    then evaluates the same split, and both read the same forecasts (half its cost with sample
    paths). Held by identity, so neither object can be replaced by another at its address;
    any change to the weights bumps their tensors' versions."""

    held: tuple = (None, None, (), 0)  # model, split, weight versions, steps
    pools: dict = {}

    @classmethod
    def get(cls, run: Run, split: SeriesSplit, number: int, steps: int, start: int) -> SeriesPool:
        versions = tuple(p._version for p in run.model.parameters())
        model, held_split, held_versions, held_steps = cls.held
        same = model is run.model and held_split is split
        if not (same and held_versions == versions and held_steps == steps):
            cls.pools = {}
        cls.held = (run.model, split, versions, steps)
        if (number, start) not in cls.pools:
            cls.pools[number, start] = series_pool(run, split, number, steps, start)
        return cls.pools[number, start]


@torch.no_grad()
def series_pool(run: Run, split: SeriesSplit, number: int, steps: int, start: int) -> SeriesPool:
    """The pool of series `number` from origin `start` (or the first with a whole window) on."""
    first, end = int(split.train_ends[number]), int(split.ends[number])
    lookback, levels = run.recipe.data.lookback, run.recipe.model.levels
    origins = np.arange(max(start, split.panel.starts[number] + lookback), end)
    with run.model.band.holding():  # the scores are of the raw bands
        raw = scaled_forecast(run, split, origins, steps)  # (N, H, V, Q)
    spread = window_spread(windows(split, origins, lookback), raw.shape[2]).double().numpy()
    target = origins[:, None] + np.arange(steps)  # (N, H)
    actual = split.scaled[np.minimum(target, end - 1), : raw.shape[2]] / spread[..., 0]
    inside = (target >= first) & (target < end)
    actual[~inside] = np.nan
    scores = band_scores(actual, raw / spread, levels)  # (N, H, V, pairs)
    by_row = np.full((max(end - first, 0), *scores.shape[1:]), np.nan)
    for h in range(steps):
        by_row[target[inside[:, h], h] - first, h] = scores[inside[:, h], h]
    return SeriesPool(origins, raw, spread, by_row, first)


def pool_start(split: SeriesSplit, number: int, steps: int, earliest: int | None = None) -> int:
    """The first origin whose forecast can land on an out-of-sample row, or an earlier one
    asked for (which nothing known calibrates)."""
    start = int(split.train_ends[number]) - steps + 1
    return start if earliest is None else min(start, earliest)


def rolling_forecast(run: Run, split: SeriesSplit, origins: np.ndarray, steps: int) -> np.ndarray:
    """(P, H, V, Q) the model's forecasts in scaled units, each band calibrated at its origin."""
    stored = stored_offsets(run, steps)
    series = split.panel.of_row[origins]
    made = np.empty((len(origins), steps, *stored.shape[1:]))
    for number in np.unique(series):
        mine = origins[series == number]
        start = pool_start(split, number, steps, int(mine[0]))
        pool = LastPools.get(run, split, int(number), steps, start)
        made[series == number] = _rolled(pool, mine, stored, run.recipe.model.levels)
    return made


def _rolled(pool: SeriesPool, origins: np.ndarray, stored, levels) -> np.ndarray:
    """The series' origins (ascending), each band calibrated at its origin."""
    wanted, first = set(origins), pool.origins[0]
    return np.stack(
        [
            np.sort(pool.raw[row - first] + offsets * pool.spread[row - first], axis=-1)
            for row, offsets in _calibrations(pool, stored, levels, origins[0])
            if row in wanted
        ]
    )


def latest_offsets(run: Run, split: SeriesSplit, number: int) -> np.ndarray:
    """(H, V, Q) the offsets of a band drawn after the series' last row of the split, on every
    out-of-sample value before it, its shares adapting from the split's first origin as evaluate's
    do (an empty split, as with data.test_path or no test part: validation's values, at the
    nominal shares)."""
    steps, mine = run.recipe.data.horizon, split.points[split.panel.of_row[split.points] == number]
    stored = stored_offsets(run, steps)
    adapt_from = int(mine[0]) if len(mine) else int(split.ends[number])
    pool = LastPools.get(run, split, number, steps, pool_start(split, number, steps))
    *_, (_, offsets) = _calibrations(pool, stored, run.recipe.model.levels, adapt_from)
    return offsets


def stored_offsets(run: Run, steps: int) -> np.ndarray:
    """(steps, V, Q) the checkpoint's offsets; a roll-out longer than the horizon they were
    fitted for (evaluate --horizon) takes the last step's further, as the model's band does."""
    offsets = run.model.band.offsets_per_sd.cpu().double().numpy()
    return offsets[np.minimum(np.arange(steps), len(offsets) - 1)]


def _calibrations(pool: SeriesPool, stored, levels, adapt_from: int):
    """(row, offsets) at each of the pool's origins and one past the last: the calibration of
    every value before the row (a step no value has been scored for yet takes the checkpoint's
    offsets). From adapt_from on, each band's outcome moves its step's share (adaptive.py);
    before it, the bands are the checkpoint's calibration carried on, so the first origin
    evaluate scores gets generate's band."""
    steps = pool.raw.shape[1]
    running = RunningConformal(levels, pool.raw.shape[1:3])
    adaptive = AdaptiveShares(np.broadcast_to(level_shares(levels), running.known.shape))
    drawn = {}  # origin: the experts' miss rates when its band was drawn, until it is scored
    for row in pool.origins:
        yield row, running.offsets(adaptive.shares(), unscored=stored)
        if row >= adapt_from:
            drawn[row] = adaptive.experts.copy()
        if row >= pool.first:
            scores = pool.by_row[row - pool.first]  # (H, V, pairs)
            adaptive.learn(running.betas(scores), _then(drawn, row, adaptive.experts.shape))
            running.add(scores)
        drawn.pop(row - steps + 1, None)
    yield pool.origins[-1] + 1, running.offsets(adaptive.shares(), unscored=stored)


def _then(drawn: dict, row: int, shape: tuple) -> np.ndarray:
    """(H, V, pairs, experts) the experts' miss rates when the band whose step h lands on this
    row was drawn, h rows ago; NaN where that origin is not followed."""
    then = np.full(shape, np.nan)
    for step in range(shape[0]):
        if row - step in drawn:
            then[step] = drawn[row - step][step]
    return then
