"""Forecast windows as engine batches: the rows before each point, and its targets."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from seqcli.data.forecast_data import SeriesSplit
from seqcli.data.padding import BucketBatches
from seqcli.recipe import SeriesData
from seqcli.tasks.base import Batch


def windows(split: SeriesSplit, points: np.ndarray, lookback: int) -> torch.Tensor:
    """(B, lookback, F): the rows just before each point."""
    rows = points[:, None] + np.arange(-lookback, 0)  # (B, L)
    return torch.from_numpy(split.scaled[rows])


def direct_targets(split: SeriesSplit, points: np.ndarray, lookback: int, horizon: int):
    """(B, horizon, V): the scaled values from each point on; NaN past the split's end."""
    values = split.raw.shape[1]
    rows = points[:, None] + np.arange(horizon)  # (B, S)
    targets = split.scaled[np.minimum(rows, split.end - 1), :values]  # (B, S, V)
    targets[rows >= split.end] = np.nan
    return torch.from_numpy(targets)


def shifted_targets(split: SeriesSplit, points: np.ndarray, lookback: int, horizon: int):
    """(B, lookback, V): each window's rows one step later, the point itself last."""
    values = split.raw.shape[1]
    rows = points[:, None] + np.arange(-lookback + 1, 1)  # (B, L)
    return torch.from_numpy(split.scaled[rows, :values])


Targets = Callable[[SeriesSplit, np.ndarray, int, int], torch.Tensor]


class SeriesBatches:
    """Endless shuffled batches of training windows, resumable through BucketBatches."""

    def __init__(self, split: SeriesSplit, targets: Targets, config: SeriesData, *, batch_size,
                 seed):  # fmt: skip
        self.split, self.targets, self.config = split, targets, config
        # Every window has the same length, so there is nothing to bucket.
        self.order = BucketBatches([config.lookback] * len(split), batch_size=batch_size,
                                   seed=seed, bucket=False)  # fmt: skip

    def __next__(self) -> Batch:
        points = self.split.points[next(self.order)]
        return batch_of(self.split, points, self.targets, self.config)

    def __len__(self) -> int:
        return len(self.order)

    def state_dict(self) -> dict:
        return self.order.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.order.load_state_dict(state)


def batch_of(split: SeriesSplit, points: np.ndarray, targets: Targets, config) -> Batch:
    inputs = windows(split, points, config.lookback)
    wanted = targets(split, points, config.lookback, config.horizon)
    return Batch({"values": inputs}, wanted, size=len(points))
