"""Conformalized quantile regression (Romano, Patterson & Candes 2019): how far to move each
interval a quantile model makes so that it holds its nominal share of held-out values."""

from __future__ import annotations

import heapq

import numpy as np


def band_scores(actual: np.ndarray, quantiles: np.ndarray, levels: tuple[float, ...]):
    """(..., pairs) conformity scores of (...) actual values against (..., Q) quantiles, one
    per interval (q, 1 - q): positive when the value fell outside, by how much it missed."""
    pairs = range(len(levels) // 2)
    return np.stack(
        [
            np.maximum(quantiles[..., low] - actual, actual - quantiles[..., -1 - low])
            for low in pairs
        ],
        axis=-1,
    )


def conformal_rank(known: np.ndarray, share: float) -> np.ndarray:
    """k = ceil((n + 1) share) of n known scores: the k-th smallest is their
    share (1 + 1/n) quantile."""
    return np.ceil(np.round((known + 1) * share, 9)).astype(int)


def widths_of(kth: np.ndarray, rank: np.ndarray, known: np.ndarray) -> np.ndarray:
    """How far an interval moves out (negative: in) given its k-th smallest score. With too
    few scores for the level (k passes n) no guarantee is left, and the widest miss is all
    there is to go by: it may widen a band, but narrowing one on three values lost airline's
    test coverage (61% -> 42%), so it does not. No score at all: the band stays."""
    width = np.where(rank > known, np.maximum(kth, 0.0), kth)
    return np.where(known > 0, width, 0.0)


def offsets_from(widths: np.ndarray, levels: tuple[float, ...]) -> np.ndarray:
    """(..., Q) offsets of (..., pairs) widths: each pair moves apart by its width, the median
    (the point forecast) stays put."""
    offsets = np.zeros((*widths.shape[:-1], len(levels)))
    for low in range(widths.shape[-1]):
        offsets[..., low], offsets[..., -1 - low] = -widths[..., low], widths[..., low]
    return offsets


def pair_widths(offsets: np.ndarray) -> np.ndarray:
    """(..., pairs) how far each pair of (..., Q) offsets moves out: offsets_from undone."""
    return offsets[..., ::-1][..., : offsets.shape[-1] // 2]


def conformal_offsets(
    actual: np.ndarray, quantiles: np.ndarray, levels: tuple[float, ...]
) -> np.ndarray:
    """(H, V, Q) offsets to add to (P, H, V, Q) quantile forecasts of (P, H, V) actual values,
    one per step ahead and value, from the n of its P values that are known (NaN: not a
    calibration value): each pair (q, 1 - q) moves out (or in, when too wide) by the k-th
    smallest of its n conformity scores."""
    return offsets_of_scores(band_scores(actual, quantiles, levels), levels)


def offsets_of_scores(scores: np.ndarray, levels: tuple[float, ...]) -> np.ndarray:
    """conformal_offsets of (P, H, V, pairs) scores already taken (NaN: none)."""
    known = (~np.isnan(scores)).sum(axis=0)  # (H, V, pairs)
    shares = np.array([levels[-1 - low] - levels[low] for low in range(scores.shape[-1])])
    rank = conformal_rank(known, shares)
    ranked = np.sort(scores, axis=0)  # NaN sorts last: the first `known` are the scores
    pick = np.clip(np.minimum(rank, known) - 1, 0, None)[None]
    kth = np.take_along_axis(ranked, pick, axis=0)[0]
    return offsets_from(widths_of(kth, rank, known), levels)


class RunningConformal:
    """conformal_offsets of every score added so far, kept up to date a value at a time: two
    heaps per step, value and interval hold the k smallest scores and the rest, so a backtest
    recalibrates at each origin in O(log n) rather than sorting its whole past again.

    steer() makes it adaptive conformal inference (Gibbs & Candes 2021): each miss of a band
    raises its cell's share by gain x its level share, each hit lowers it by gain x (1 - level
    share), so a series whose spread has changed since calibration (airline's test years grew
    faster than its validation year) moves towards the nominal coverage over the values that
    follow, where a fixed share only averages the change in. Step h hears of its misses h rows
    late, and a gain that ignores the delay overshoots: a run of misses had raised the shares of
    step 12 by half before the first wider band was scored, and sunspots' bands came out 20-35%
    wider at the same coverage. So the gain is GAMMA / h. Without steer() shares stay nominal.
    """

    GAMMA = 0.05  # of 0.01-0.1, flat or / h, on bench/forecast.py's series: README

    def __init__(self, levels: tuple[float, ...], shape: tuple[int, int]):
        self.levels = levels
        pairs = len(levels) // 2
        self.nominal = np.array([levels[-1 - low] - levels[low] for low in range(pairs)])
        cells = (*shape, pairs)  # (H, V, pairs)
        self.shares = np.broadcast_to(self.nominal, cells).copy()
        self.heaps = {cell: ([], []) for cell in np.ndindex(*cells)}  # (k smallest, negated; rest)
        self.kth, self.known = np.zeros(cells), np.zeros(cells, int)

    def add(self, scores: np.ndarray) -> None:
        """(H, V, pairs) one more score per cell; NaN: none for that cell."""
        cells = list(zip(*np.nonzero(~np.isnan(scores)), strict=True))
        for cell in cells:
            smallest, rest = self.heaps[cell]
            score = float(scores[cell])
            if smallest and score <= -smallest[0]:
                heapq.heappush(smallest, -score)
            else:
                heapq.heappush(rest, score)
            self.known[cell] += 1
        self._settle(cells)

    def steer(self, missed: np.ndarray) -> None:
        """(H, V, pairs) whether each cell's band missed a value (1) or held it (0); NaN: no
        value for that cell. The shares stay in [0, 1]: past 1 the band is the widest miss,
        and a share run up beyond it would take as long to come back."""
        seen = ~np.isnan(missed)
        gain = self.GAMMA / np.arange(1, len(missed) + 1)[:, None, None]
        moved = self.shares + gain * (np.nan_to_num(missed) - (1 - self.nominal))
        self.shares = np.where(seen, np.clip(moved, 0.0, 1.0), self.shares)
        self._settle(list(zip(*np.nonzero(seen & (self.known > 0)), strict=True)))

    def _settle(self, cells: list[tuple]) -> None:
        """Move scores between each cell's heaps until the first holds its k smallest."""
        ranks = np.clip(conformal_rank(self.known, self.shares), 1, None)
        for cell in cells:
            smallest, rest = self.heaps[cell]
            k = min(int(ranks[cell]), int(self.known[cell]))
            while len(smallest) > k:
                heapq.heappush(rest, -heapq.heappop(smallest))
            while len(smallest) < k:
                heapq.heappush(smallest, -heapq.heappop(rest))
            self.kth[cell] = -smallest[0]

    def offsets(self, unscored: np.ndarray | None = None) -> np.ndarray:
        """(H, V, Q) as conformal_offsets would give on the scores so far at these shares; a
        step with no score yet takes unscored's offsets, if given."""
        rank = conformal_rank(self.known, self.shares)
        offsets = offsets_from(widths_of(self.kth, rank, self.known), self.levels)
        if unscored is None:
            return offsets
        return np.where(self.known.any(-1, keepdims=True), offsets, unscored)
