"""CSV time series: read the columns a recipe names, check every cell, split by time."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqcli.data.corpus import read_lines
from seqcli.data.numbers import BadNumber, parse_number
from seqcli.errors import DataError
from seqcli.recipe.errors import cut, shown
from seqcli.recipe.numeric_formats import MISSING_TEXTS

# A row of a 10,000-column file is well under this; a file with no line ends is not read whole.
LONGEST_ROW = 16 << 20


@dataclass(frozen=True)
class Columns:
    """Which header names play which role; the meta stores this, so files read alike."""

    values: tuple[str, ...]  # forecast, and read as inputs
    inputs: tuple[str, ...]  # covariates: read, never forecast
    date: str | None
    series: str | None = None  # names the series a row belongs to, in a file of several

    @property
    def features(self) -> tuple[str, ...]:
        """Model input columns, values first, so output column j is input column j."""
        return (*self.values, *self.inputs)


@dataclass(frozen=True)
class Table:
    features: np.ndarray  # (N, F) float64 in the file's units, value columns first
    dates: list[str] | None  # the date column's text, when there is one
    series: list[str] | None = None  # the series column's text, when there is one


def read_series(
    path: Path, columns: Columns, *, missing: str = "error", first: int | None = None
) -> Table:
    """Every row's numbers (and dates); a bad cell is a DataError naming file:line:column.
    Unless data.missing is error, a missing cell reads as NaN, for the caller to handle.
    first: stop once that many rows are read and the last has no gap (what filling them reads)."""
    with closing(read_lines(path, longest=LONGEST_ROW)) as lines:
        return read_rows(path, lines, columns, missing=missing, first=first)


def read_rows(
    path: Path, lines: Iterable[str], columns: Columns, *, missing: str, first: int | None = None
) -> Table:
    """read_series of the lines given: the header, then (some of) the file's rows."""
    # strict: a stray quote is an error here, not a field that swallows the rows after it
    rows = csv.reader(lines, strict=True)
    header = _header(path, rows)
    index = _column_index(path, header, columns)
    numbers, texts = [], {columns.date: [], columns.series: []}
    try:
        for line, row in _data_rows(rows, len(header)):
            numbers.append(_row_numbers(path, line, row, header, index, columns, missing))
            for name in filter(None, (columns.date, columns.series)):
                texts[name].append(row[index[name]].strip())
            if first is not None and len(numbers) >= first and not np.isnan(numbers[-1]).any():
                break  # a 5-million-row file is not read for the 3 rows a forecast needs
    except csv.Error as err:
        raise DataError(f"{path}:{rows.line_num}: not readable as CSV ({err})") from None
    if not numbers:
        raise DataError(f"{path}: no data rows after the header")
    features = np.asarray(numbers, dtype=np.float64).reshape(len(numbers), len(columns.features))
    return Table(
        features, *(texts[name] if name else None for name in (columns.date, columns.series))
    )


def _data_rows(rows, width: int) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of each row. A blank line is no row (often the last), except before a
    later row of a one-column file: there it is the empty cell a spreadsheet saves, and
    skipping it would move every later value one row earlier."""
    blanks: list[int] = []
    for row in rows:
        if not any(cell.strip() for cell in row):
            blanks.append(rows.line_num)
            continue
        if width == 1:
            yield from ((line, [""]) for line in blanks)
        blanks.clear()
        yield rows.line_num, row


def _row_numbers(path, line: int, row: list[str], header, index, columns, missing) -> list:
    if len(row) != len(header):
        raise DataError(f"{path}:{line}: {len(row)} field(s), the header has {len(header)}")
    return [_number(path, line, index[name], row, name, missing) for name in columns.features]


def _header(path: Path, rows) -> list[str]:
    try:
        header = next(rows, None)
    except csv.Error as err:
        raise DataError(f"{path}:1: not readable as CSV ({err})") from None
    if not header:
        raise DataError(f"{path}:1: the file is empty; expected a header row of column names")
    return header


def header_columns(path: Path, *, values, inputs, date, series=None) -> Columns:
    """The recipe's column roles; without value columns, the last column with no other role."""
    if values:
        return Columns(tuple(values), tuple(inputs), date, series)
    names = file_header(path)
    free = [name for name in names if name not in (date, series) and name not in inputs]
    if not free:
        raise DataError(
            f"{path}:1: every column is the date, the series or an input; none is left to forecast"
        )
    return Columns((free[-1],), tuple(inputs), date, series)


def file_header(path: Path) -> list[str]:
    """The column names of a CSV file's first row."""
    with closing(read_lines(path, longest=LONGEST_ROW)) as lines:
        return header_names(_header(path, csv.reader(lines)))


def header_names(header: list[str]) -> list[str]:
    # Spreadsheets often save UTF-8 with a byte-order mark, which would stick to the first name.
    return [name.strip().lstrip("\ufeff") for name in header]


def _column_index(path: Path, header: list[str], columns: Columns) -> dict[str, int]:
    names = header_names(header)
    wanted = [*columns.features, *filter(None, [columns.date, columns.series])]
    missing = [name for name in wanted if name not in names]
    if missing:
        raise DataError(
            f"{path}:1: no column {cut(', '.join(repr(n) for n in missing))}; the header has "
            f"{cut(', '.join(repr(n) for n in names))}"
        )
    return {name: names.index(name) for name in wanted}


def _number(path: Path, line: int, column: int, row: list[str], name: str, missing) -> float:
    text = row[column].strip()
    gap = text.lower() in MISSING_TEXTS
    if gap and missing != "error":
        return math.nan
    try:
        return parse_number(text)
    except BadNumber as err:
        problem = f"{shown(text)} {err}" if text else "empty cell"
        way_out = "; a missing value? set data.missing: interpolate, ffill or drop" if gap else ""
        raise DataError(
            f"{path}:{line}:{column + 1}: {problem} (column '{cut(name)}'){way_out}"
        ) from None


@dataclass(frozen=True)
class Bounds:
    """Row ranges of the three splits: [0, val) train, [val, test) validation, [test, n) test."""

    val: int
    test: int
    total: int

    KEYS = ("val", "test", "total")


def split_rows(total: int, *, val_fraction: float, test_fraction: float, test_size: int | None):
    """Contiguous splits in time order: train, then validation, then test at the end."""
    test_rows = test_size if test_size is not None else round(total * test_fraction)
    test = total - test_rows
    val = test - round(total * val_fraction)
    return Bounds(val=val, test=test, total=total)


def check_room(path: Path, bounds: Bounds, *, lookback: int, horizon: int) -> None:
    """Training needs one whole window; each split needs its lookback of history."""
    if bounds.test < 0:
        raise DataError(
            f"{path}: test_size {bounds.total - bounds.test} exceeds the file's {bounds.total} rows"
        )
    if bounds.val < lookback + horizon:
        raise DataError(
            f"{path}: {bounds.total} rows leave {max(bounds.val, 0)} for training; lookback "
            f"{lookback} + horizon {horizon} needs at least {lookback + horizon}: use a "
            "longer series, a shorter lookback or smaller validation/test splits"
        )
