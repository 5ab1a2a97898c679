"""Covariates known ahead (data.future_columns): both forecasters read each step's value,
so a series that is a known-ahead column's echo is forecast from it, and generate takes the
values after the series' end from --future."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seqcli.engine.run import load_run
from seqcli.engine.start import fresh_training
from seqcli.errors import DataError, UsageError
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS, task_for
from tests.series_helpers import CPU, generated_text, ranked, series_recipe, write_csv

ROWS = 240


def echo_csv(path: Path) -> Path:
    """v is 3 x + 10 of the same row, x white noise: only x's value of that row tells v."""
    known = np.random.default_rng(0).normal(size=ROWS)
    lines = [f"{i},{x:.6f},{3 * x + 10:.6f}\n" for i, x in enumerate(known)]
    return write_csv(path, "t,x,v\n" + "".join(lines))


def future_csv(path: Path, values: list[float]) -> Path:
    return write_csv(path, "x\n" + "".join(f"{x}\n" for x in values))


@pytest.fixture(scope="module", params=["many_to_many", "many_to_one"])
def echo_run(request, tmp_path_factory) -> Path:
    """A GRU trained on the echo with x known ahead, once per mapping."""
    folder = tmp_path_factory.mktemp(request.param)
    raw = series_recipe(echo_csv(folder / "s.csv"), mapping=request.param, future_columns=["x"])
    recipe = validate_recipe(raw, source="echo")
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=folder / "run")
    try:
        for _ in trainer:
            pass
    finally:
        trainer.folder.release()
    return folder / "run"


def test_every_step_of_the_horizon_is_forecast_from_the_column_known_ahead(echo_run):
    run = load_run(echo_run, CPU, TASKS)
    metrics = run.task.evaluate(run, run.task.prepare(run.recipe, run.meta).splits["test"])
    rows = ranked(metrics["details"])
    best_baseline = min(row["rmse"] for name, row in rows.items() if name != "model")
    assert metrics["rmse"] < 0.3 * best_baseline  # the baselines see noise of sd 3


def forecast_of(run, path: Path) -> np.ndarray:
    text = generated_text(run, horizon=3, future=path)
    return np.array([float(line.split(",")[1]) for line in text.splitlines()[1:]])


def test_generate_follows_the_values_in_the_future_file(echo_run, tmp_path):
    run = load_run(echo_run, CPU, TASKS)
    low = forecast_of(run, future_csv(tmp_path / "a.csv", [-1.0, 0.0, 1.0]))
    high = forecast_of(run, future_csv(tmp_path / "b.csv", [1.0, 0.0, -1.0]))
    assert low[0] < 10 < low[2] and high[0] > 10 > high[2]
    assert np.abs(low - [7, 10, 13]).max() < 1.5


def test_generate_without_the_future_file_names_the_columns(echo_run):
    run = load_run(echo_run, CPU, TASKS)
    with pytest.raises(UsageError, match=r"data.future_columns \(x\), known ahead; pass --future"):
        generated_text(run, horizon=3)


def test_a_future_file_shorter_than_the_horizon_is_refused(echo_run, tmp_path):
    run = load_run(echo_run, CPU, TASKS)
    short = future_csv(tmp_path / "short.csv", [1.0, 2.0])
    with pytest.raises(DataError, match=r"short.csv: 2 row\(s\) of x; the forecast needs .* 3"):
        generated_text(run, horizon=3, future=short)


def test_a_future_file_without_the_column_names_it(echo_run, tmp_path):
    run = load_run(echo_run, CPU, TASKS)
    wrong = write_csv(tmp_path / "wrong.csv", "y\n1\n2\n3\n")
    with pytest.raises(DataError, match="wrong.csv:1: no column 'x'"):
        generated_text(run, horizon=3, future=wrong)
