"""Forecasters: models, training on a sine wave, evaluation, generate, predict, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.cli.generate import write_generated
from seqcli.engine.run import load_run
from seqcli.engine.start import fresh_training
from seqcli.errors import DataError, UsageError
from seqcli.metrics.holt_winters import available
from seqcli.recipe import load_recipe, validate_recipe
from seqcli.tasks import TASKS, task_for
from tests.series_helpers import (
    CPU,
    generated,
    generated_text,
    prepare,
    ranked,
    series_recipe,
    sine_csv,
    untrained_run,
    write_csv,
)

ROOT = Path(__file__).resolve().parents[1]


# --- models ----------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("direction", ["uni", "bi"])
@pytest.mark.parametrize("layers", [1, 2])
def test_direct_forecaster_shapes(tmp_path, cell, direction, layers):
    raw = series_recipe(sine_csv(tmp_path / "s.csv"), mapping="many_to_one")
    raw["model"] |= {"cell": cell, "direction": direction, "layers": layers}
    run, data = untrained_run(raw)
    batch = next(run.task.batches(data, run.recipe))
    out = run.model(**batch.inputs, targets=batch.targets)
    assert out.out.shape == (16, 3, 1, 1) and out.loss.ndim == 0  # (B, S, V, Q)
    assert run.model.forecast(batch.inputs["values"], 2).shape == (16, 2, 1, 1)


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("window_norm", [None, True])
def test_autoregressive_forecaster_rolls_out_any_length(tmp_path, layers, window_norm):
    raw = series_recipe(sine_csv(tmp_path / "s.csv"))
    raw["model"] |= {"layers": layers, "window_norm": window_norm}
    run, data = untrained_run(raw)
    batch = next(run.task.batches(data, run.recipe))
    assert run.model(**batch.inputs, targets=batch.targets).out.shape == (16, 12, 1, 1)
    assert run.model.forecast(batch.inputs["values"], 30).shape == (16, 30, 1, 1)


def test_training_batches_resume_exactly(tmp_path):
    recipe, task, data = prepare(series_recipe(sine_csv(tmp_path / "s.csv")))
    first = task.batches(data, recipe)
    for _ in range(5):
        next(first)
    second = task.batches(data, recipe)
    second.load_state_dict(first.state_dict())
    assert torch.equal(next(first).inputs["values"], next(second).inputs["values"])


def test_direct_targets_past_the_split_end_are_masked(tmp_path):
    run, data = untrained_run(series_recipe(sine_csv(tmp_path / "s.csv"), mapping="many_to_one"))
    metrics = run.task.evaluate(run, data.splits["val"])
    assert math.isfinite(metrics["loss"])  # the last val points' horizons run into test


# --- training, evaluation, generation --------------------------------------------------------


@pytest.fixture(scope="module")
def sine_run(tmp_path_factory) -> Path:
    """An autoregressive GRU trained 300 steps on a sine wave, once for this module."""
    folder = tmp_path_factory.mktemp("sine")
    recipe = validate_recipe(
        series_recipe(sine_csv(folder / "s.csv"), date_column="month"), source="sine"
    )
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=folder / "run")
    try:
        for _ in trainer:
            pass
    finally:
        trainer.folder.release()
    return folder / "run"


def test_a_tiny_model_beats_persistence_on_a_sine_wave(sine_run):
    run = load_run(sine_run, CPU, TASKS)
    task = run.task
    metrics = task.evaluate(run, task.prepare(run.recipe, run.meta).splits["test"])
    rows = ranked(metrics["details"])
    assert rows["model"]["rmse"] == metrics["rmse"]
    assert metrics["rmse"] < 0.5 * rows["naive (last value)"]["rmse"]


def test_generate_continues_the_dates_as_csv(sine_run):
    run = load_run(sine_run, CPU, TASKS)
    text = generated_text(run, horizon=3)
    lines = text.splitlines()
    assert lines[0] == "month,level" and [line.split(",")[0] for line in lines[1:]] == [
        "1920-01",
        "1920-02",
        "1920-03",
    ]
    assert abs(float(lines[1].split(",")[1]) - 10.0) < 1.5  # sin(0) after a whole period


def test_generate_writes_output_and_plot_files(sine_run, tmp_path):
    run = load_run(sine_run, CPU, TASKS)
    output, plot = tmp_path / "f.csv", tmp_path / "f.png"
    write_generated(
        generated(run, output=output, plot=plot), output=output, plot=plot, attention=None
    )
    assert (tmp_path / "f.csv").read_text(encoding="utf-8").count("\n") == 4
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"


def test_the_plot_of_a_dated_series_runs_along_its_dates(sine_run):
    run = load_run(sine_run, CPU, TASKS)
    figure = generated(run, plot=Path("unused.png"), horizon=3).figure
    history, dates = len(figure.history), figure.dates
    assert len(dates) == history + 3 and figure.date_name == "month"
    assert dates[history - 1].strftime("%Y-%m") == run.meta.calendar.last
    assert [d.strftime("%Y-%m") for d in dates[history:]] == ["1920-01", "1920-02", "1920-03"]


def test_generate_refuses_a_flag_it_does_not_take(sine_run):
    run = load_run(sine_run, CPU, TASKS)
    with pytest.raises(UsageError, match="--prime does not apply to a forecaster"):
        generated(run, prime="x")


def test_a_direct_model_refuses_a_horizon_beyond_its_head(tmp_path):
    run, _ = untrained_run(series_recipe(sine_csv(tmp_path / "s.csv"), mapping="many_to_one"))
    with pytest.raises(UsageError, match="--horizon 4: this many_to_one model forecasts 3"):
        generated(run, horizon=4)


def test_roll_out_past_one_step_needs_future_covariates(tmp_path):
    rows = "".join(f"{i},{i % 3},{math.sin(i)}\n" for i in range(80))
    path = write_csv(tmp_path / "s.csv", "t,weekday,v\n" + rows)
    raw = series_recipe(path, input_columns=["weekday"], test_size=10, horizon=1)
    run, _ = untrained_run(raw)
    assert len(generated_text(run, horizon=1).splitlines()) == 2
    with pytest.raises(UsageError, match="--horizon 2: rolling out past one step needs future"):
        generated(run, horizon=2)
    raw["data"]["horizon"] = 3  # validation would have to roll out three steps
    with pytest.raises(UsageError, match="data.horizon 3: rolling out past one step needs"):
        untrained_run(raw)


def test_predict_forecasts_each_line_and_names_a_bad_value(sine_run):
    run = load_run(sine_run, CPU, TASKS)
    history = ",".join(str(10 + 5 * math.sin(2 * math.pi * t / 12)) for t in range(24))
    (row,) = run.task.predict(run, [history])
    assert len(row["forecast"]) == 3
    with pytest.raises(DataError, match="line 2: value 2 'x' is not a number"):
        run.task.predict(run, [history, "1,x"])


@pytest.mark.parametrize("name", ["airline", "sunspots"])
def test_the_shipped_recipes_train_a_few_steps(name, tmp_path):
    recipe = load_recipe(ROOT / "recipes" / f"{name}.yaml", ["train.steps=2", "train.eval_every=2"])
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=tmp_path / "run")
    try:
        kinds = [type(event).__name__ for event in trainer]
    finally:
        trainer.folder.release()
    assert kinds[-1] == "Finished" and "Evaluated" in kinds


def test_evaluating_a_file_shorter_than_the_lookback_names_it(sine_run, tmp_path):
    run = load_run(sine_run, CPU, TASKS)
    short = write_csv(tmp_path / "short.csv", "month,level\n1900-01,1\n1900-02,2\n")
    with pytest.raises(DataError, match=r"short\.csv: 2 rows; forecasting from it needs more"):
        run.task.examples_from_file(run, short)


def test_evaluating_another_file_scores_its_rows_with_the_runs_scaler(sine_run, tmp_path):
    run = load_run(sine_run, CPU, TASKS)
    other = sine_csv(tmp_path / "other.csv", rows=60)
    metrics = run.task.evaluate(run, run.task.examples_from_file(run, other))
    assert "model" in ranked(metrics["details"])
    assert metrics["rmse"] < 1.0


# --- through the command line ----------------------------------------------------------------


def cli(*args):
    return CliRunner().invoke(app, [str(arg) for arg in args])


def test_cli_generate_prints_the_forecast_csv_on_stdout(sine_run):
    result = cli("generate", sine_run, "--horizon", 2, "--device", "cpu")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1].startswith("1920-01,")


def test_cli_generate_rejects_a_language_model_flag_in_one_line(sine_run):
    result = cli("generate", sine_run, "--temperature", 0.5, "--device", "cpu")
    assert result.exit_code == 2
    assert "--temperature does not apply to a forecaster" in result.stderr


def test_cli_evaluate_json_carries_the_baseline_table(sine_run):
    result = cli("evaluate", sine_run, "--split", "test", "--json", "--device", "cpu")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    rows = ranked(report["details"])
    expected = {
        "model",
        "naive (last value)",
        "seasonal naive (lag 12)",
        "training mean",
        "drift",
        "moving average (12 rows)",
        "exponential smoothing",
        "climatology (seasonal mean)",
        "anomaly persistence",
    }
    if available():  # statsmodels, the optional extra Holt-Winters and Theta need
        expected |= {"additive Holt-Winters", "multiplicative Holt-Winters", "Theta"}
    assert {name.split(" (alpha")[0] for name in rows} == expected
    assert report["rmse"] == rows["model"]["rmse"]


def test_cli_predict_prints_one_forecast_line_per_input(sine_run):
    history = ",".join(str(10 + 5 * math.sin(2 * math.pi * t / 12)) for t in range(12))
    result = cli("predict", sine_run, "--text", history, "--text", history, "--device", "cpu")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and len(lines[0].split(", ")) == 3


def test_generate_from_another_file_continues_its_dates(sine_run, tmp_path):
    run = load_run(sine_run, CPU, TASKS)
    other = sine_csv(tmp_path / "other.csv", rows=30)  # ends 1902-06
    lines = generated_text(run, input_file=other, horizon=1).splitlines()
    assert lines[1].startswith("1902-07,")


def test_a_series_without_dates_numbers_the_forecast_steps(tmp_path):
    path = write_csv(tmp_path / "s.csv", "v\n" + "".join(f"{i % 5}\n" for i in range(80)))
    run, _ = untrained_run(series_recipe(path, test_size=10))
    lines = generated_text(run, horizon=2).splitlines()
    assert [line.split(",")[0] for line in lines] == ["step", "1", "2"]


def test_window_norm_moves_the_forecast_with_the_level(tmp_path):
    raw = series_recipe(sine_csv(tmp_path / "s.csv"), mapping="many_to_one")
    raw["model"]["window_norm"] = True
    run, data = untrained_run(raw)
    window = next(run.task.batches(data, run.recipe)).inputs["values"]  # (B, L, 1)
    with torch.no_grad():
        shift = run.model.forecast(window + 7.0, 3) - run.model.forecast(window, 3)
    assert torch.allclose(shift, torch.full_like(shift, 7.0), atol=1e-4)


def test_cli_backtest_runs_over_the_test_split_every_stride_rows(sine_run):
    result = cli("evaluate", sine_run, "--backtest", "--stride", 6, "--json", "--device", "cpu")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    rows = report["details"]["backtest"]["rows"]
    # 24 test months, a 3-month horizon: origins 1918-01, -07, 1919-01, -07 (22 fit; every 6th)
    assert report["data"] == "test" and [row[0] for row in rows] == [
        "1918-01",
        "1918-07",
        "1919-01",
        "1919-07",
    ]
