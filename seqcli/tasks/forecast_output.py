"""What a forecaster reads from and writes for the user: flags, history lines, CSV, a plot."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from seqcli.data.dates import Calendar
from seqcli.ui.figures import new_figure, save_figure
from seqcli.errors import DataError, UsageError
from seqcli.tasks.flags import reject_unknown

FLAGS = frozenset({"horizon", "input_file", "output", "plot"})


def check_flags(flags: dict) -> None:
    """Refuse a flag a forecaster does not take, or a horizon that is no number of steps."""
    reject_unknown(flags, FLAGS, "a forecaster (it takes --horizon, --input, --output, --plot)")
    horizon = flags.get("horizon")
    if horizon is not None and (not isinstance(horizon, int) or horizon < 1):
        raise UsageError(f"--horizon {horizon}: give a whole number of steps, at least 1")


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


def write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise UsageError(f"--output {path}: cannot write ({err.strerror})") from None


def plot_forecast(path: Path, meta, history: np.ndarray, forecast: np.ndarray) -> None:
    """History and forecast of every value column, one panel each, as an image."""
    names = meta.columns.values
    figure, axes = new_figure(len(names), figsize=(9, 3 * len(names)))
    past = np.arange(-len(history) + 1, 1)
    ahead = np.arange(0, len(forecast) + 1)  # starts at the last known row, so lines join
    for column, (name, axis) in enumerate(zip(names, axes, strict=True)):
        axis.plot(past, history[:, column], label="history")
        joined = np.concatenate([history[-1:, column], forecast[:, column]])
        axis.plot(ahead, joined, linestyle="--", label="forecast")
        axis.set_ylabel(name)
        axis.legend(loc="upper left")
    axes[-1].set_xlabel("rows after the last known one")
    save_figure(figure, path, flag="--plot")
