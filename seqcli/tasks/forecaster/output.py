"""What a forecaster reads from and writes for the user: history lines, the rows given to
`seqcli gates`, and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

import numpy as np

from seqcli.data.dates import Calendar
from seqcli.data.forecast_data import SeriesMeta
from seqcli.data.history import history_of_file
from seqcli.data.numbers import BadNumber, parse_number
from seqcli.engine.contract import Given
from seqcli.errors import DataError, UsageError
from seqcli.recipe.errors import shown


def parse_history(lines: list[str], meta: SeriesMeta, *, lookback: int) -> list[np.ndarray]:
    """(T, 1) past values per line: comma-separated numbers, oldest first."""
    columns = meta.columns
    if columns.inputs or len(columns.values) > 1:
        raise UsageError(
            "predict reads one comma-separated series per line; this model reads columns "
            f"{', '.join(columns.features)}: use seqcli generate RUN --input-file FILE.csv, a "
            "CSV with those columns, to forecast after its last row"
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


def given_rows(given: Given, meta: SeriesMeta, missing: str) -> np.ndarray:
    """(T, F) rows in data units: a CSV file's, or one column's comma-separated values."""
    if given.path is not None and given.path.suffix.lower() == ".csv":
        return history_of_file(given.path, meta, missing)[0]
    if meta.width > 1:  # calendar features need the file's dates
        raise UsageError(
            f"{given.source}: this model reads columns {', '.join(meta.columns.features)}"
            f"{' and dates' if meta.cycles else ''}; give them as a CSV file (--file FILE.csv)"
        )
    lines = [line for line in given.text.splitlines() if line.strip()]
    return np.concatenate(parse_history(lines, meta, lookback=1) or [np.zeros((0, 1))])


def forecast_csv(
    meta: SeriesMeta,
    chunks: Iterable[np.ndarray],
    steps: int,
    calendar: Calendar | None,
    levels: tuple[float, ...],
) -> Iterator[str]:
    """CSV text, chunk by chunk, of `steps` forecast rows given as (C, V, Q) chunks, under a
    header: the date column (or a step count), the values (the median of a quantile model),
    then each value's other quantiles as NAME_qLEVEL."""
    if calendar is not None:
        first, labels = meta.columns.date, calendar.after(steps)
    else:
        first, labels = "step", (str(k) for k in range(1, steps + 1))
    point = levels.index(0.5)
    others = [q for q, level in enumerate(levels) if q != point]
    names = [f"{name}_q{levels[q]:g}" for name in meta.columns.values for q in others]
    yield _csv_rows([[first, *meta.columns.values, *names]])
    for chunk in chunks:
        columns = [chunk[:, :, point], chunk[:, :, others].reshape(len(chunk), -1)]
        table = np.concatenate(columns, axis=1)  # (C, V + V * (Q - 1))
        # The chunk first: zip stops on it without taking the next chunk's label.
        rows = zip(table, labels, strict=False)
        yield _csv_rows([label, *(f"{value:.6g}" for value in row)] for row, label in rows)


def _csv_rows(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()
