"""The only module that prints: progress from engine events, tables, errors.

Generated text and --json go to stdout; everything meant for a person goes to stderr.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import sys
from collections.abc import Callable, Iterable
from contextlib import redirect_stdout
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from seqcli.errors import OutputError
from seqcli.recipe.cells import MEMORY_GATES

err_console = Console(stderr=True, highlight=False)


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


def print_json(data: object) -> None:
    write_stdout(json.dumps(data, default=str) + "\n")


def event_record(event: object) -> dict:
    """An engine event as one JSON-ready dict, tagged with its kind."""
    fields = {k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(event).items()}
    return {"event": type(event).__name__.lower(), **fields}


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
    return "  ".join(f"{name} {number(value)}" for name, value in metrics.items())


def number(value: float) -> str:
    """Four decimals, or four significant digits for values too small to show that way."""
    return f"{value:.4f}" if value == 0 or abs(value) >= 0.01 else f"{value:.4g}"


class TrainView:
    """Render a training's events: progress bar, eval lines, samples, final summary."""

    def __init__(self, *, quiet: bool = False):
        self.quiet = quiet
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]:.4f}  lr {task.fields[lr]:.2e}"),
            TextColumn("{task.fields[speed]:,.0f} {task.fields[unit]}/s"),
            TimeRemainingColumn(),
            console=err_console,
            disable=quiet,
            transient=False,
        )
        self.task = None
        self.handlers = {
            "Started": self._started,
            "Step": self._step,
            "Validating": lambda event: self._label("validate"),  # its clock runs on
            "Evaluated": self._evaluated,
            "Sample": self._sample,
            # The summary names the folder; a line per save would drown the eval lines.
            "Saved": lambda event: None,
            "Stopped": self._stopped,
            "Finished": self._finished,
            "Diagnosed": self._diagnosed,
        }

    def render(self, stream: Iterable[object]) -> object:
        """Show every event; return the last one."""
        last = None
        with self.progress:
            for event in stream:
                self.handlers[type(event).__name__](event)
                last = event
        return last

    def _say(self, message: str) -> None:
        if not self.quiet:
            self.progress.console.print(message, soft_wrap=True)

    def _started(self, event) -> None:
        resumed = f", resumed at step {event.start_step:,}" if event.start_step else ""
        self._say(
            f"[bold]{escape(str(event.run_dir))}[/]: {event.parameters:,} parameters on "
            f"{event.device}{resumed}"
        )
        for found in event.embeddings:
            self._say(COVERAGE.format(**found))
        for warning in event.warnings:
            warn(warning)
        if not event.total_steps:  # nothing to optimize: no steps to show progress over
            return
        self.task = self.progress.add_task(
            "train",
            total=event.total_steps,
            completed=event.start_step,
            loss=float("nan"),
            lr=0.0,
            speed=0.0,
            unit=event.unit,
        )

    def _step(self, event) -> None:
        if event.skipped:
            self._say(f"[yellow]step {event.step}: loss {event.loss}, window skipped[/]")
        self.progress.update(
            self.task, completed=event.step, loss=event.loss, lr=event.lr, speed=event.speed
        )

    def _label(self, description: str) -> None:
        if self.task is not None:
            self.progress.update(self.task, description=description)

    def _evaluated(self, event) -> None:
        self._label("train")
        mark = " [green]*[/]" if event.improved else ""
        self._say(f"step {event.step:>6}  {event.split}  {format_metrics(event.metrics)}{mark}")

    def _sample(self, event) -> None:
        self._say(f"[dim]{escape(event.text)}[/]\n")

    def _diagnosed(self, event) -> None:
        from seqcli.ui.sparkline import sparkline

        report = event.report
        numbers = "  ".join(
            f"{name} {report[name]:.3g}" for name in DIAGNOSTIC_NUMBERS if name in report
        )
        self._say(f"[dim]gradient flow t=0..end[/] {sparkline(report['gradient_flow'])}  {numbers}")

    def _stopped(self, event) -> None:
        self.progress.stop()
        style = "bold red" if event.failed else "yellow"
        err_console.print(
            f"[{style}]stopped at step {event.step}:[/] {escape(event.reason)}", soft_wrap=True
        )
        if event.resume_command:
            # soft_wrap: a command cut in two cannot be pasted back
            err_console.print(
                f"resume with: [bold]{escape(event.resume_command)}[/]", soft_wrap=True
            )

    def _finished(self, event) -> None:
        self.progress.stop()  # the table goes below the final bar, not under a live one
        summary = event.summary
        table = Table(title=f"run {summary['name']}", show_header=False)
        table.add_row("steps", str(summary["steps"]))
        table.add_row("parameters", f"{summary['parameters']:,}")
        best = summary["best"]
        if best["value"] is not None:
            table.add_row(f"best val {best['metric']}", f"{best['value']:.4f}")
        table.add_row("wall time", f"{summary['elapsed_s']:.1f} s")
        err_console.print(table)


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
        table.add_row(name, number(value) if isinstance(value, float) else str(value))
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
    """A task's evaluation extras: {title: {"columns": [...], "rows": [[...], ...]}}, and
    an optional "note" printed beneath."""
    for title, content in details.items():
        table = Table(title=title)
        for column in content["columns"]:
            table.add_column(str(column), justify="left")
        for row in content["rows"]:
            table.add_row(*(number(v) if isinstance(v, float) else escape(str(v)) for v in row))
        err_console.print(table)
        if "note" in content:
            info(content["note"])


def dry_run_report(report) -> None:
    """Shapes, parameters and memory of one training step, before any training."""
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
