"""What a forecaster reads from and writes for the user: history lines and CSV."""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from seqcli.data.dates import Calendar
from seqcli.errors import DataError, UsageError


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
            value = float(cell)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise DataError(f"line {number}: value {position} {cell!r} is not a number")
        values.append(value)
    if len(values) < lookback:
        raise DataError(
            f"line {number}: {len(values)} value(s); the model reads the last {lookback} "
            "(data.lookback)"
        )
    return np.asarray(values, dtype=np.float64)[:, None]


def forecast_csv(meta, forecast: np.ndarray, calendar: Calendar | None) -> str:
    """(S, V) forecast rows under a header: the date column (or a step count) then values."""
    steps = len(forecast)
    if calendar is not None:
        first, labels = meta.columns.date, calendar.after(steps)
    else:
        first, labels = "step", [str(k) for k in range(1, steps + 1)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([first, *meta.columns.values])
    for label, row in zip(labels, forecast, strict=True):
        writer.writerow([label, *(f"{value:.6g}" for value in row)])
    return buffer.getvalue()
