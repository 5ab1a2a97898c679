"""What a forecaster reads from and writes for the user: history lines and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

import numpy as np

from seqcli.data.dates import Calendar
from seqcli.data.numbers import BadNumber, parse_number
from seqcli.errors import DataError, UsageError
from seqcli.recipe.errors import shown


def parse_history(lines: list[str], meta, *, lookback: int) -> list[np.ndarray]:
    """(T, 1) past values per line: comma-separated numbers, oldest first."""
    columns = meta.columns
    if columns.inputs or len(columns.values) > 1:
        raise UsageError(
            "predict reads one comma-separated series per line; this model reads columns "
            f"{', '.join(columns.features)}: use seqcli generate --input FILE.csv"
        )
    return [_history_line(number, line, lookback) for number, line in enumerate(lines, 1)]


def _history_line(number: int, line: str, lookback: int) -> np.ndarray:
    cells = [cell.strip() for cell in line.split(",") if cell.strip()]
    values = []
    for position, cell in enumerate(cells, 1):
        try:
            values.append(parse_number(cell))
        except BadNumber as err:
            raise DataError(f"line {number}: value {position} {shown(cell)} {err}") from None
    if len(values) < lookback:
        raise DataError(
            f"line {number}: {len(values)} value(s); the model reads the last {lookback} "
            "(data.lookback)"
        )
    return np.asarray(values, dtype=np.float64)[:, None]


def forecast_csv(
    meta, chunks: Iterable[np.ndarray], steps: int, calendar: Calendar | None
) -> Iterator[str]:
    """CSV text, chunk by chunk, of `steps` forecast rows given as (C, V) chunks, under a
    header: the date column (or a step count) then the values."""
    if calendar is not None:
        first, labels = meta.columns.date, calendar.after(steps)
    else:
        first, labels = "step", (str(k) for k in range(1, steps + 1))
    yield _csv_rows([[first, *meta.columns.values]])
    for chunk in chunks:
        # The chunk first: zip stops on it without taking the next chunk's label.
        rows = zip(chunk, labels, strict=False)
        yield _csv_rows([label, *(f"{value:.6g}" for value in row)] for row, label in rows)


def _csv_rows(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()
