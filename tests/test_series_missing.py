"""Missing values in a series (data.missing): refused by default with the way out named, or
interpolated, carried forward or dropped within each series."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcli.data.missing import forward_filled, interpolated, read_complete
from seqcli.data.series import Columns
from seqcli.errors import DataError
from tests.series_helpers import series_recipe, sine_csv, untrained_run, write_csv

NAN = math.nan
COLUMNS = Columns(("v",), (), "t", "s")


def test_interpolation_is_linear_inside_a_gap_and_nearest_at_the_ends():
    column = np.array([NAN, 1.0, NAN, NAN, 4.0, NAN])
    assert interpolated(column).tolist() == [1.0, 1.0, 2.0, 3.0, 4.0, 4.0]


def test_forward_fill_carries_the_last_value_and_leading_gaps_take_the_first():
    column = np.array([NAN, 1.0, NAN, 4.0, NAN])
    assert forward_filled(column).tolist() == [1.0, 1.0, 1.0, 4.0, 4.0]


def gappy_csv(tmp_path):
    """Two series; b's gap sits right after a's last row, so a fill must not read a's rows."""
    text = "t,s,v\n1,a,1\n2,a,2\n3,a,3\n1,b,10\n2,b,NaN\n3,b,\n4,b,40\n"
    return write_csv(tmp_path / "g.csv", text)


@pytest.mark.parametrize(
    "missing, expected",
    [
        ("interpolate", [1, 2, 3, 10, 20, 30, 40]),
        ("ffill", [1, 2, 3, 10, 10, 10, 40]),
        ("drop", [1, 2, 3, 10, 40]),
    ],
)
def test_each_policy_fills_within_its_own_series(tmp_path, missing, expected):
    table = read_complete(gappy_csv(tmp_path), COLUMNS, missing)
    assert table.features[:, 0].tolist() == expected
    assert len(table.dates) == len(table.series) == len(expected)


def test_dropped_rows_take_their_dates_with_them(tmp_path):
    table = read_complete(gappy_csv(tmp_path), COLUMNS, "drop")
    assert table.dates == ["1", "2", "3", "1", "4"] and table.series[-2:] == ["b", "b"]


def test_by_default_a_missing_value_is_refused_naming_file_row_and_the_option(tmp_path):
    with pytest.raises(DataError, match=r"g\.csv:6:3: 'NaN' is not a number .*data\.missing"):
        read_complete(gappy_csv(tmp_path), COLUMNS, "error")


def test_a_recipe_with_gaps_trains_on_the_interpolated_series(tmp_path):
    path = sine_csv(tmp_path / "s.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    month, level = lines[11].split(",")
    lines[11] = f"{month},"  # row 10 of the data, between rows 9 and 11
    write_csv(path, "\n".join(lines) + "\n")
    _, data = untrained_run(series_recipe(path, missing="interpolate"))
    raw = data.splits["train"].raw[:, 0]
    assert raw[10] == pytest.approx((raw[9] + raw[11]) / 2)
    assert raw[10] != pytest.approx(float(level))  # a guess on the line, not the lost value


# --- dates -----------------------------------------------------------------------------------


def digit_dates_csv(tmp_path):
    """Daily rows dated like 19580329: no format seqcli recognises on its own."""
    start = np.datetime64("1958-03-29")
    rows = [f"{str(start + day).replace('-', '')},{math.sin(day / 3)}" for day in range(120)]
    return write_csv(tmp_path / "d.csv", "Date,v\n" + "\n".join(rows) + "\n")


def test_digits_only_dates_are_refused_rather_than_numbered(tmp_path):
    with pytest.raises(DataError, match=r"date '19580329' is digits only.*data\.date_format"):
        untrained_run(series_recipe(digit_dates_csv(tmp_path), date_column="Date", season=None))


def test_date_format_reads_them_and_forecasts_continue_them(tmp_path):
    path = digit_dates_csv(tmp_path)
    raw = series_recipe(path, date_column="Date", season=None, date_format="%Y%m%d")
    run, _ = untrained_run(raw)
    calendar = run.meta.calendar
    assert (calendar.last, calendar.seconds) == ("19580726", 86400.0)
    assert list(calendar.after(2)) == ["19580727", "19580728"]


def test_a_date_outside_date_format_is_named(tmp_path):
    path = digit_dates_csv(tmp_path)
    raw = series_recipe(path, date_column="Date", season=None, date_format="%Y-%m-%d")
    with pytest.raises(DataError, match=r"date '19580329' does not match data\.date_format"):
        untrained_run(raw)
