"""The only module that prints: progress from engine events, tables, errors.

Generated text and --json go to stdout; everything meant for a person goes to stderr.
"""

from __future__ import annotations

import csv
import dataclasses
import errno
import io
import json
import os
import sys
from collections.abc import Callable, Iterable
from contextlib import redirect_stdout
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from seqcli import __version__
from seqcli.errors import OutputError
from seqcli.recipe.cells import MEMORY_GATES
from seqcli.ui.numbers import metric_text

err_console = Console(stderr=True, highlight=False, emoji=False)  # a.npz:x: is a path, not an emoji


def error(message: str) -> None:
    """One line, even when a message quotes a multi-line error from a library."""
    line = " ".join(part.strip() for part in message.splitlines() if part.strip())
    err_console.print(f"[bold red]error:[/] {escape(line)}", soft_wrap=True)


def help_on_stderr(render: Callable[[], str]) -> None:
    """A command's help, shown because no command was given: meant for a person, so on stderr
    (render prints rich help itself, or returns plain text to print)."""
    with redirect_stdout(sys.stderr):
        text = render()
    if text:
        err_console.print(escape(text), soft_wrap=True)


def warn(message: str) -> None:
    err_console.print(f"[yellow]warning:[/] {escape(message)}", soft_wrap=True)


def info(message: str) -> None:
    err_console.print(escape(message), soft_wrap=True)


def wrote(path: Path) -> None:
    """Announce a file a command wrote where a flag said: the one place that says so."""
    info(f"wrote {path}")


class StdoutClosed(Exception):
    """stdout was closed, or its reader went away (a broken pipe, e.g. `| head`)."""


def write_stdout(text: str) -> None:
    """Write and flush; a stdout nobody reads any more ends the command quietly
    (StdoutClosed), one that cannot take the text (a full disk) is a one-line OutputError."""
    try:
        if sys.stdout is None:  # Python found descriptor 1 closed when it started
            raise StdoutClosed
        sys.stdout.write(text)
        sys.stdout.flush()
    except (BrokenPipeError, ValueError) as err:  # ValueError: a closed file object
        _drop_stdout()
        raise StdoutClosed from err
    except OSError as err:
        _drop_stdout()
        if err.errno == errno.EBADF:
            raise StdoutClosed from err
        raise OutputError(f"stdout: cannot write ({err.strerror or err})") from None


def _drop_stdout() -> None:
    """Point descriptor 1 at /dev/null, so the text still buffered is not written (and
    failing) again when Python exits."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # no descriptor behind it (a test's capture): nothing is flushed at exit
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)


def write_csv(rows: Iterable[list]) -> None:
    """Rows as CSV on stdout (generated output), each cell quoted only where it must be."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    write_stdout(buffer.getvalue())


def print_json(data: object) -> None:
    write_stdout(json.dumps(data, default=str) + "\n")


def event_record(event: object) -> dict:
    """An engine event as one JSON-ready dict, tagged with its kind."""
    fields = {k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(event).items()}
    kind = type(event).__name__.lower()
    version = {"seqcli_version": __version__} if kind == "started" else {}  # once per stream
    return {"event": kind, **version, **fields}


DIAGNOSTIC_NUMBERS = (
    "early_gradient",
    "late_gradient",
    "saturation",
    *MEMORY_GATES,
    "grad_norm_median",
    "clipped_share",
)
COVERAGE = "word vectors: {found:,} of {tokens:,} {table} found ({by_lowercase:,} by lowercase)"


def format_metrics(metrics: dict[str, float]) -> str:
    return "  ".join(f"{name} {metric_text(name, value)}" for name, value in metrics.items())


class JsonView:
    """One JSON object per event on stdout, for scripts and log collectors."""

    def render(self, stream: Iterable[object]) -> object:
        last = None
        for event in stream:
            print_json(event_record(event))
            last = event
        return last


def metrics_table(title: str, metrics: dict[str, float]) -> None:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in metrics.items():
        table.add_row(name, metric_text(name, value) if isinstance(value, float) else str(value))
    err_console.print(table)


def key_value_table(title: str, rows: Iterable[tuple[str, str]]) -> None:
    table = Table(title=title, show_header=False)
    for key, value in rows:
        table.add_row(key, value)
    err_console.print(table)


def parameter_table(rows: Iterable[tuple[str, str, int]]) -> None:
    table = Table(title="parameters")
    table.add_column("part")
    table.add_column("block")
    table.add_column("count", justify="right")
    for name, block, count in rows:
        table.add_row(name, block, f"{count:,}")
    err_console.print(table)


def detail_tables(details: dict) -> None:
    """A task's evaluation extras: {key: {"columns": [...], "rows": [[...], ...]}}, titled by
    their "title" (else the key), and an optional "note" printed beneath."""
    from seqcli.ui.fitting import Grid, print_fitted

    for key, content in details.items():
        columns = [str(column) for column in content["columns"]]
        rows = [list(map(cell_text, columns, row)) for row in content["rows"]]
        print_fitted(err_console, Grid(content.get("title", key), columns, rows))
        if "note" in content:
            info(content["note"])


def role_lines(roles: Iterable[tuple[str, str]]) -> list[str]:
    """Which data column is the target, the inputs, the date and which are left unread."""
    roles = list(roles)
    if not roles:
        return []
    width = max(len(role) for role, _ in roles)
    return ["data columns:", *(f"  {role:<{width}}  {columns}" for role, columns in roles)]


def column_roles(roles: Iterable[tuple[str, str]]) -> None:
    for line in role_lines(roles):
        info(line)


def cell_text(column: object, value: object) -> str:
    """A detail table's cell: a number as its column's metric is written everywhere."""
    return metric_text(str(column), value) if isinstance(value, float) else escape(str(value))


def dry_run_report(report) -> None:
    """Shapes, parameters and memory of one training step, before any training."""
    column_roles(report.columns)
    table = Table(title="one training batch")
    for column in ("module", "output shape", "parameters"):
        table.add_column(column, justify="right" if column == "parameters" else "left")
    for name, shape, count in report.layers:
        table.add_row(name, shape, f"{count:,}")
    err_console.print(table)
    mib = 1 << 20
    info(f"parameters: {report.parameters:,} ({report.parameter_bytes / mib:.1f} MiB)")
    info(f"activations kept for backward, one batch: {report.activation_bytes / mib:.1f} MiB")
    free = "" if report.free is None else f", {report.free / mib:,.0f} MiB free"
    info(f"memory estimate: {report.need.describe()}{free}")
    info(f"{report.steps:,} steps x {report.batch_size:,} {report.unit} per step")
