"""A file to predict for, read as the run's table: the run's delimiter (or the file's
extension's), its header row when the run had one, and its text column by name or position.
A file without the label column is fine: predicting is what it is for."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from seqcli.data.labelled import DELIMITERS, QUOTING, header_indices
from seqcli.errors import DataError
from seqcli.recipe.inputs import LINES, read_input

TABLE_FILES = (".csv", ".tsv")  # suffixes read as a table; a .txt stays one text per line


@dataclass(frozen=True)
class InputTable:
    header: list[str] | None  # the file's first row, when the run's data had a header
    rows: list[list[str]]  # every non-blank row's cells, as written
    texts: list[str]  # the text column of each row


def is_table_input(config, path: Path | None) -> bool:
    """Whether `predict --file` reads path as the run's table rather than line by line."""
    if path is None or str(path) == "-" or config.format != "table":
        return False
    return path.suffix.lower() in TABLE_FILES


def read_input_table(config, path: Path) -> InputTable:
    """Every row of path; a row without the text column is a DataError naming file:line."""
    delimiter = config.delimiter or DELIMITERS[path.suffix.lower()]
    content = read_input(path, LINES, label=f"--file {path}")
    reader = csv.reader(
        io.StringIO(content), delimiter=delimiter, quoting=QUOTING.get(delimiter, csv.QUOTE_MINIMAL)
    )
    column = config.text_column
    header = None
    rows = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # a blank line is no input
            if config.header and header is None:
                header = row
                column = header_indices(row, {"text": column}, f"{path}:1")["text"]
            else:
                rows.append(_with_text(row, column, f"{path}:{reader.line_num}"))
    except csv.Error as err:
        raise DataError(f"{path}:{reader.line_num}: {err}") from None
    if not rows:
        raise DataError(f"{path}: holds no rows to predict")
    texts = [row[column] for row in rows]  # the task's predict normalises them as in training
    return InputTable(header, rows, texts)


def _with_text(row: list[str], column: int, where: str) -> list[str]:
    if column >= len(row):
        raise DataError(
            f"{where}: {len(row)} field(s), but text_column is {column} (0-based); the file "
            "is read as the run's table (data.delimiter, data.header, data.text_column)"
        )
    if not row[column].strip():
        raise DataError(f"{where}: empty text")
    return row
