"""A table that fits the terminal: as it is when every cell fits on one line, else turned on
its side (a wide table of few rows, like evaluate --backtest's forecasts across origins), else
as it is with cells wrapped at spaces, else as plain lines, which the terminal wraps. Rich
would cut the cells instead (`2022…`, `8.75…`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

UNBOUNDED = 10_000  # columns to measure a table in: its width before any cell is cut


@dataclass(frozen=True)
class Grid:
    title: str | None
    columns: list[str]
    rows: list[list[str]]
    right: frozenset[str] = field(default_factory=frozenset)  # columns aligned right

    def table(self) -> Table:
        table = Table(title=self.title)
        for column in self.columns:
            table.add_column(column, justify="right" if column in self.right else "left")
        for row in self.rows:
            table.add_row(*row)
        return table

    def turned(self) -> Grid:
        """Rows become columns: the first cell of each row heads a column."""
        header = [self.columns[0], *(row[0] for row in self.rows)]
        rows = [[name, *(row[i] for row in self.rows)] for i, name in enumerate(self.columns) if i]
        return Grid(self.title, header, rows, frozenset(header[1:]) if self.right else frozenset())

    def lines(self) -> list[str]:
        """'title:' then one line a row: its first cell, then each column's name and value."""
        lines = [f"{self.title}:"] if self.title else []
        for first, *rest in self.rows:
            pairs = "  ".join(
                f"{name} {value}" for name, value in zip(self.columns[1:], rest, strict=True)
            )
            lines.append(f"  {first}: {pairs}")
        return lines


def width_of(console: Console, table: Table, *, wrapped: bool) -> int:
    """The table's width with no cell wrapped, or with cells wrapped at every space."""
    measured = console.measure(table, options=console.options.update(max_width=UNBOUNDED))
    return measured.minimum if wrapped else measured.maximum


def print_fitted(console: Console, grid: Grid) -> None:
    """The first of: the table, the table turned, the table wrapped, plain lines."""
    for shape, wrapped in ((grid, False), (grid.turned(), False), (grid, True)):
        table = shape.table()
        if width_of(console, table, wrapped=wrapped) <= console.width:
            console.print(table)
            return
    for line in grid.lines():
        console.print(line, soft_wrap=True, markup=False, highlight=False)
