"""generate --input-file reads a forecaster's history from the end of a file of one series: the
last rows, filled and numbered as a whole read gives them, without parsing the rest."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcli.data import series as series_module
from seqcli.data.forecast_data import SeriesMeta
from seqcli.data.history import history_of_file, read_tail
from seqcli.data.missing import read_complete
from seqcli.data.scaling import Scaler
from seqcli.data.series import Columns
from seqcli.errors import DataError

ROWS = 3000
ONE = Columns(("y",), (), None)
TWO = Columns(("y",), ("x",), "day")


def write_series(path, lines: list[str], header: str = "y") -> None:
    path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")


def values(count: int) -> list[str]:
    return [f"{10 + math.sin(t / 7):.4f}" for t in range(count)]


def test_the_tail_is_the_last_rows_of_a_whole_read_and_says_where_it_starts(tmp_path):
    path = tmp_path / "s.csv"
    write_series(path, values(ROWS))
    table, first = read_tail(path, ONE, "error", 500)
    whole = read_complete(path, ONE, "error")
    assert first == ROWS - len(table.features) and len(table.features) >= 500
    np.testing.assert_array_equal(table.features, whole.features[first:])


def test_a_long_file_is_not_parsed_past_the_rows_a_forecast_needs(tmp_path, monkeypatch):
    path, parsed = tmp_path / "s.csv", []
    write_series(path, values(ROWS))
    real = series_module._row_numbers
    monkeypatch.setattr(
        series_module, "_row_numbers", lambda *args: parsed.append(1) or real(*args)
    )
    read_tail(path, ONE, "error", 100)
    assert len(parsed) <= 101


def test_blank_lines_before_the_tail_are_no_rows_in_a_file_of_several_columns(tmp_path):
    path = tmp_path / "s.csv"
    lines = [f"2020-01-{1 + t % 28:02d},{v},{t}" for t, v in enumerate(values(ROWS))]
    lines[10:10] = ["", " , ,", "\r"]  # three lines a whole read skips
    write_series(path, lines, header="day,y,x")
    table, first = read_tail(path, TWO, "error", 200)
    whole = read_complete(path, TWO, "error")
    assert first == len(whole.features) - len(table.features)
    assert table.dates == whole.dates[first:]


def test_a_gap_at_the_tails_start_is_filled_from_the_rows_before_it(tmp_path):
    path = tmp_path / "s.csv"
    lines = values(ROWS)
    for row in range(ROWS - 530, ROWS - 480):  # a gap across where a 500-row tail would start
        lines[row] = ""
    write_series(path, [f"{v},1" if v else ",1" for v in lines], header="y,x")
    columns = Columns(("y",), ("x",), None)
    table, first = read_tail(path, columns, "interpolate", 500)
    whole = read_complete(path, columns, "interpolate")
    np.testing.assert_allclose(table.features, whole.features[first:])
    assert first < ROWS - 530


@pytest.mark.parametrize("bad", ["1e999x", ""])
def test_a_bad_cell_in_the_tail_is_the_error_a_whole_read_gives(tmp_path, bad):
    path = tmp_path / "s.csv"
    lines = values(ROWS)
    lines[-20] = bad
    write_series(path, [f"{v},1" for v in lines], header="y,x")
    columns = Columns(("y",), ("x",), None)
    with pytest.raises(DataError) as whole:
        read_complete(path, columns, "error")
    with pytest.raises(DataError) as tail:
        read_tail(path, columns, "error", 500)
    assert str(tail.value) == str(whole.value)
    assert f"s.csv:{ROWS + 1 - 19}:1:" in str(tail.value)


def test_a_file_shorter_than_the_tail_is_read_whole(tmp_path):
    path = tmp_path / "s.csv"
    write_series(path, values(40))
    table, first = read_tail(path, ONE, "error", 500)
    assert first == 0 and len(table.features) == 40


def test_a_last_line_with_no_line_end_is_a_row(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("y\n" + "\n".join(values(ROWS)), encoding="utf-8")
    table, first = read_tail(path, ONE, "error", 10)
    assert len(table.features) == 10 and first == ROWS - 10
    assert table.features[-1, 0] == float(values(ROWS)[-1])


def meta_of(columns: Columns) -> SeriesMeta:
    width = len(columns.features)
    scaler = Scaler.fit("standard", np.zeros((2, width)))
    return SeriesMeta(columns, scaler, (1.0,), ((0.0,) * width,), None)


@pytest.mark.parametrize("missing", ["interpolate", "drop"])
def test_the_history_starts_at_its_row_of_the_series_as_a_whole_read_numbers_it(tmp_path, missing):
    path, columns = tmp_path / "s.csv", Columns(("y",), ("x",), None)
    lines = [f"{v},1" for v in values(ROWS)]
    lines[100] = ",1"  # a gap long before the tail: drop leaves its row out of the count
    write_series(path, lines, header="y,x")
    rows, _, first = history_of_file(path, meta_of(columns), missing, rows=500)
    whole = read_complete(path, columns, missing).features
    assert first == len(whole) - len(rows)
    np.testing.assert_array_equal(rows, whole[first:])
