"""Baselines that know the season's shape from the training part: its mean at each position
of the season (climatology, as weather and climate forecasters call it), and the last known
departure from that mean carried forward (anomaly persistence)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from seqcli.metrics.baselines import Past


def position_means(past: Past) -> np.ndarray:
    """(S, m, V) each series' training mean at each position of the season, counted from the
    series' first row."""
    means = []
    for part in past.training_parts():
        position = np.arange(len(part)) % past.season  # (N,)
        means.append([part[position == k].mean(axis=0) for k in range(past.season)])
    return np.asarray(means, dtype=np.float64)


def _normal(past: Past, rows: np.ndarray, series: np.ndarray) -> np.ndarray:
    """(...) + (V,) the climatology of the rows, each from its origin's series."""
    position = (rows - past.starts[series]) % past.season
    return position_means(past)[series, position]


def climatology(past: Past, origins: np.ndarray, steps: int) -> np.ndarray:
    """(P, H, V): each step as the training mean of its position in the season."""
    series = past.of_row[origins][:, None]  # (P, 1)
    return _normal(past, origins[:, None] + np.arange(steps), series)


def anomaly_persistence(past: Past, origins: np.ndarray, steps: int) -> np.ndarray:
    """(P, H, V): the climatology of each step plus the last known value's departure from its
    own climatology, which persists unchanged."""
    series = past.of_row[origins]  # (P,)
    anomaly = past.raw[origins - 1] - _normal(past, origins - 1, series)  # (P, V)
    return climatology(past, origins, steps) + anomaly[:, None]


def fits_climatology(past: Past) -> bool:
    """A season, and one whole season in every training part so that every position has a
    mean."""
    if past.season is None or past.season < 2:
        return False
    return min(len(part) for part in past.training_parts()) >= past.season
