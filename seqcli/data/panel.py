"""Several series in one file (a panel): rows grouped by the series column, each series then
split by time on its own, so every series has a training, validation and test part."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from seqcli.data.series import Bounds, Table, check_room, split_rows
from seqcli.errors import DataError


@dataclass(frozen=True)
class Panel:
    """Where each series lies in the grouped rows."""

    names: tuple[str, ...]  # in order of first appearance; ("",) for a file of one series
    starts: np.ndarray  # (S,) each series' first row
    stops: np.ndarray  # (S,) one past its last row
    of_row: np.ndarray  # (N,) the series each row belongs to

    def __len__(self) -> int:
        return len(self.names)


def grouped(table: Table) -> tuple[Table, Panel]:
    """The rows reordered so each series is contiguous (each keeps its rows' order), and where
    each lies; a table without a series column is one series."""
    total = len(table.features)
    if table.series is None:
        return table, Panel(("",), np.array([0]), np.array([total]), np.zeros(total, int))
    names = tuple(dict.fromkeys(table.series))
    index = {name: number for number, name in enumerate(names)}
    of_row = np.array([index[name] for name in table.series])
    order = np.argsort(of_row, kind="stable")
    sizes = np.bincount(of_row, minlength=len(names))
    stops = np.cumsum(sizes)
    dates = None if table.dates is None else [table.dates[row] for row in order]
    rows = replace(table, features=table.features[order], dates=dates, series=None)
    return rows, Panel(names, stops - sizes, stops, of_row[order])


def one_series(table: Table, panel: Panel, name: str | None, where: str) -> Table:
    """The grouped rows of the series named (None: the last, the one generate continues)."""
    if name is not None and panel.names == ("",):
        raise DataError(
            f"--series {name}: {where} holds one series (no data.series_column, not a folder)"
        )
    if name is not None and name not in panel.names:
        shown = ", ".join(panel.names[:8]) + (", ..." if len(panel) > 8 else "")
        raise DataError(f"--series {name}: {where} has no such series; it has {shown}")
    number = len(panel) - 1 if name is None else panel.names.index(name)
    rows = slice(int(panel.starts[number]), int(panel.stops[number]))
    dates = None if table.dates is None else table.dates[rows]
    return replace(table, features=table.features[rows], dates=dates)


def split_each(path: Path, panel: Panel, config) -> list[Bounds]:
    """Each series' train / validation / test bounds, in rows of the grouped table."""
    bounds = []
    for name, start, stop in zip(panel.names, panel.starts, panel.stops, strict=True):
        own = split_rows(
            int(stop - start),
            val_fraction=config.val_fraction,
            test_fraction=config.test_fraction,
            test_size=config.test_size,
        )
        where = Path(f"{path} (series {name!r})") if name else path
        check_room(where, own, lookback=config.lookback, horizon=config.horizon)
        bounds.append(Bounds(int(start + own.val), int(start + own.test), int(stop)))
    return bounds


def rows_of(lows: np.ndarray, highs: np.ndarray) -> np.ndarray:
    """The rows [low, high) of every series, one after another."""
    return np.concatenate(
        [np.arange(low, max(low, high)) for low, high in zip(lows, highs, strict=True)]
    )
