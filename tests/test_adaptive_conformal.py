"""Bands whose share moves with their own misses (seqcli/metrics/adaptive.py, DtACI): the
share each value would just have needed, and coverage regained after the spread changes."""

from __future__ import annotations

import numpy as np
import pytest

from seqcli.metrics.adaptive import AdaptiveShares
from seqcli.metrics.conformal import RunningConformal, band_scores

LEVELS = (0.1, 0.5, 0.9)


def score_of(value: float) -> np.ndarray:
    """(1, 1, 1) the score of a value against the band [0, 0]."""
    return band_scores(np.array([[value]]), np.zeros((1, 1, 3)), LEVELS)


def test_beta_is_the_largest_miss_rate_whose_band_still_holds_the_score():
    rng = np.random.default_rng(4)
    for case in range(200):
        running = RunningConformal(LEVELS, (1, 1))
        for value in rng.normal(size=1 + case % 9):
            running.add(score_of(value))
        score = score_of(rng.normal() * 2)
        beta = running.betas(score).item()
        for share in np.linspace(0, 1, 101):
            width = running.offsets(np.full((1, 1, 1), share))[0, 0, 2]
            held = 1 - share < beta - 1e-12 or beta == 1.0  # below every score: any share
            assert (score.item() <= width) == held, (case, share)


def coverage_after_a_shift(adapt: bool) -> float:
    """A one-step band calibrated on 200 values, then drawn for 400 whose spread tripled: the
    share of them it held."""
    rng = np.random.default_rng(3)
    running, adaptive = RunningConformal(LEVELS, (1, 1)), AdaptiveShares(np.full((1, 1, 1), 0.8))
    for value in rng.normal(size=200):
        running.add(score_of(value))
    held = []
    for value in 3 * rng.normal(size=400):
        score, then = score_of(value), adaptive.experts.copy()
        held.append(score.item() <= running.offsets(adaptive.shares())[0, 0, 2])
        if adapt:
            adaptive.learn(running.betas(score), then)
        running.add(score)
    return float(np.mean(held))


def test_moving_shares_regain_the_nominal_coverage_after_the_spread_changes():
    """The plain running calibration only averages the new spread in."""
    assert coverage_after_a_shift(adapt=False) < 0.72
    assert coverage_after_a_shift(adapt=True) == pytest.approx(0.8, abs=0.03)


def test_shares_stay_within_0_and_1_and_weights_sum_to_1():
    adaptive = AdaptiveShares(np.full((2, 1, 1), 0.8))
    for _ in range(300):  # every value missed, at any share
        adaptive.learn(np.zeros((2, 1, 1)), adaptive.experts.copy())
    assert adaptive.shares().tolist() == [[[1.0]], [[1.0]]]
    assert adaptive.weights.sum(-1) == pytest.approx(1.0)


def test_no_value_or_no_band_followed_moves_nothing():
    adaptive = AdaptiveShares(np.full((2, 1, 1), 0.8))
    then = adaptive.experts.copy()
    then[1] = np.nan  # step 2's band was drawn before the shares were followed
    adaptive.learn(np.array([[[0.0]], [[0.0]]]), then)
    adaptive.learn(np.full((2, 1, 1), np.nan), adaptive.experts.copy())
    assert adaptive.shares()[0, 0, 0] > 0.8 and adaptive.shares()[1, 0, 0] == pytest.approx(0.8)


def test_weights_stay_finite_however_far_the_experts_have_run():
    adaptive = AdaptiveShares(np.full((1, 1, 1), 0.8))
    adaptive.experts = adaptive.experts - 1e4  # every expert far below any share's reach
    adaptive.learn(np.ones((1, 1, 1)), adaptive.experts.copy())
    assert np.isfinite(adaptive.weights).all() and adaptive.weights.sum() == pytest.approx(1.0)
