"""Forecasts judged as forecasters judge them: every step of the horizon from many origins,
baselines on the same origins that read only the past, backtests."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcli.data.forecast_data import SeriesSplit
from seqcli.errors import DataError
from seqcli.metrics.baselines import BASELINES, Past, fitted_alpha, smoothed_levels
from seqcli.metrics.forecast import horizon_errors, mean_over_horizon
from seqcli.tasks.forecaster.evaluation import forecast_origins
from tests.series_helpers import detail, ranked, series_recipe, untrained_run, write_csv

# --- per-horizon errors ----------------------------------------------------------------------


def test_each_step_of_the_horizon_is_scored_on_its_own_then_averaged():
    actual = np.array([[[1.0], [2.0]], [[3.0], [4.0]]])  # (P=2, H=2, V=1)
    forecast = np.array([[[2.0], [2.0]], [[3.0], [1.0]]])
    per_step = horizon_errors(actual, forecast, np.array([2.0]))
    # h=1: errors 1 and 0; h=2: errors 0 and 3
    assert per_step[0]["mae"] == pytest.approx(0.5) and per_step[1]["mae"] == pytest.approx(1.5)
    assert per_step[1]["rmse"] == pytest.approx(math.sqrt(9 / 2))
    assert per_step[1]["mase"] == pytest.approx(1.5 / 2)
    mean = mean_over_horizon(per_step)
    assert mean["mae"] == pytest.approx(1.0)
    assert mean["rmse"] == pytest.approx((math.sqrt(1 / 2) + math.sqrt(9 / 2)) / 2)


def split_of(values: list[float], *, first: int, end: int | None = None, train_rows: int = 2):
    raw = np.asarray(values, dtype=np.float64)[:, None]
    end = len(raw) if end is None else end
    return SeriesSplit(raw.astype(np.float32), raw, np.arange(first, end), end, train_rows)


def test_origins_keep_their_whole_horizon_inside_the_split_every_stride_rows():
    split = split_of(list(range(20)), first=10, end=18)
    assert forecast_origins(split, 3, 1).tolist() == [10, 11, 12, 13, 14, 15]
    assert forecast_origins(split, 3, 4).tolist() == [10, 14]
    with pytest.raises(DataError, match="fewer than the horizon 9"):
        forecast_origins(split, 9, 1)


# --- baselines -------------------------------------------------------------------------------

SERIES = [1.0, 2.0, 3.0, 5.0, 4.0, 6.0, 8.0]


def forecasts(name: str, *, season=2, window=2, origins=(4,), steps=3, values=SERIES):
    past = Past(np.asarray(values)[:, None], 3, season, window)
    return BASELINES[name].forecast(past, np.asarray(origins), steps)[..., 0].tolist()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("naive", [5.0, 5.0, 5.0]),
        ("seasonal_naive", [3.0, 5.0, 3.0]),  # lag 2: rows 2, 3, then 2 again
        ("mean", [2.0, 2.0, 2.0]),  # rows 0..2, the training part
        ("drift", [5 + 4 / 3, 5 + 8 / 3, 5 + 4]),  # from 1 to 5 in 3 steps: +4/3 a step
        ("moving_average", [4.0, 4.5, 4.25]),  # (3+5)/2, then (5+4)/2, then (4+4.5)/2
    ],
)
def test_baselines_match_hand_computations(name, expected):
    (got,) = forecasts(name)
    assert got == [pytest.approx(value) for value in expected]


def test_exponential_smoothing_holds_the_level_its_fitted_constant_reaches():
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.normal(size=300))[:, None]
    noise = 10 + rng.normal(size=(300, 1))
    assert fitted_alpha(walk)[0] > 0.9  # a random walk: the last value is the best guess
    assert fitted_alpha(noise)[0] < 0.1  # noise about a level: average it over many rows
    levels = smoothed_levels(np.array([[0.0], [4.0], [8.0]]), np.array([0.5]))
    assert levels[:, 0].tolist() == [0.0, 2.0, 5.0]


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_no_baseline_reads_a_row_at_or_after_its_origin(name):
    values = list(np.random.default_rng(1).normal(size=40))
    origin = 30
    shifted = values[:origin] + [v + 100 for v in values[origin:]]
    kept = forecasts(name, season=7, window=5, origins=(origin,), steps=6, values=values)
    moved = forecasts(name, season=7, window=5, origins=(origin,), steps=6, values=shifted)
    assert kept == moved


# --- through evaluate ------------------------------------------------------------------------


def moving_average_csv(path, *, window: int = 12, rows: int = 60):
    """A series every row of which is the mean of the `window` rows before it."""
    values = [float(v) for v in np.random.default_rng(2).uniform(0, 100, window)]
    while len(values) < rows:
        values.append(float(np.mean(values[-window:])))
    return write_csv(path, "v\n" + "".join(f"{v!r}\n" for v in values))


def test_a_series_that_is_a_moving_average_ranks_that_baseline_first(tmp_path):
    raw = series_recipe(
        moving_average_csv(tmp_path / "ma.csv"),
        lookback=2,
        test_size=12,
        season=None,
        baseline_window=12,
    )
    run, data = untrained_run(raw)
    details = run.task.evaluate(run, data.splits["test"])["details"]
    rows = ranked(details)
    first = next(iter(rows))
    assert first == "moving average (12 rows)" and rows[first]["mase"] < 1e-9
    assert "a baseline wins: moving average (12 rows)" in detail(details, "ranked")["note"]


def test_evaluate_scores_a_longer_horizon_and_backtests_every_stride_rows(tmp_path):
    path = moving_average_csv(tmp_path / "ma.csv", rows=80)
    run, data = untrained_run(series_recipe(path, lookback=4, test_size=20, season=None))
    longer = run.task.evaluate(run, data.splits["test"], horizon=5)["details"]
    assert [row[0] for row in detail(longer, "each step")["rows"]][-2:] == [5, "mean 1-5"]
    backtest = run.task.evaluate(run, data.splits["test"], backtest=True, stride=4)
    rows = detail(backtest["details"], "backtest")["rows"]
    assert [row[0] for row in rows] == ["row 60", "row 64", "row 68", "row 72", "row 76"]
