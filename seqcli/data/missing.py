"""Missing values in a series (data.missing): an empty, NaN or NA cell filled from its own
series' neighbours, or its row left out. Refusing them is the default: a filled value is a
guess the model then learns from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

from seqcli.data.series import Columns, Table, read_series
from seqcli.errors import DataError


def interpolated(column: np.ndarray) -> np.ndarray:
    """Linear between the known values around each gap; the nearest known value at the ends."""
    rows = np.arange(len(column))
    known = ~np.isnan(column)
    return np.interp(rows, rows[known], column[known])


def forward_filled(column: np.ndarray) -> np.ndarray:
    """Each gap takes the last known value before it; leading gaps, the first known value."""
    known = ~np.isnan(column)
    last = np.maximum.accumulate(np.where(known, np.arange(len(column)), -1))
    return column[np.where(last < 0, np.argmax(known), last)]


def filled_table(path: Path, table: Table, names: tuple[str, ...], *, fill: Callable) -> Table:
    """Every column of every series filled on its own: no gap reads another series' rows."""
    labels = np.array(table.series if table.series is not None else [""] * len(table.features))
    features = table.features.copy()
    for name in dict.fromkeys(labels.tolist()):
        rows = np.flatnonzero(labels == name)
        for column, header in enumerate(names):
            if np.isnan(features[rows, column]).all():
                where = f" in series {name!r}" if name else ""
                raise DataError(
                    f"{path}: column '{header}'{where} has no value to fill from (data.missing)"
                )
            features[rows, column] = fill(features[rows, column])
    return replace(table, features=features)


def dropped_rows(path: Path, table: Table, names: tuple[str, ...]) -> Table:
    keep = ~np.isnan(table.features).any(axis=1)
    kept = [
        None if texts is None else [text for text, k in zip(texts, keep, strict=True) if k]
        for texts in (table.dates, table.series)
    ]
    return Table(table.features[keep], *kept)


POLICIES: dict[str, Callable[[Path, Table, tuple[str, ...]], Table]] = {
    "interpolate": partial(filled_table, fill=interpolated),
    "ffill": partial(filled_table, fill=forward_filled),
    "drop": dropped_rows,
    "keep": lambda path, table, names: table,  # NaN, for a caller that names each gap itself
}


def read_complete(path: Path, columns: Columns, missing: str, first: int | None = None) -> Table:
    """The file's rows (first: only the first, see read_series) with their missing cells handled as
    data.missing says."""
    table = read_series(path, columns, missing=missing, first=first)
    return completed(path, table, columns.features, missing)


def completed(path: Path, table: Table, names: tuple[str, ...], missing: str) -> Table:
    """The table's missing cells (NaN) handled as data.missing says."""
    if missing == "error" or not np.isnan(table.features).any():
        return table
    return POLICIES[missing](path, table, names)
