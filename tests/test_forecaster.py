"""Forecasting: the CSV reader, scaling, metrics and baselines by hand, models, the task."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.data.dates import infer_calendar
from seqcli.data.scaling import Scaler
from seqcli.engine.run import Run, load_run
from seqcli.engine.start import fresh_training
from seqcli.errors import DataError, RecipeError, UsageError
from seqcli.recipe import load_recipe, validate_recipe
from seqcli.tasks import TASKS
from seqcli.tasks.forecast_metrics import baseline_errors, forecast_errors, mase_scale

ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def sine_csv(path: Path, rows: int = 240) -> Path:
    """A clean sine of period 12 with a date column: easy to learn, hard for persistence."""
    lines = ["month,level"]
    for t in range(rows):
        lines.append(f"{1900 + t // 12}-{t % 12 + 1:02d},{10 + 5 * math.sin(2 * math.pi * t / 12)}")
    return write_csv(path, "\n".join(lines) + "\n")


def series_recipe(path: Path, *, mapping: str = "many_to_many", **data) -> dict:
    return {
        "name": "fc",
        "seed": 3,
        "mapping": mapping,
        "data": {"format": "series", "path": str(path), "lookback": 12, "horizon": 3,
                 "test_size": 24, "val_fraction": 0.1, "season": 12, **data},
        "model": {"cell": "gru", "hidden_size": 16},
        "train": {"batch_size": 16, "steps": 300, "lr": 0.01, "eval_every": 100},
        "generate": {"sample_length": 0},
    }  # fmt: skip


def prepare(raw: dict):
    recipe = validate_recipe(raw, source="test")
    task = TASKS[recipe.task]
    return recipe, task, task.prepare(recipe)


def untrained_run(raw: dict) -> tuple[Run, object]:
    recipe, task, data = prepare(raw)
    torch.manual_seed(0)
    return Run(recipe, data.meta, task.build_model(recipe, data.meta), CPU), data


# --- reader errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("t,v\n1,2\n2,x\n3,4\n", ":3:2: 'x' is not a number (column 'v')"),
        ("t,v\n1,2\n2,\n", ":3:2: empty cell (column 'v')"),
        ("t,v\n1,2\n2,nan\n", ":3:2: 'nan' is not a number"),
        ("t,v\n1,2\n2,3,4\n", ":3: 3 field(s), the header has 2"),
        ("", ":1: the file is empty"),
    ],
)
def test_a_bad_cell_names_file_line_and_column(tmp_path, text, where):
    path = write_csv(tmp_path / "s.csv", text)
    with pytest.raises(DataError) as err:
        prepare(series_recipe(path, lookback=1, horizon=1, test_size=None, val_fraction=0))
    assert str(err.value).startswith(f"{path}{where}")


def test_a_missing_column_lists_the_header(tmp_path):
    path = sine_csv(tmp_path / "s.csv")
    with pytest.raises(DataError, match=r"s\.csv:1: no column 'temp'; the header has 'month'"):
        prepare(series_recipe(path, value_columns=["temp"]))


def test_too_few_rows_for_lookback_and_horizon_says_how_many_are_needed(tmp_path):
    path = sine_csv(tmp_path / "s.csv", rows=40)
    with pytest.raises(DataError, match=r"40 rows leave 12 for training; lookback 12 \+ horiz"):
        prepare(series_recipe(path))


def test_the_last_column_is_forecast_by_default(tmp_path):
    path = write_csv(tmp_path / "s.csv", "a,b\n" + "".join(f"{i},{-i}\n" for i in range(60)))
    _, _, data = prepare(series_recipe(path, test_size=10))
    assert data.meta.columns.values == ("b",)
    assert data.splits["test"].raw[-1, 0] == -59


def test_a_column_in_two_roles_is_a_recipe_error(tmp_path):
    raw = series_recipe(sine_csv(tmp_path / "s.csv"), value_columns=["level"], date_column="level")
    with pytest.raises(RecipeError, match="named twice"):
        validate_recipe(raw, source="test")


def test_bidirectional_roll_out_is_rejected_with_the_reason(tmp_path):
    raw = series_recipe(sine_csv(tmp_path / "s.csv"))
    raw["model"]["direction"] = "bi"
    with pytest.raises(RecipeError, match="cannot roll a forecast out one step at a time"):
        validate_recipe(raw, source="test")


def test_window_norm_is_rejected_for_text(write_recipe):
    with pytest.raises(RecipeError, match="model.window_norm"):
        load_recipe(write_recipe(model={"window_norm": True}))


# --- scaling ---------------------------------------------------------------------------------


def test_scaling_is_fitted_on_training_rows_only(tmp_path):
    # Training rows hold 0..59; the 1000s after them must not move the scaler.
    rows = [*range(60), *([1000] * 20)]
    path = write_csv(tmp_path / "s.csv", "v\n" + "".join(f"{v}\n" for v in rows))
    _, _, data = prepare(series_recipe(path, test_size=10, val_fraction=0.125))
    train = np.arange(60.0)
    assert data.meta.scaler.center == pytest.approx((train.mean(),))
    assert data.meta.scaler.scale == pytest.approx((train.std(),))
    assert data.meta.mase_scale == pytest.approx((12.0,))  # y_t - y_{t-12} is 12 throughout


@pytest.mark.parametrize("kind", ["standard", "minmax", "none"])
def test_scaling_round_trips(kind):
    features = np.array([[1.0, 50.0], [3.0, 50.0], [8.0, 50.0]])  # a constant second column
    scaler = Scaler.fit(kind, features)
    assert scaler.invert(scaler.apply(features).astype(np.float64)) == pytest.approx(features)
    assert Scaler.from_dict(scaler.to_dict()) == scaler


def test_minmax_maps_the_training_range_to_zero_one():
    scaler = Scaler.fit("minmax", np.array([[2.0], [4.0], [6.0]]))
    assert scaler.apply(np.array([[2.0], [6.0]]))[:, 0].tolist() == [0.0, 1.0]


def test_the_meta_survives_a_weights_only_checkpoint(tmp_path):
    recipe, task, data = prepare(series_recipe(sine_csv(tmp_path / "s.csv"), date_column="month"))
    torch.save({"meta": task.meta_to_dict(data.meta)}, tmp_path / "m.pt")
    loaded = torch.load(tmp_path / "m.pt", weights_only=True)["meta"]
    assert task.meta_from_dict(loaded) == data.meta


# --- metrics and baselines by hand -----------------------------------------------------------


def test_metrics_match_hand_computations():
    actual = np.array([[2.0], [4.0], [0.0]])
    forecast = np.array([[3.0], [2.0], [0.0]])
    errors = forecast_errors(actual, forecast, np.array([2.0]))
    assert errors["mae"] == pytest.approx((1 + 2 + 0) / 3)
    assert errors["rmse"] == pytest.approx(math.sqrt((1 + 4 + 0) / 3))
    # 2|F-A|/(|A|+|F|): 2/5, 4/6, and 0/0 counted as 0.
    assert errors["smape"] == pytest.approx(100 * (2 / 5 + 4 / 6 + 0) / 3)
    assert errors["mase"] == pytest.approx(1.0 / 2.0)


def test_mase_scale_is_the_in_sample_seasonal_naive_mae():
    train = np.array([[1.0], [2.0], [4.0], [7.0], [7.0]])
    # season 2: |4-1|, |7-2|, |7-4| -> mean 11/3
    assert mase_scale(train, 2) == pytest.approx([11 / 3])
    assert mase_scale(train, 1) == pytest.approx([(1 + 2 + 3 + 0) / 4])


def test_baselines_match_hand_computations():
    history = np.array([[1.0], [2.0], [3.0], [5.0], [4.0]])
    points = np.array([3, 4])
    baselines = baseline_errors(history, points, season=2, scale=np.array([1.0]))
    # persistence: 3 for 5, 5 for 4; seasonal naive (lag 2): 2 for 5, 3 for 4
    assert baselines["persistence"]["mae"] == pytest.approx((2 + 1) / 2)
    assert baselines["seasonal_naive"]["rmse"] == pytest.approx(math.sqrt((9 + 1) / 2))


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
    assert out.out.shape == (16, 3, 1) and out.loss.ndim == 0
    assert run.model.forecast(batch.inputs["values"], 2).shape == (16, 2, 1)


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("window_norm", [None, True])
def test_autoregressive_forecaster_rolls_out_any_length(tmp_path, layers, window_norm):
    raw = series_recipe(sine_csv(tmp_path / "s.csv"))
    raw["model"] |= {"layers": layers, "window_norm": window_norm}
    run, data = untrained_run(raw)
    batch = next(run.task.batches(data, run.recipe))
    assert run.model(**batch.inputs, targets=batch.targets).out.shape == (16, 12, 1)
    assert run.model.forecast(batch.inputs["values"], 30).shape == (16, 30, 1)


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
    trainer = fresh_training(recipe, device=CPU, out=folder / "run")
    try:
        for _ in trainer:
            pass
    finally:
        trainer.folder.release()
    return folder / "run"


def test_a_tiny_model_beats_persistence_on_a_sine_wave(sine_run):
    run = load_run(sine_run, CPU)
    task = run.task
    metrics = task.evaluate(run, task.prepare(run.recipe, run.meta).splits["test"])
    (table,) = metrics["details"].values()
    rows = {row[0]: dict(zip(table["columns"][1:], row[1:], strict=True)) for row in table["rows"]}
    assert rows["model"]["rmse"] == metrics["rmse"]
    assert metrics["rmse"] < 0.5 * rows["persistence (last value)"]["rmse"]


def test_generate_continues_the_dates_as_csv(sine_run):
    run = load_run(sine_run, CPU)
    text = "".join(run.task.generate(run, {"horizon": 3}))
    lines = text.splitlines()
    assert lines[0] == "month,level" and [line.split(",")[0] for line in lines[1:]] == [
        "1920-01", "1920-02", "1920-03",
    ]  # fmt: skip
    assert abs(float(lines[1].split(",")[1]) - 10.0) < 1.5  # sin(0) after a whole period


def test_generate_writes_output_and_plot_files(sine_run, tmp_path):
    run = load_run(sine_run, CPU)
    flags = {"output": tmp_path / "f.csv", "plot": tmp_path / "f.png"}
    assert list(run.task.generate(run, flags)) == []
    assert (tmp_path / "f.csv").read_text(encoding="utf-8").count("\n") == 4
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"


def test_generate_refuses_a_flag_it_does_not_take(sine_run):
    run = load_run(sine_run, CPU)
    with pytest.raises(UsageError, match="--prime does not apply to a forecaster"):
        list(run.task.generate(run, {"prime": "x"}))


def test_a_direct_model_refuses_a_horizon_beyond_its_head(tmp_path):
    run, _ = untrained_run(series_recipe(sine_csv(tmp_path / "s.csv"), mapping="many_to_one"))
    with pytest.raises(UsageError, match="--horizon 4: this many_to_one model forecasts 3"):
        list(run.task.generate(run, {"horizon": 4}))


def test_roll_out_past_one_step_needs_future_covariates(tmp_path):
    rows = "".join(f"{i},{i % 3},{math.sin(i)}\n" for i in range(80))
    path = write_csv(tmp_path / "s.csv", "t,weekday,v\n" + rows)
    run, _ = untrained_run(series_recipe(path, input_columns=["weekday"], test_size=10))
    assert len(list(run.task.generate(run, {"horizon": 1}))[0].splitlines()) == 2
    with pytest.raises(UsageError, match="future values of the input columns"):
        list(run.task.generate(run, {"horizon": 2}))


def test_predict_forecasts_each_line_and_names_a_bad_value(sine_run):
    run = load_run(sine_run, CPU)
    history = ",".join(str(10 + 5 * math.sin(2 * math.pi * t / 12)) for t in range(24))
    (row,) = run.task.predict(run, [history])
    assert len(row["forecast"]) == 3
    with pytest.raises(DataError, match="line 2: value 2 'x' is not a number"):
        run.task.predict(run, [history, "1,x"])


def test_monthly_and_daily_dates_continue_by_their_step():
    assert infer_calendar(["1960-11", "1960-12"]).after(2) == ["1961-01", "1961-02"]
    days = infer_calendar(["1990-12-29", "1990-12-30", "1990-12-31"])
    assert days.after(1) == ["1991-01-01"]
    assert infer_calendar(["a", "b"]) is None


@pytest.mark.parametrize("name", ["airline", "sunspots"])
def test_the_shipped_recipes_train_a_few_steps(name, tmp_path):
    recipe = load_recipe(ROOT / "recipes" / f"{name}.yaml", ["train.steps=2", "train.eval_every=2"])
    trainer = fresh_training(recipe, device=CPU, out=tmp_path / "run")
    try:
        kinds = [type(event).__name__ for event in trainer]
    finally:
        trainer.folder.release()
    assert kinds[-1] == "Finished" and "Evaluated" in kinds


def test_evaluating_a_file_shorter_than_the_lookback_names_it(sine_run, tmp_path):
    run = load_run(sine_run, CPU)
    short = write_csv(tmp_path / "short.csv", "month,level\n1900-01,1\n1900-02,2\n")
    with pytest.raises(DataError, match=r"short\.csv: 2 rows; forecasting from it needs more"):
        run.task.examples_from_file(run, short)


def test_evaluating_another_file_scores_its_rows_with_the_runs_scaler(sine_run, tmp_path):
    run = load_run(sine_run, CPU)
    other = sine_csv(tmp_path / "other.csv", rows=60)
    metrics = run.task.evaluate(run, run.task.examples_from_file(run, other))
    assert next(iter(metrics["details"].values()))["rows"][0][0] == "model"
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
    (table,) = report["details"].values()
    assert [row[0] for row in table["rows"]] == [
        "model", "persistence (last value)", "seasonal naive (lag 12)",
    ]  # fmt: skip
    assert report["rmse"] == table["rows"][0][2]


def test_cli_predict_prints_one_forecast_line_per_input(sine_run):
    history = ",".join(str(10 + 5 * math.sin(2 * math.pi * t / 12)) for t in range(12))
    result = cli("predict", sine_run, "--text", history, "--text", history, "--device", "cpu")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and len(lines[0].split(", ")) == 3
