"""The `vectors` format: a CSV of numeric condition columns and one sequence column.

Each row is one example: the condition (e.g. amplitude, frequency) and the sequence of values
it should produce, written as space-separated numbers in one field."""

from __future__ import annotations

import csv
from typing import NamedTuple

import numpy as np

from seqcli.data.labelled import decoded_lines, split_sizes
from seqcli.data.numbers import BadNumber, parse_number
from seqcli.errors import DataError
from seqcli.recipe.errors import cut, shown


class VectorExample(NamedTuple):
    condition: tuple[float, ...]
    values: tuple[float, ...]
    where: str  # "file:line"


def read_vectors(config) -> list[VectorExample]:
    """Every row of the CSV as an example; the header names the columns."""
    rows = csv.reader(decoded_lines(config.path))
    try:
        return _examples(rows, config)
    except csv.Error as err:  # a field past csv's limit of 128 KiB, a stray NUL
        raise DataError(f"{config.path}:{rows.line_num}: not CSV seqcli can read ({err})") from None


def _examples(rows, config) -> list[VectorExample]:
    header = next(rows, None)
    if header is None:
        raise DataError(f"{config.path}: empty file; expected a header row")
    names = [name.strip() for name in header]
    wanted = [*config.condition_columns, config.sequence_column]
    missing = [name for name in wanted if name not in names]
    if missing:
        raise DataError(
            f"{config.path}:1: no column named '{missing[0]}'; columns are "
            f"{cut(', '.join(repr(n) for n in names))}"
        )
    columns = [names.index(name) for name in wanted]
    examples = [
        _example(row, columns, f"{config.path}:{rows.line_num}") for row in rows if any(row)
    ]
    if not examples:
        raise DataError(f"{config.path}: no examples below the header")
    return examples


def _example(row: list[str], columns: list[int], where: str) -> VectorExample:
    if max(columns) >= len(row):
        raise DataError(f"{where}: {len(row)} field(s), expected at least {max(columns) + 1}")
    *condition, sequence = (row[i] for i in columns)
    values = tuple(_number(field, where) for field in sequence.split())
    if not values:
        raise DataError(f"{where}: the sequence column is empty")
    return VectorExample(tuple(_number(field, where) for field in condition), values, where)


def _number(field: str, where: str) -> float:
    try:
        return parse_number(field)
    except BadNumber as err:
        raise DataError(f"{where}: {shown(field)} {err}") from None


def random_split(
    examples: list, *, val_fraction: float, test_fraction: float, seed: int
) -> dict[str, list]:
    """train/val/test by a seeded shuffle; each split keeps file order."""
    order = np.random.default_rng(seed).permutation(len(examples)).tolist()
    n_val = split_sizes(len(examples), val_fraction)
    n_test = split_sizes(len(examples), test_fraction)
    if len(examples) - n_val - n_test < 1:
        raise DataError(f"{len(examples)} example(s) cannot fill train, val and test splits")
    picked = {
        "val": order[:n_val],
        "test": order[n_val : n_val + n_test],
        "train": order[n_val + n_test :],
    }
    return {name: [examples[i] for i in sorted(rows)] for name, rows in picked.items()}
