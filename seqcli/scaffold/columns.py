"""A delimited sample read as a table: its delimiter, whether a header names the columns, and
what each column holds (numbers, dates, sequences of numbers, text)."""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from seqcli.recipe.numeric_formats import DATE_FORMATS, MISSING_TEXTS
from seqcli.recipe.text_formats import Quoting
from seqcli.scaffold.sample import Sample

# The delimiters a table may use, the one its extension means first (as data.delimiter null).
DELIMITERS = {".csv": (",", "\t"), ".tsv": ("\t", ","), ".txt": ("\t", ",")}
# TSV is read without quoting, as the table reader does: a text may start with a bare '"'.
QUOTING: dict[str, Quoting] = {"\t": csv.QUOTE_NONE, ",": csv.QUOTE_MINIMAL}
ROWS = 2000  # rows profiled: enough to see the classes, quick to read
SETTLED = 0.9  # share of rows with the common field count that makes a table
MAX_CLASSES = 100  # more distinct labels than this in a sample reads as a text or a number
YEAR_NAMES = re.compile(r"year|date|time|period", re.I)  # "%Y" only where the name says so


@dataclass(frozen=True)
class Column:
    index: int
    name: str | None  # from the header
    cells: tuple[str, ...]  # stripped, missing ones left out
    missing: int
    kind: str  # number | date | sequence | text
    date_format: str | None = None

    @property
    def key(self) -> int | str:
        """How a recipe names it: by header name, else by 0-based index."""
        return self.name if self.name is not None else self.index

    @property
    def shown(self) -> str:
        return f"'{self.name}'" if self.name is not None else f"column {self.index}"

    @property
    def distinct(self) -> int:
        return len(set(self.cells))

    @property
    def words(self) -> float:
        """The median words a cell holds."""
        return median(len(cell.split()) for cell in self.cells) if self.cells else 0

    @property
    def integers(self) -> bool:
        return self.kind == "number" and all(float(c).is_integer() for c in self.cells)

    def counts(self) -> Counter:
        return Counter(self.cells)


@dataclass(frozen=True)
class Table:
    delimiter: str
    header: bool
    columns: tuple[Column, ...]
    rows: int  # data rows profiled
    lines: int  # data rows in the whole sample, of which the first `rows` are profiled

    def of_kind(self, *kinds: str) -> list[Column]:
        return [column for column in self.columns if column.kind in kinds]


def split_rows(sample: Sample, delimiter: str) -> list[list[str]]:
    lines = [line for line in sample.lines[: ROWS + 1] if line.strip()]
    return list(csv.reader(lines, delimiter=delimiter, quoting=QUOTING[delimiter]))


def table_delimiter(sample: Sample) -> str | None:
    """The delimiter that splits nearly every row into the same two or more fields, if any;
    a comma for one named column of numbers (a series of one column)."""
    if one_column_of_numbers(sample):
        return ","
    for delimiter in DELIMITERS.get(sample.path.suffix.lower(), ("\t", ",")):
        try:
            widths = Counter(len(row) for row in split_rows(sample, delimiter))
        except csv.Error:
            continue
        width, count = widths.most_common(1)[0]
        if width >= 2 and count >= SETTLED * sum(widths.values()):
            return delimiter
    return None


def one_column_of_numbers(sample: Sample) -> bool:
    lines = [line.strip().strip('"') for line in sample.lines[: ROWS + 1] if line.strip()]
    body = lines[1:]
    return bool(body) and name_like(lines[0]) and all(map(is_number, body))


def read_table(sample: Sample, delimiter: str) -> Table:
    rows = split_rows(sample, delimiter)
    header = has_header(rows)
    names = [name.strip() for name in rows[0]] if header else None
    body = rows[1:] if header else rows
    width = Counter(len(row) for row in body).most_common(1)[0][0]
    columns = tuple(
        profile(index, names[index] if names and index < len(names) else None, body)
        for index in range(width)
    )
    lines = sum(1 for line in sample.lines if line.strip()) - header
    return Table(delimiter, header, columns, len(body), lines)


def profile(index: int, name: str | None, rows: list[list[str]]) -> Column:
    cells = [row[index].strip() for row in rows if index < len(row)]
    present = tuple(cell for cell in cells if cell.lower() not in MISSING_TEXTS)
    kind, date_format = kind_of(present, name)
    return Column(index, name, present, len(cells) - len(present), kind, date_format)


def kind_of(cells: tuple[str, ...], name: str | None) -> tuple[str, str | None]:
    if not cells:
        return "text", None
    date_format = next((f for f in DATE_FORMATS if dates_in(cells, f, name)), None)
    if date_format:
        return "date", date_format
    if all(is_number(cell) for cell in cells):
        return "number", None
    if all(len(cell.split()) > 1 and all(map(is_number, cell.split())) for cell in cells):
        return "sequence", None
    return "text", None


def mixed_dates(column: Column) -> tuple[str, str] | None:
    """A text column whose first cell and at least a quarter of the rest are dates of one
    format, and the first cell that is not (2000-01-01 above 17/07/2000): a date column no
    one format reads."""
    if column.kind != "text" or not column.cells:
        return None
    form = next((f for f in DATE_FORMATS if f != "%Y" and parse_date(column.cells[0], f)), None)
    misread = [cell for cell in column.cells if form and not parse_date(cell, form)]
    if form is None or not misread or 4 * len(misread) > 3 * len(column.cells):
        return None
    return column.cells[0], misread[0]


def dates_in(cells: tuple[str, ...], form: str, name: str | None) -> bool:
    # A column of 4-digit numbers is a year only if its name says so: else it is a number.
    if form == "%Y" and not (name and YEAR_NAMES.search(name)):
        return False
    return all(parse_date(cell, form) for cell in cells)


def parse_date(text: str, form: str) -> datetime | None:
    try:
        return datetime.strptime(text, form)
    except ValueError:
        return None


def is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def has_header(rows: list[list[str]]) -> bool:
    """A first row of short names, none of them recurring below it, over columns whose
    cells are of another kind (numbers, dates) or a few repeated values or long texts."""
    first, rest = [cell.strip() for cell in rows[0]], rows[1:]
    if not rest or not all(map(name_like, first)):
        return False
    below = [profile(index, None, rest) for index in range(len(first))]
    if any(name in column.cells for name, column in zip(first, below, strict=False)):
        return False  # a value that recurs is data
    return any(
        column.kind != "text"
        or is_category(column, len(rest))
        or column.words > 2 * max(len(name.split()), 1)
        for name, column in zip(first, below, strict=False)
    )


def is_category(column: Column, rows: int) -> bool:
    """A few values, each repeated: labels rather than texts or numbers of their own."""
    return 2 <= column.distinct <= min(MAX_CLASSES, max(2, rows // 3))


def name_like(cell: str) -> bool:
    return (
        bool(cell)
        and len(cell) <= 40
        and len(cell.split()) <= 4
        and not is_number(cell)
        and cell[-1] not in ".!?"
    )
