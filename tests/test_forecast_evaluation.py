"""Forecasts judged as forecasters judge them: every step of the horizon from many origins,
baselines on the same origins that read only the past, backtests."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcli.cli.generate import write_generated
from seqcli.data.forecast_data import SeriesSplit
from seqcli.data.panel import grouped
from seqcli.data.series import Table
from seqcli.engine.run import load_run
from seqcli.engine.start import fresh_training
from seqcli.errors import DataError
from seqcli.metrics.baselines import BASELINES, Past, fitted_alpha, smoothed_levels
from seqcli.metrics.forecast import horizon_errors, interval_rows, mean_over_horizon, pinball
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS, task_for
from seqcli.tasks.forecaster.evaluation import forecast_origins
from tests.series_helpers import (
    CPU,
    detail,
    generated,
    ranked,
    series_recipe,
    sine_csv,
    untrained_run,
    write_csv,
)

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


def split_of(values: list[float], *, first: int, end: int):
    raw = np.asarray(values, dtype=np.float64)[:, None]
    table, panel = grouped(Table(raw, None))
    ends, fits = np.array([end]), np.array([first])
    scales = np.ones((1, 1))
    return SeriesSplit(
        raw.astype(np.float32), raw, np.arange(first, end), panel, ends, fits, scales
    )


def test_origins_keep_their_whole_horizon_inside_the_split_every_stride_rows():
    split = split_of(list(range(20)), first=10, end=18)
    assert forecast_origins(split, 3, 1).tolist() == [10, 11, 12, 13, 14, 15]
    assert forecast_origins(split, 3, 4).tolist() == [10, 14]
    with pytest.raises(DataError, match="fewer than the horizon 9"):
        forecast_origins(split, 9, 1)


# --- baselines -------------------------------------------------------------------------------

SERIES = [1.0, 2.0, 3.0, 5.0, 4.0, 6.0, 8.0]


def one_series(raw: np.ndarray, train_rows: int, season: int | None, window: int) -> Past:
    """What the baselines read of a file of one series whose first train_rows are training."""
    return Past(raw, np.zeros(len(raw), int), np.array([0]), np.array([train_rows]), season, window)


def forecasts(name, *, season=2, window=2, origins=(4,), steps=3, values=SERIES, train=3):
    past = one_series(np.asarray(values)[:, None], train, season, window)
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
    values = list(10 + np.random.default_rng(1).normal(size=40))  # positive: a season may scale
    origin = 30
    shifted = values[:origin] + [v + 100 for v in values[origin:]]
    asked = {"season": 7, "window": 5, "origins": (origin,), "steps": 9, "train": 20}
    kept = forecasts(name, values=values, **asked)
    moved = forecasts(name, values=shifted, **asked)
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


# --- intervals -------------------------------------------------------------------------------


def test_pinball_loss_and_coverage_match_hand_computations():
    actual = np.array([1.0, 4.0])
    quantiles = np.array([[0.0, 2.0, 3.0], [1.0, 2.0, 3.0]])  # (2, Q) at 0.1, 0.5, 0.9
    levels = (0.1, 0.5, 0.9)
    # row 1: under by 1, -1, -2 -> 0.1, 0.5, 0.2; row 2: under by 3, 2, 1 -> 0.3, 1.0, 0.9
    assert pinball(actual, quantiles, levels) == pytest.approx((0.8 + 2.2) / 6)
    ((nominal, coverage, width),) = interval_rows(actual, quantiles, levels)
    assert (nominal, coverage, width) == ("80%", 0.5, pytest.approx(2.5))


def noisy_csv(path, rows: int = 400):
    """A seasonal wave plus unit Gaussian noise: the 80% band should be about 2.56 wide."""
    rng = np.random.default_rng(4)
    values = 5 * np.sin(2 * np.pi * np.arange(rows) / 12) + rng.normal(size=rows)
    return write_csv(path, "v\n" + "".join(f"{float(v)!r}\n" for v in values))


@pytest.fixture(scope="module")
def quantile_run(tmp_path_factory):
    """A direct forecaster with a 0.1/0.5/0.9 head, trained briefly on the noisy wave."""
    folder = tmp_path_factory.mktemp("quantiles")
    raw = series_recipe(
        noisy_csv(folder / "noisy.csv"), mapping="many_to_one", test_size=100, horizon=2
    )
    raw["model"]["quantiles"] = [0.1, 0.5, 0.9]
    raw["train"] |= {"steps": 400, "eval_every": 400}
    recipe = validate_recipe(raw, source="quantiles")
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=folder / "run")
    try:
        for _ in trainer:
            pass
    finally:
        trainer.folder.release()
    return load_run(folder / "run", CPU, TASKS)


def test_a_quantile_head_covers_about_its_nominal_share(quantile_run):
    run = quantile_run
    metrics = run.task.evaluate(run, run.task.prepare(run.recipe, run.meta).splits["test"])
    ((nominal, coverage, width),) = detail(metrics["details"], "intervals")["rows"]
    assert nominal == "80%" and 0.65 <= coverage <= 0.95
    assert 1.5 < width < 4.5 and metrics["pinball"] > 0


def test_generate_writes_a_column_per_quantile_and_shades_the_band(quantile_run, tmp_path):
    output, plot = tmp_path / "f.csv", tmp_path / "f.png"
    made = generated(quantile_run, horizon=2, output=output, plot=plot)
    write_generated(made, output=output, plot=plot, attention=None)
    header, *rows = output.read_text(encoding="utf-8").splitlines()
    assert header == "step,v,v_q0.1,v_q0.9" and len(rows) == 2
    middle, low, high = (float(cell) for cell in rows[0].split(",")[1:])
    assert low <= middle <= high
    assert plot.read_bytes()[:4] == b"\x89PNG"


# --- seasons ---------------------------------------------------------------------------------


def test_a_fractional_season_is_rounded_with_a_note(tmp_path):
    run, data = untrained_run(series_recipe(sine_csv(tmp_path / "s.csv"), season=12.4))
    details = run.task.evaluate(run, data.splits["test"])["details"]
    assert "seasonal naive (lag 12)" in ranked(details)
    assert "data.season 12.4 rounded to 12 rows" in detail(details, "each step")["note"]


def test_without_a_season_mase_scales_by_the_one_step_naive_error(tmp_path):
    path = sine_csv(tmp_path / "s.csv")
    run, data = untrained_run(series_recipe(path, season=None))
    details = run.task.evaluate(run, data.splits["test"])["details"]
    assert not any(name.startswith("seasonal") for name in ranked(details))
    assert (
        "MASE divides by the training part's one-step naive MAE"
        in (detail(details, "each step")["note"])
    )
    test = data.splits["test"]
    train = test.raw[: test.train_ends[0]]
    assert run.meta.mase_scale[0] == pytest.approx(np.abs(np.diff(train[:, 0])).mean())


# --- several series --------------------------------------------------------------------------


def panel_csv(path, rows: int = 80):
    """Three seasonal series of different levels, their rows interleaved as in a long table."""
    lines = ["id,v"]
    for t in range(rows):
        for name, level in (("a", 10), ("b", 100), ("c", 1000)):
            lines.append(f"{name},{level + level / 10 * math.sin(2 * math.pi * t / 12)}")
    return write_csv(path, "\n".join(lines) + "\n")


def test_several_series_train_one_model_and_are_scored_each_and_together(tmp_path):
    raw = series_recipe(panel_csv(tmp_path / "p.csv"), series_column="id", lookback=6)
    run, data = untrained_run(raw)
    train, test = data.splits["train"], data.splits["test"]
    assert test.panel.names == ("a", "b", "c") and len(test) == 3 * 24
    starts = test.panel.starts[test.panel.of_row[train.points]]
    assert (train.points - 6 >= starts).all()  # no window reads another series
    details = run.task.evaluate(run, test)["details"]
    rows = detail(details, "each series")["rows"]
    assert [(row[0], row[1]) for row in rows] == [("a", 22), ("b", 22), ("c", 22)]
    means = ranked(details)["training mean"]
    assert means["mae"] == pytest.approx((1 + 10 + 100) / 3 * 2 / math.pi, rel=0.1)


def test_a_panel_generates_after_its_last_series(tmp_path):
    raw = series_recipe(panel_csv(tmp_path / "p.csv"), series_column="id", lookback=6)
    run, _ = untrained_run(raw)
    assert all(900 <= row[0] <= 1100 for row in run.meta.history)


@pytest.mark.parametrize(
    ("name", "kind"), [("holt_winters", "add"), ("holt_winters_multiplicative", "mul")]
)
def test_holt_winters_runs_statsmodels_recursion_forward_from_every_origin(name, kind):
    statsmodels = pytest.importorskip("statsmodels.tsa.holtwinters")
    rng = np.random.default_rng(5)
    t = np.arange(120)
    values = 50 + 0.3 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(size=120)
    fit = statsmodels.ExponentialSmoothing(
        values[:96], trend="add", seasonal=kind, seasonal_periods=12,
        initialization_method="heuristic",
    ).fit()  # fmt: skip
    past = one_series(values[:, None], 96, 12, 3)
    (from_96,) = BASELINES[name].forecast(past, np.array([96]), 11)[..., 0]
    assert from_96 == pytest.approx(fit.forecast(11), rel=1e-6)  # from the training part's end
    one_step = BASELINES[name].forecast(past, np.arange(1, 96), 1)[:, 0, 0]
    assert one_step == pytest.approx(fit.fittedvalues[1:], rel=1e-6)
