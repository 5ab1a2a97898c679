"""Covariates known ahead (data.future_columns): both forecasters read each step's value,
so a series that is a known-ahead column's echo is forecast from it, and generate takes the
values after the series' end from --future."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from seqcli.data.dates import cycle_columns, cycles_for, infer_calendar
from seqcli.engine.contract import Given
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


# --- reading --future: no further than the forecast needs; a gap names the cell to fill -------


def dated_run(tmp_path: Path, missing: str = "error"):
    """An untrained forecaster of v, monthly from 1900-01 for 80 rows, with x known ahead."""
    from tests.series_helpers import untrained_run

    rows = "".join(f"{1900 + i // 12}-{i % 12 + 1:02d},{i % 3},{i % 7}\n" for i in range(80))
    series = write_csv(tmp_path / "s.csv", "month,x,v\n" + rows)
    raw = series_recipe(
        series, future_columns=["x"], value_columns=["v"], date_column="month", missing=missing
    )
    return untrained_run(raw)[0]


def test_generate_reads_no_row_of_the_future_file_past_the_ones_it_needs(tmp_path):
    run = dated_run(tmp_path)
    needed = future_csv(tmp_path / "needed.csv", [1.0, 2.0, 3.0])
    # the file's tail stands for the millions of rows a long file holds: never parsed
    longer = write_csv(tmp_path / "longer.csv", "x\n1\n2\n3\nnot a number\n" + "4\n" * 50)
    assert generated_text(run, horizon=3, future=longer) == generated_text(
        run, horizon=3, future=needed
    )


def test_a_gap_in_the_last_needed_future_row_is_interpolated_from_the_row_after(tmp_path):
    run = dated_run(tmp_path, missing="interpolate")
    gap = write_csv(tmp_path / "gap.csv", "x\n1\n2\nnan\n6\n")
    filled = future_csv(tmp_path / "filled.csv", [1.0, 2.0, 4.0])
    assert generated_text(run, horizon=3, future=gap) == generated_text(
        run, horizon=3, future=filled
    )


def test_a_gap_in_a_future_file_names_its_row_date_and_column_and_asks_to_fill_it(tmp_path):
    run = dated_run(tmp_path)
    gap = write_csv(tmp_path / "gap.csv", "x\n1\nNA\n3\n")
    with pytest.raises(DataError) as refused:
        generated_text(run, horizon=3, future=gap)
    assert str(refused.value) == (
        f"{gap}: no value of 'x' in row 2 after the header, step 2 after the series' end "
        "(1906-10); fill that cell: each row holds its step's value"
    )
    assert "data.missing" not in str(refused.value)  # a training key cannot help generate


def test_a_blank_line_inside_a_one_column_future_file_is_a_gap_not_a_skipped_row(tmp_path):
    """A spreadsheet saves an empty cell of a one-column sheet as an empty line."""
    run = dated_run(tmp_path)
    blank = write_csv(tmp_path / "blank.csv", "x\n1\n\n3\n4\n\n")
    with pytest.raises(DataError, match=r"no value of 'x' in row 2 after the header"):
        generated_text(run, horizon=3, future=blank)


def test_a_future_file_with_the_steps_dates_forecasts_as_one_without_them(tmp_path):
    run = dated_run(tmp_path)  # the series ends at 1906-08
    dated = write_csv(tmp_path / "dated.csv", "month,x\n1906-09,1\n1906-10,2\n1906-11,3\n")
    bare = future_csv(tmp_path / "bare.csv", [1.0, 2.0, 3.0])
    assert generated_text(run, horizon=3, future=dated) == generated_text(
        run, horizon=3, future=bare
    )


def test_a_future_file_a_row_late_is_refused_naming_the_row_and_the_date_it_needs(tmp_path):
    run = dated_run(tmp_path)
    late = write_csv(tmp_path / "late.csv", "month,x\n1906-10,1\n1906-11,2\n1906-12,3\n")
    with pytest.raises(DataError) as refused:
        generated_text(run, horizon=3, future=late)
    assert str(refused.value) == (
        f"{late}: row 1 after the header is dated '1906-10' (column 'month'); step 1 after "
        "the series' end is 1906-09"
    )


# --- calendar features (data.calendar) ---------------------------------------------------------


def weekend_csv(path: Path) -> Path:
    """1 on Saturdays and Sundays, 0 otherwise, plus a little noise: two weekdays in a row
    cannot tell a Friday from a Wednesday, the date can."""
    noise = np.random.default_rng(1).normal(scale=0.05, size=ROWS)
    start = datetime(2020, 1, 6)  # a Monday
    days = [start + timedelta(days=i) for i in range(ROWS)]
    lines = [
        f"{d:%Y-%m-%d},{(d.weekday() >= 5) + e:.4f}\n" for d, e in zip(days, noise, strict=True)
    ]
    return write_csv(path, "date,v\n" + "".join(lines))


def trained(raw: dict, out: Path) -> Path:
    recipe = validate_recipe(raw, source="test")
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=out)
    try:
        for _ in trainer:
            pass
    finally:
        trainer.folder.release()
    return out


@pytest.fixture(scope="module")
def weekend_runs(tmp_path_factory) -> dict[bool, Path]:
    folder = tmp_path_factory.mktemp("weekend")
    path = weekend_csv(folder / "s.csv")
    return {
        calendar: trained(
            series_recipe(path, date_column="date", lookback=2, season=7, calendar=calendar),
            folder / f"run-{calendar}",
        )
        for calendar in (True, False)
    }


def test_calendar_features_tell_the_weekend_a_short_window_cannot(weekend_runs):
    errors = {}
    for calendar, folder in weekend_runs.items():
        run = load_run(folder, CPU, TASKS)
        split = run.task.prepare(run.recipe, run.meta).splits["test"]
        errors[calendar] = run.task.evaluate(run, split)["rmse"]
    assert errors[True] < 0.5 * errors[False]


def test_generate_takes_the_calendar_of_the_dates_after_the_end_without_a_file(weekend_runs):
    run = load_run(weekend_runs[True], CPU, TASKS)
    assert run.meta.cycles == ("day_of_week", "day_of_year")
    lines = generated_text(run, horizon=7).splitlines()[1:]
    forecast = {line.split(",")[0]: float(line.split(",")[1]) for line in lines}
    # The series ends on Tuesday 2020-09-01; the week after it has its weekend on the 5th, 6th.
    assert list(forecast)[0] == "2020-09-02" and len(forecast) == 7
    weekend = {day: value for day, value in forecast.items() if day[-2:] in ("05", "06")}
    weekdays = {day: value for day, value in forecast.items() if day not in weekend}
    assert min(weekend.values()) > 0.7 and max(weekdays.values()) < 0.3, forecast


@pytest.mark.parametrize(
    "first, second, cycles",
    [
        ("2020-01", "2020-02", ("month",)),
        ("2020-01", "2020-04", ("month",)),
        ("2020", "2021", ()),
        ("2020-01-01", "2020-01-02", ("day_of_week", "day_of_year")),
        ("2020-01-01", "2020-01-08", ("day_of_year",)),
        ("2020-01-01 00:00", "2020-01-01 01:00", ("hour", "day_of_week", "day_of_year")),
    ],
)
def test_the_rows_step_chooses_the_cycles(first, second, cycles):
    assert cycles_for(infer_calendar([first, second]), "f.csv") == cycles


def test_a_cycle_is_the_sine_and_cosine_of_the_dates_place_in_it():
    moments = [datetime(2021, 12, 1, 18), datetime(2021, 1, 1, 6)]
    made = cycle_columns(moments, ("month", "hour"))
    december, evening = 2 * math.pi * 11 / 12, 2 * math.pi * 18 / 24
    expected = [math.sin(december), math.cos(december), math.sin(evening), math.cos(evening)]
    assert np.allclose(made[0], expected)
    assert np.allclose(made[1], [0, 1, 1, 0], atol=1e-12)  # January; 6 am a quarter round


def test_gates_of_a_calendar_model_ask_for_a_dated_file_not_bare_values(weekend_runs):
    run = load_run(weekend_runs[True], CPU, TASKS)
    with pytest.raises(UsageError, match="--text: this model reads columns v and dates; give"):
        run.task.stack_input(run, Given("0,0,1,1", "--text"))
