"""Forecasting data: the CSV reader's errors, train-only scaling, metrics and baselines by
hand, dates."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

from seqcli.data.dates import Calendar, infer_calendar
from seqcli.data.scaling import Scaler, seasonal_mae
from seqcli.errors import DataError, RecipeError
from seqcli.metrics.forecast import forecast_errors
from seqcli.recipe import load_recipe, validate_recipe
from tests.series_helpers import prepare, series_recipe, sine_csv, untrained_run, write_csv

# --- reader errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("t,v\n1,2\n2,x\n3,4\n", ":3:2: 'x' is not a number (column 'v')"),
        ("t,v\n1,2\n2,\n", ":3:2: empty cell (column 'v')"),
        ("t,v\n1,2\n2,nan\n", ":3:2: 'nan' is not a number"),
        ("t,v\n1,2\n2,3,4\n", ":3: 3 field(s), the header has 2"),
        ("v\n1\n\n3\n4\n\n", ":3:1: empty cell (column 'v')"),  # one column: not skipped
        ("", ":1: the file is empty"),
    ],
)
def test_a_bad_cell_names_file_line_and_column(tmp_path, text, where):
    path = write_csv(tmp_path / "s.csv", text)
    with pytest.raises(DataError) as err:
        prepare(series_recipe(path, lookback=1, horizon=1, test_size=None, val_fraction=0))
    assert str(err.value).startswith(f"{path}{where}")


def test_a_file_with_no_line_ends_is_refused_without_reading_it_whole(tmp_path, monkeypatch):
    import seqcli.data.series as series

    monkeypatch.setattr(series, "LONGEST_ROW", 64)  # 16 MiB in use: a 2 GB file of zeros
    path = write_csv(tmp_path / "s.csv", "t,v\n" + "0" * 1000)
    with pytest.raises(DataError, match=r"s\.csv:2: a line longer than 64 bytes; is it a text"):
        prepare(series_recipe(path, lookback=1, horizon=1, test_size=None, val_fraction=0))


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
    torch.save({"meta": data.meta.to_dict()}, tmp_path / "m.pt")
    loaded = torch.load(tmp_path / "m.pt", weights_only=True)["meta"]
    assert task.meta.from_dict(loaded) == data.meta


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
    assert seasonal_mae(train, 2) == pytest.approx([11 / 3])
    assert seasonal_mae(train, 1) == pytest.approx([(1 + 2 + 3 + 0) / 4])


def test_monthly_and_daily_dates_continue_by_their_step():
    assert list(infer_calendar(["1960-11", "1960-12"]).after(2)) == ["1961-01", "1961-02"]
    days = infer_calendar(["1990-12-29", "1990-12-30", "1990-12-31"])
    assert list(days.after(1)) == ["1991-01-01"]
    assert infer_calendar(["a", "b"]) is None


def test_the_default_value_column_skips_the_date_column(tmp_path):
    rows = "".join(f"{i},{1900 + i // 12}-{i % 12 + 1:02d}\n" for i in range(60))
    path = write_csv(tmp_path / "s.csv", "level,month\n" + rows)
    _, _, data = prepare(series_recipe(path, date_column="month", test_size=10))
    assert data.meta.columns.values == ("level",)


def test_a_csv_syntax_error_is_a_data_error(tmp_path):
    path = write_csv(tmp_path / "s.csv", 'v\n1\n"2\n3\n')  # the quote never closes
    with pytest.raises(DataError, match=r"s\.csv:\d+: not readable as CSV"):
        prepare(series_recipe(path, lookback=1, horizon=1, test_size=None, val_fraction=0))


def two_column_csv(path):
    rows = "".join(f"{i},{i % 7},{math.sin(i)}\n" for i in range(80))
    return write_csv(path, "a,b,c\n" + rows)


def test_value_columns_choose_what_is_forecast(tmp_path):
    recipe, task, data = prepare(
        series_recipe(two_column_csv(tmp_path / "s.csv"), value_columns=["a", "c"], test_size=10)
    )
    batch = next(task.batches(data, recipe))
    assert data.meta.columns.values == ("a", "c")
    assert batch.targets.shape[-1] == 2 and batch.inputs["values"].shape[-1] == 2


def test_input_columns_are_read_but_not_forecast(tmp_path):
    recipe, task, data = prepare(
        series_recipe(
            two_column_csv(tmp_path / "s.csv"), input_columns=["b"], test_size=10, horizon=1
        )
    )
    batch = next(task.batches(data, recipe))
    assert data.meta.columns.features == ("c", "b")
    assert batch.inputs["values"].shape[-1] == 2 and batch.targets.shape[-1] == 1


@pytest.mark.parametrize(("lookback", "horizon"), [(5, 1), (12, 4)])
def test_lookback_and_horizon_shape_the_windows(tmp_path, lookback, horizon):
    raw = series_recipe(
        sine_csv(tmp_path / "s.csv"), mapping="many_to_one", lookback=lookback, horizon=horizon
    )
    recipe, task, data = prepare(raw)
    batch = next(task.batches(data, recipe))
    assert batch.inputs["values"].shape == (16, lookback, 1)
    assert batch.targets.shape == (16, horizon, 1)


def test_test_size_holds_out_the_last_rows(tmp_path):
    _, _, data = prepare(series_recipe(sine_csv(tmp_path / "s.csv"), test_size=30))
    assert data.splits["test"].points.tolist() == list(range(210, 240))


def test_season_sets_the_seasonal_naive_lag_and_mase_scale(tmp_path):
    path = sine_csv(tmp_path / "s.csv")
    _, _, yearly = prepare(series_recipe(path, season=12))
    _, _, none = prepare(series_recipe(path, season=1))
    assert (
        yearly.meta.mase_scale[0] == pytest.approx(0.0, abs=1e-9)
        or yearly.meta.mase_scale[0] == 1.0
    )
    assert none.meta.mase_scale[0] > 1.0  # a sine of amplitude 5 moves more than 1 per step
    run, data = untrained_run(series_recipe(path, season=4))
    details = run.task.evaluate(run, data.splits["test"])["details"]
    ranked = details["ranking"]
    assert "seasonal naive (lag 4)" in [row[1] for row in ranked["rows"]]


@pytest.mark.parametrize(
    ("calendar", "fits", "passes"),
    [
        (Calendar("%Y-%m", "9998-06", 1, 0.0), 18, 19),  # 18 months reach 9999-12
        (Calendar("%Y-%m-%d", "9999-12-30", 0, 86400.0), 1, 2),
        (Calendar("%Y", "9990", 12, 0.0), 9, 10),
    ],
)
def test_a_horizon_past_the_year_9999_is_refused_before_any_date_is_made(calendar, fits, passes):
    calendar.check_reach(fits, "--horizon")
    assert list(calendar.after(fits))[-1].startswith("9999")
    with pytest.raises(DataError, match=rf"--horizon {passes}: that many rows after .* 9999"):
        calendar.check_reach(passes, "--horizon")


@pytest.mark.parametrize(
    ("dates", "said"),
    [
        (["2020-01-03", "2020-01-02", "2020-01-01"], "goes back: '2020-01-03' then '2020-01-02'"),
        (["2020-01-01", "2020-01-02", "2020-01-02"], "repeats: '2020-01-02' then '2020-01-02'"),
    ],
)
def test_training_refuses_dates_that_go_back_or_repeat_within_a_series(tmp_path, dates, said):
    # Read in the file's order, a series saved newest first would be learned backwards.
    rows = "".join(f"{d},{k}\n" for k, d in enumerate(dates * 20))
    path = write_csv(tmp_path / "s.csv", "day,level\n" + rows)
    with pytest.raises(DataError, match=re.escape(f"s.csv (day) {said}")):
        prepare(series_recipe(path, date_column="day", test_size=10))


def test_each_series_of_a_panel_may_start_at_any_date(tmp_path):
    days = [str(np.datetime64("2020-01-01") + k) for k in range(60)]
    rows = "".join(f"{s},{d},{k}\n" for s in ("north", "south") for k, d in enumerate(days))
    path = write_csv(tmp_path / "s.csv", "store,day,level\n" + rows)
    recipe = series_recipe(path, date_column="day", series_column="store", test_size=None)
    _, _, data = prepare(recipe)
    assert data.meta.calendar is not None and data.meta.calendar.seconds == 86400
