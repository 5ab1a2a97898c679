"""A long loop's progress on stderr, for work that yields no events of its own (the capacity
experiment): a bar counting done of total with the time left, gone when the loop ends, and
nothing at all where stderr is no terminal (a log, --json, the tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from seqcli.ui import err_console


@contextmanager
def counting(label: str, total: int) -> Iterator[Callable[[], None]]:
    """A function to call once per unit of work done, while the bar shows."""
    columns = (
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)
