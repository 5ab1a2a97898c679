"""Columns known ahead (data.future_columns) for a forecast after a history: read from the
--future file, and joined onto the window as training's windows carry them (batches.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import torch

from seqcli.data.dates import Calendar, cycle_columns
from seqcli.data.forecast_data import SeriesMeta
from seqcli.data.missing import read_complete
from seqcli.data.series import Columns, file_header
from seqcli.errors import DataError, UsageError

# Every row of --future is the row of its step: a gap is filled as data.missing fills the
# series' (a gap left NaN is a NaN forecast), else refused naming the cell to fill; dropping its
# row would move each later value one step earlier, and data.missing is a training key.
FILLS = ("interpolate", "ffill")


def future_after(
    meta: SeriesMeta, path: Path | None, rows: int, missing: str, calendar: Calendar | None
):
    """(rows, K) the columns known ahead after the history, in data units: the first rows of
    --future, then the calendar's features of the dates after the last; None: the model reads
    none."""
    if not meta.ahead:
        return None
    if meta.cycles and calendar is None:
        raise UsageError("the model reads calendar features (data.calendar): it needs dated rows")
    given = _file_rows(meta, path, rows, missing, calendar) if meta.future else np.zeros((rows, 0))
    dates = [] if calendar is None else calendar.span(1, rows)
    return np.hstack([given, cycle_columns(dates, meta.cycles)]) if meta.cycles else given


def _file_rows(
    meta: SeriesMeta, path: Path | None, rows: int, missing: str, calendar: Calendar | None
) -> np.ndarray:
    """(rows, K) data.future_columns' values from --future, read no further than they need."""
    names = ", ".join(meta.future)
    if path is None:
        raise UsageError(
            f"the model reads data.future_columns ({names}), known ahead; pass --future FILE "
            f"with their values for the {rows} row(s) after the series' end"
        )
    policy = missing if missing in FILLS else "keep"
    # The series' date column, where the file has one too: its rows must be the steps' dates.
    dated = calendar is not None and meta.columns.date in file_header(path)
    date = meta.columns.date if dated else None
    table = read_complete(path, Columns((), meta.future, date), policy, first=rows)
    if len(table.features) < rows:
        raise DataError(
            f"{path}: {len(table.features)} row(s) of {names}; the forecast needs their "
            f"values for {rows} row(s) after the series' end (--future)"
        )
    if date is not None:
        _refuse_misdated(path, table.dates[:rows], date, calendar)
    _refuse_gap(path, table.features[:rows], meta.future, calendar)
    return table.features[:rows]


def _refuse_misdated(path: Path, texts: list[str], column: str, calendar: Calendar) -> None:
    """The first row whose date is not its step's: a file that starts a row early or late
    would give every step its neighbour's values."""
    for row, (text, expected) in enumerate(zip(texts, calendar.after(len(texts)), strict=True)):
        if not _same_date(text, expected, calendar.format):
            raise DataError(
                f"{path}: row {row + 1} after the header is dated {text!r} (column '{column}'); "
                f"step {row + 1} after the series' end is {expected}"
            )


def _same_date(text: str, expected: str, form: str) -> bool:
    try:
        return datetime.strptime(text, form) == datetime.strptime(expected, form)
    except ValueError:
        return False


def _refuse_gap(path: Path, values: np.ndarray, names: tuple[str, ...], calendar) -> None:
    """The first missing cell of (rows, K) values, as the cell of the file to fill."""
    gaps = np.argwhere(np.isnan(values))
    if not len(gaps):
        return
    row, column = (int(number) for number in gaps[0])
    when = "" if calendar is None else f" ({list(calendar.after(row + 1))[-1]})"
    raise DataError(
        f"{path}: no value of '{names[column]}' in row {row + 1} after the header, step "
        f"{row + 1} after the series' end{when}; fill that cell: each row holds its step's value"
    )


def window_after(meta: SeriesMeta, history: np.ndarray, lookback: int, future) -> torch.Tensor:
    """(1, L, F) the last lookback rows scaled, each carrying the next row's columns known
    ahead (the last row: the first row of the future)."""
    window = history[-lookback:].copy()  # (L, F) data units
    if future is not None:
        known, later = future.shape[1], history[len(history) - lookback + 1 :]
        window[:, -known:] = np.concatenate([later[:, -known:], future[:1]])
    return torch.from_numpy(meta.scaler.apply(window))[None]


def window_start(history: np.ndarray, lookback: int, first: int | None) -> int | None:
    """The row of its series the last window of history starts at, where a learned initial
    season reads its phase; first: the row of its series history starts at (None: unknown, a
    run saved before it kept meta.history_start)."""
    return None if first is None else first + len(history) - lookback


def scaled_future(meta: SeriesMeta, future) -> torch.Tensor | None:
    """(1, S, K) the future rows scaled as the model's last K columns are."""
    if future is None:
        return None
    rows = np.zeros((len(future), meta.width))
    rows[:, -future.shape[1] :] = future
    return torch.from_numpy(meta.scaler.apply(rows)[:, -future.shape[1] :])[None]
