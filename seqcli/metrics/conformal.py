"""Conformalized quantile regression (Romano, Patterson & Candes 2019): how far to move each
interval a quantile model makes so that it holds its nominal share of held-out values."""

from __future__ import annotations

import bisect

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


def conformal_rank(known: np.ndarray, share: float | np.ndarray) -> np.ndarray:
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


def level_shares(levels: tuple[float, ...]) -> np.ndarray:
    """(pairs,) the nominal share of each interval (q, 1 - q) the levels make."""
    return np.array([levels[-1 - low] - levels[low] for low in range(len(levels) // 2)])


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
    rank = conformal_rank(known, level_shares(levels))
    ranked = np.sort(scores, axis=0)  # NaN sorts last: the first `known` are the scores
    pick = np.clip(np.minimum(rank, known) - 1, 0, None)[None]
    kth = np.take_along_axis(ranked, pick, axis=0)[0]
    return offsets_from(widths_of(kth, rank, known), levels)


class RunningConformal:
    """The scores known so far, one sorted list per step, value and interval, kept up to date
    a value at a time: a backtest recalibrates at each origin by an insertion rather than by
    sorting its whole past again, and can ask for any share (adaptive.py moves them)."""

    def __init__(self, levels: tuple[float, ...], shape: tuple[int, int]):
        self.levels = levels
        cells = (*shape, len(levels) // 2)  # (H, V, pairs)
        self.sorted: dict[tuple[int, ...], list[float]] = {cell: [] for cell in np.ndindex(*cells)}
        self.known = np.zeros(cells, int)

    def add(self, scores: np.ndarray) -> None:
        """(H, V, pairs) one more score per cell; NaN: none for that cell."""
        for cell in zip(*np.nonzero(~np.isnan(scores)), strict=True):
            bisect.insort(self.sorted[cell], float(scores[cell]))
            self.known[cell] += 1

    def offsets(self, shares: np.ndarray, unscored: np.ndarray | None = None) -> np.ndarray:
        """(H, V, Q) as conformal_offsets would give on the scores so far, each cell at its
        (H, V, pairs) share; a step with no score yet takes unscored's offsets, if given."""
        rank = conformal_rank(self.known, shares)
        pick = np.clip(np.minimum(rank, self.known), 1, None) - 1
        kth = np.zeros(self.known.shape)
        for cell, scores in self.sorted.items():
            if scores:
                kth[cell] = scores[pick[cell]]
        offsets = offsets_from(widths_of(kth, rank, self.known), self.levels)
        if unscored is None:
            return offsets
        return np.where(self.known.any(-1, keepdims=True), offsets, unscored)

    def betas(self, scores: np.ndarray) -> np.ndarray:
        """(H, V, pairs) for each score, the largest miss rate (1 - share) whose band, drawn
        from the scores so far, still holds it (NaN: no score, or none known yet). With b of
        n known scores below it, the band at share q holds it when ceil((n + 1) q) > b; below
        every known score any share holds it (1); above them all only the widest miss's band
        (widths_of) does, when the score is not positive."""
        betas = np.full(scores.shape, np.nan)
        for cell in zip(*np.nonzero(~np.isnan(scores) & (self.known > 0)), strict=True):
            known, score = self.sorted[cell], float(scores[cell])
            below, n = bisect.bisect_left(known, score), len(known)
            if below < n:
                betas[cell] = 1 - below / (n + 1)
            else:
                betas[cell] = 1 / (n + 1) if score <= 0 else 0.0
        return betas
