"""The Diebold-Mariano test with the Harvey-Leybourne-Newbold correction, checked against the
formula written out by hand and against a published worked example."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import t as student_t

from seqcli.metrics.significance import diebold_mariano
from seqcli.tasks.forecaster.evaluation import Scored, horizon_table
from seqcli.tasks.forecaster.ranking import ranking_table


def test_a_published_example_gives_its_statistic_and_p_value():
    # The dieboldmariano package's README: T, F, G with squared error, h = 1, one-sided
    # p 0.04516; the two-sided p-value is twice that.
    actual = np.array([10, 20, 30, 40, 50.0])
    first = (np.array([11, 21, 29, 42, 53.0]) - actual) ** 2
    second = (np.array([13, 26, 24, 40, 59.0]) - actual) ** 2
    result = diebold_mariano(first, second, horizon=1)
    assert result.statistic == pytest.approx(-2.2229922805746782)
    assert result.p_value == pytest.approx(2 * 0.04515565862099125)


def test_the_statistic_at_three_steps_ahead_matches_the_formula_by_hand():
    d = [0.5, 0.6, 0.9, 0.4, 0.1, 0.2, -0.3, 0.6, 0.8, 0.7]  # loss differentials, h = 3
    n, h = len(d), 3
    mean = sum(d) / n

    def gamma(k):
        return sum((d[t] - mean) * (d[t - k] - mean) for t in range(k, n)) / n

    dm = mean / math.sqrt((gamma(0) + 2 * (gamma(1) + gamma(2))) / n)
    hln = dm * math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    result = diebold_mariano(np.array(d), np.zeros(n), horizon=h)
    assert result.statistic == pytest.approx(hln)
    assert result.p_value == pytest.approx(2 * student_t.sf(abs(hln), n - 1))


def test_identical_losses_are_no_evidence_either_way_and_a_constant_gap_is_certain():
    losses = np.array([1.0, 2.0, 3.0])
    assert diebold_mariano(losses, losses, horizon=1).p_value == 1.0
    assert diebold_mariano(losses, losses + 0.5, horizon=1).p_value == 0.0


def test_a_consistent_gap_is_significant_and_a_tiny_noisy_one_is_not():
    rng = np.random.default_rng(0)
    noise = rng.normal(size=60)
    assert diebold_mariano(noise, noise + 1.0 + 0.1 * rng.normal(size=60), horizon=1).significant
    assert not diebold_mariano(noise, noise[::-1] + 0.0008, horizon=1).significant


# --- the verdict evaluate prints -------------------------------------------------------------


def ranking_of(losses: dict) -> dict:
    means = {name: {"mae": 0.0, "mase": float(loss.mean())} for name, loss in losses.items()}
    return ranking_table(means, losses)["ranking"]


def test_a_win_by_a_mase_margin_of_0_0008_is_called_a_tie():
    rng = np.random.default_rng(3)
    model = rng.gamma(4.0, 0.25, size=(48, 4))  # (P, H) absolute scaled errors near 1
    baseline = model + 0.0008 + 0.3 * rng.normal(size=model.shape)
    baseline -= baseline.mean() - (model.mean() + 0.0008)  # exactly 0.0008 worse on average
    table = ranking_of({"model": model, "naive": baseline})
    assert table["rows"][0][1] == "model"  # ranked first, but not declared the winner
    assert table["note"].startswith("the model ties naive (p = ")
    assert table["rows"][1][-2] == "ties" and table["rows"][1][-1] > 0.05


def test_the_model_beats_every_baseline_only_when_each_difference_is_significant():
    rng = np.random.default_rng(4)
    model = rng.gamma(4.0, 0.25, size=(48, 4))
    far = model + 0.5 + 0.05 * rng.normal(size=model.shape)
    table = ranking_of({"model": model, "naive": far, "drift": far + 0.1})
    assert table["note"].startswith("the model beats every baseline")
    assert [row[-2] for row in table["rows"][1:]] == ["loses", "loses"]


def test_a_significantly_better_baseline_wins_the_verdict():
    rng = np.random.default_rng(5)
    model = rng.gamma(4.0, 0.25, size=(48, 4))
    better = model - 0.2 + 0.05 * rng.normal(size=model.shape)
    note = ranking_of({"model": model, "climatology": better})["note"]
    assert note.startswith("a baseline wins: climatology") and "1 of 1 baselines" in note


def test_the_per_step_table_shows_where_a_baseline_starts_to_win():
    rng = np.random.default_rng(6)
    actual = rng.normal(size=(40, 4, 1))  # (P, H, V)
    growing = np.array([0.1, 0.3, 1.5, 2.0])[None, :, None]  # the model's error by step
    model = actual + growing * rng.normal(size=actual.shape)
    climatology = actual + 0.8 * rng.normal(size=actual.shape)
    forecasts = {"model": model, "climatology": climatology}
    scored = Scored(np.arange(40), np.ones((40, 1)), actual, forecasts, model[..., None])
    rows = horizon_table(scored, "note")["per_step"]["rows"]
    verdicts = [row[-1].split(" (")[0] for row in rows[:4]]
    assert verdicts == ["loses", "loses", "wins", "wins"]
    assert rows[2][-2] == "climatology"
