"""Training's progress as a person watches it: a live bar on a terminal, and in a log file
(CI, nohup, a pipe) a plain line every LOG_EVERY seconds, since a bar there shows nothing
until the run ends."""

from __future__ import annotations

import time
from collections.abc import Iterable

from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
)
from rich.table import Table
from rich.text import Text

from seqcli.ui import (
    COVERAGE,
    DIAGNOSTIC_NUMBERS,
    err_console,
    format_metrics,
    role_lines,
    warn,
)
from seqcli.ui.numbers import metric_text

LOG_EVERY = 30.0  # seconds between plain progress lines when stderr is not a terminal


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--"
    minutes, seconds = divmod(int(seconds), 60)
    return (
        f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"
        if minutes >= 60
        else f"{minutes}:{seconds:02d}"
    )


class Times(ProgressColumn):
    """'1:05 elapsed 3:20 left': both labelled, in the width of one column."""

    def render(self, task) -> Text:
        return Text(f"{clock(task.elapsed)} elapsed {clock(task.time_remaining)} left")


class TrainView:
    """Render a training's events: progress bar, eval lines, samples, final summary."""

    def __init__(self, *, quiet: bool = False):
        self.quiet = quiet
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=8),
            MofNCompleteColumn(),
            TextColumn("{task.fields[epoch]}"),
            TextColumn("{task.fields[loss]}"),  # lr: in the plain lines and the logs
            TextColumn("{task.fields[speed]:,.0f} {task.fields[unit]}/s"),
            Times(),
            console=err_console,
            disable=quiet,
            transient=False,
        )
        self.task = None
        self.logged = None if err_console.is_terminal else time.monotonic()  # last plain line
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
        self._forget_earlier_runs()
        last = None
        with self.progress:
            for event in stream:
                self.handlers[type(event).__name__](event)
                last = event
        return last

    def _forget_earlier_runs(self) -> None:
        # A view rendering again (train --folds: the next fold) starts a new live display. The
        # earlier run's bar was printed where its display stopped; kept as a task, it would be
        # drawn again under the new one, and a log would repeat every earlier fold's bar.
        for task in list(self.progress.task_ids):
            self.progress.remove_task(task)
        self.task = None

    def _say(self, message: str) -> None:
        if not self.quiet:
            self.progress.console.print(message, soft_wrap=True)

    def _started(self, event) -> None:
        resumed = f", resumed at step {event.start_step:,}" if event.start_step else ""
        self._say(
            f"[bold]{escape(str(event.run_dir))}[/]: {event.parameters:,} parameters on "
            f"{event.device}{_ranks(event)}{resumed}"
        )
        for found in event.embeddings:
            self._say(COVERAGE.format(**found))
        for line in role_lines(event.columns):
            self._say(escape(line))
        if event.monitor and event.total_steps:
            self._say(escape(event.monitor))
        for warning in event.warnings:
            warn(warning)
        if not event.total_steps:  # nothing to optimize: no steps to show progress over
            return
        self.task = self.progress.add_task(
            "train",
            total=event.total_steps,
            completed=event.start_step,
            loss="",  # until a step has a loss to show
            lr=0.0,
            speed=0.0,
            unit=event.unit,
            epoch="",
        )

    def _step(self, event) -> None:
        if event.skipped:
            self._say(f"[yellow]step {event.step}: loss {event.loss}, window skipped[/]")
        epoch = "" if event.epoch is None else f"ep {event.epoch:.2f}"
        self.progress.update(
            self.task,
            completed=event.step,
            loss=f"loss {event.loss:.4f}",
            lr=event.lr,
            speed=event.speed,
            epoch=epoch,
        )
        if self.logged is not None and time.monotonic() - self.logged >= LOG_EVERY:
            self.logged = time.monotonic()
            self._say(self._plain_line(event))

    def _plain_line(self, event) -> str:
        task = self.progress.tasks[0]
        left = task.time_remaining
        remaining = f", {left:.0f} s left" if left is not None else ""
        return (
            f"step {event.step:,}/{event.total:,}  {task.fields['epoch']}  "
            f"loss {event.loss:.4f}  lr {event.lr:.2e}  "
            f"{event.speed:,.0f} {task.fields['unit']}/s  {task.elapsed:.0f} s elapsed{remaining}"
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
        if summary.get("ranks", 1) > 1:
            table.add_row(
                "ranks", f"{summary['ranks']}, reading {summary['effective_batch']} rows a step"
            )
        best = summary["best"]
        if best["value"] is not None:
            table.add_row(f"best val {best['metric']}", metric_text(best["metric"], best["value"]))
        table.add_row("wall time", f"{summary['elapsed_s']:.1f} s")
        err_console.print(table)


def _ranks(event) -> str:
    """A data-parallel job says how many ranks train and the batch they read together."""
    if event.ranks == 1:
        return ""
    return f", {event.ranks} ranks reading {event.effective_batch} rows a step"
