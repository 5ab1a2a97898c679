"""seqcli gates: every gate and state of a trained cell, step by step, on the user's input."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from seqcli import ui
from seqcli.cli.app import AsJson, Device, RunPath, app, friendly
from seqcli.cli.choices import GATE_DIRECTIONS, offer
from seqcli.cli.numbers import bounded
from seqcli.cli.requests import read_file_flag
from seqcli.errors import UsageError
from seqcli.recipe.inputs import GATES

if TYPE_CHECKING:  # torch is imported when the command runs, not for --help
    from seqcli.engine.contract import Task
    from seqcli.engine.run import Tasks

Text = Annotated[str | None, typer.Option(help="The input; \\n in it becomes a newline.")]
File = Annotated[Path | None, typer.Option(help="Read the input from a file ('-': stdin).")]
Layer = Annotated[int | None, typer.Option(help="Layer to show, from 0 (default: the top).")]
Gate = Annotated[
    str, typer.Option(help="Record that colours the text: h, or i f g o c, r z n, ...")
]
Unit = Annotated[int, typer.Option(help="Unit (from 0) whose value colours the text.")]
Direction = Annotated[
    str,
    typer.Option(
        autocompletion=offer(GATE_DIRECTIONS),
        help="forward | backward | both (bidirectional runs).",
    ),
]
TopUnits = Annotated[
    int | None,
    typer.Option(
        parser=bounded(int, ge=1), help="Per feature of the input, the K best-correlated units."
    ),
]
Plot = Annotated[Path | None, typer.Option(help="Draw heat maps of the layer's records (PNG).")]


@app.command()
@friendly
def gates(
    run: RunPath,
    text: Text = None,
    file: File = None,
    layer: Layer = None,
    gate: Gate = "h",
    unit: Unit = 0,
    direction: Direction = "both",
    top_units: TopUnits = None,
    plot: Plot = None,
    device: Device = "auto",
    as_json: AsJson = False,
) -> None:
    """Show a trained cell's gates and states at every step of your input."""
    from seqcli.analysis import gates as looked
    from seqcli.engine.contract import Given
    from seqcli.engine.run import load_run, resolve_device
    from seqcli.tasks import TASKS

    _check_plot(plot)
    given = Given(*_input(text, file), path=None if file is None or str(file) == "-" else file)
    loaded = load_run(run, resolve_device(device), TASKS)
    _refuse_without_input(loaded.task, TASKS)
    found = looked.read_gates(loaded, given)
    view = looked.choose(found, layer=layer, gate=gate, unit=unit, direction=direction)
    report = looked.report(found, view, top=top_units)
    if plot is not None:
        from seqcli.ui.figures import plot_gates

        plot_gates(looked.heatmaps(found, view), found.steps, plot)
    if as_json:
        ui.print_json({**report, "records": looked.arrays(found)})
        return
    _show(report, run)


def _check_plot(plot: Path | None) -> None:
    """Before the work, not a traceback after it."""
    if plot is None:
        return
    from seqcli.recipe.outputs import check_output
    from seqcli.ui.figures import figure_output

    check_output(plot, figure_output("--plot"))


def _show(report: dict, run: Path) -> None:
    from seqcli.ui.gates import gates_view

    gates_view(report, title=str(run))
    ui.info(f"to hover every unit in a browser: seqcli report {run} with the same --text or --file")


def _refuse_without_input(task: Task, tasks: Tasks) -> None:
    """A task whose model reads nothing the user could give (a condition, piano rolls)."""
    from seqcli.engine.contract import ReadsStackInput

    if isinstance(task, ReadsStackInput):
        return
    readers = sorted(
        {each.spec.title for each in tasks.values() if isinstance(each, ReadsStackInput)}
    )
    raise UsageError(
        f"gates does not apply to a {task.spec.title}: it reads no input of yours step by step; "
        f"it applies to: {', '.join(readers)}"
    )


def _input(text: str | None, file: Path | None) -> tuple[str, str]:
    """(the input, how messages name it): --text, --file, or piped stdin."""
    if text is not None and file is not None:
        raise UsageError("give --text or --file, not both")
    if text is not None:
        return text.replace("\\n", "\n"), "--text"
    if file is None and sys.stdin.isatty():
        raise UsageError("give --text or --file, or pipe the input into stdin")
    if file is not None and file.suffix.lower() == ".wav":
        return "", f"--file {file}"  # a recording: the task reads it from Given.path
    return read_file_flag(file, GATES, "--file")
