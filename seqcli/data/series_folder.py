"""Several series as a folder of CSV files, one per series, each named by its file's stem:
read into the one long table data.series_column describes, so all that follows is shared."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqcli.data.missing import read_complete
from seqcli.data.series import Columns, Table, file_header
from seqcli.errors import DataError


def series_files(folder: Path) -> list[Path]:
    """The folder's files, sorted by name; anything but .csv files is refused. Hidden files
    (.DS_Store, ._copy.csv) are not data: a folder copied from a Mac holds them."""
    files = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    if not files:
        raise DataError(f"{folder}: the folder is empty; put one .csv file per series in it")
    for path in files:
        if not path.is_file() or path.suffix.lower() != ".csv":
            raise DataError(
                f"{path}: not a .csv file; data.path {folder} is read as one CSV file per series"
            )
    return files


def check_headers(files: list[Path]) -> None:
    first = file_header(files[0])
    for path in files[1:]:
        names = file_header(path)
        if names != first:
            raise DataError(
                f"{path}:1: columns {', '.join(names)}; {files[0].name} has "
                f"{', '.join(first)}: every file of the folder needs the same header"
            )


def read_folder(folder: Path, columns: Columns, missing: str) -> Table:
    """Every file's rows, one after another, each row's series the file's stem."""
    if columns.series is not None:
        raise DataError(
            f"{folder}: a folder names each series by its file; leave data.series_column unset"
        )
    files = series_files(folder)
    check_headers(files)
    tables = [read_complete(path, columns, missing) for path in files]
    dates = None if columns.date is None else [d for table in tables for d in table.dates]
    series = [path.stem for path, table in zip(files, tables, strict=True) for _ in table.features]
    return Table(np.concatenate([table.features for table in tables]), dates, series)


def read_table(path: Path, columns: Columns, missing: str) -> Table:
    """A series file, or a folder of them."""
    return (read_folder if path.is_dir() else read_complete)(path, columns, missing)


def header_file(path: Path) -> Path:
    """The file whose header names the columns: the first of a folder's."""
    return series_files(path)[0] if path.is_dir() else path
