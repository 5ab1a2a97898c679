"""Which column of a table plays which part: ids (ignored), the text, the label."""

from __future__ import annotations

import re
from dataclasses import dataclass

from seqcli.scaffold.columns import Column, Table, is_category

ID_NAMES = re.compile(r"^(id|idx|index|key|uuid|row|#)$|[_ ]id$", re.I)


@dataclass(frozen=True)
class Roles:
    ids: tuple[Column, ...]
    text: Column | None
    label: Column | None
    rest: tuple[Column, ...]  # read by nothing

    @property
    def classes(self) -> bool:
        return self.label is not None and self.label.kind != "number"


def is_id(column: Column, table: Table) -> bool:
    """Named like an id, a row count (1, 2, 3, ...), or, beside at least two other columns,
    text whose every value is a distinct word."""
    if column.name is not None and ID_NAMES.search(column.name):
        return True
    if column.kind == "number":
        return column.integers and len(column.cells) > 2 and counts_rows(column)
    single = all(len(cell.split()) == 1 for cell in column.cells)
    distinct = column.distinct == len(column.cells) > 1
    return column.kind == "text" and len(table.columns) > 2 and single and distinct


def counts_rows(column: Column) -> bool:
    values = [float(cell) for cell in column.cells]
    return all(after - before == 1 for before, after in zip(values, values[1:], strict=False))


def table_roles(table: Table) -> Roles:
    ids = tuple(column for column in table.columns if is_id(column, table))
    left = [column for column in table.columns if column not in ids]
    texts = [column for column in left if column.kind == "text"]
    text = max(texts, key=lambda c: (c.words, c.distinct), default=None)
    label = pick_label([column for column in left if column is not text], table.rows)
    rest = tuple(column for column in left if column not in (text, label))
    return Roles(ids, text, label, rest)


def pick_label(columns: list[Column], rows: int) -> Column | None:
    """A column of a few repeated values first (a class), else one of numbers (a value)."""
    classes = [column for column in columns if is_category(column, rows)]
    numbers = [column for column in columns if column.kind == "number"]
    return min(classes, key=lambda c: c.distinct, default=None) or next(iter(numbers), None)


def two_sides(table: Table, roles: Roles) -> tuple[Column, Column] | None:
    """A source and a target: two columns of many distinct texts, tab-separated (as pairs)."""
    sides = [
        column
        for column in table.columns
        if column not in roles.ids
        and column.kind in ("text", "number")
        and not is_category(column, table.rows)
    ]
    return (sides[0], sides[1]) if table.delimiter == "\t" and len(sides) >= 2 else None
