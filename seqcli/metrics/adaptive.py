"""Dynamically-tuned adaptive conformal inference (DtACI; Gibbs & Candes 2022, "Conformal
inference for online prediction with arbitrary distribution shifts"): the share of the known
scores each band is drawn from moves with the band's own misses, so a series whose spread
changed since calibration (airline's test years ran below what the model extrapolates) gets
back towards the nominal coverage over the values that follow, where a fixed share only
averages the change in.

How fast to move is not chosen here: eight experts move at gains 0.001-0.128, each weighted
by the pinball loss of its share against the share that would just have held each value; the
band takes their weighted mean. The grid, SIGMA and ETA are the paper's defaults (its
authors' code), not tuned on any series of ours. A band's outcome at step h is known h rows
after it is drawn: each expert is judged by the share it had then, and moved from the one it
has now."""

from __future__ import annotations

import numpy as np

GAINS = 0.001 * 2.0 ** np.arange(8)  # 0.001 .. 0.128
SIGMA = 1 / 1000  # the weight every expert keeps, so one can recover after a bad stretch
ETA = 2.72  # how sharply the weights follow the losses


def pinball(beta: np.ndarray, alpha: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The loss of a miss rate alpha where beta would just have held the value."""
    return target * (beta - alpha) - np.minimum(0.0, beta - alpha)


class AdaptiveShares:
    """(H, V, pairs) shares to draw bands at, starting at the nominal ones."""

    def __init__(self, nominal: np.ndarray):
        self.target = 1 - nominal  # the miss rate to hold, per cell
        self.experts = np.repeat(self.target[..., None], len(GAINS), axis=-1)  # their miss rates
        self.weights = np.full(self.experts.shape, 1 / len(GAINS))

    def shares(self) -> np.ndarray:
        return 1 - np.clip((self.weights * self.experts).sum(-1), 0.0, 1.0)

    def learn(self, betas: np.ndarray, then: np.ndarray) -> None:
        """betas: (H, V, pairs) from RunningConformal.betas, NaN: no value; then: (H, V, pairs,
        experts) the experts' miss rates when each of these bands was drawn, NaN: not followed."""
        seen = (~np.isnan(betas) & ~np.isnan(then[..., 0]))[..., None]
        beta, target = betas[..., None], self.target[..., None]
        missed = then > beta
        losses = np.nan_to_num(pinball(beta, then, target))
        moved = self.experts + GAINS * (target - missed)
        # Less the smallest loss, which the normalising divides out: after a long run of misses
        # every loss can be large enough for exp to give 0 to all of them.
        best = losses.min(-1, keepdims=True)
        weighed = self.weights * np.exp(-ETA * (losses - best))
        weighed = (1 - SIGMA) * weighed / weighed.sum(-1, keepdims=True) + SIGMA / len(GAINS)
        self.experts = np.where(seen, moved, self.experts)
        self.weights = np.where(seen, weighed, self.weights)
