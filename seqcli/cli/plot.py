"""seqcli plot: the curves of one or several runs as a PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seqcli.cli.app import app, friendly
from seqcli.cli.choices import offer
from seqcli.errors import UsageError
from seqcli.ui.curves import X_AXES

Runs = Annotated[list[Path], typer.Argument(help="Run folders (each with its metrics.jsonl).")]
Out = Annotated[Path, typer.Option(metavar="PNG", help="Where to write the figure.")]
XAxis = Annotated[
    str,
    typer.Option(
        autocompletion=offer(tuple(X_AXES)),
        help="step | epoch | time: what the x axis counts.",
    ),
]


@app.command()
@friendly
def plot(runs: Runs, out: Out = Path("curves.png"), x_axis: XAxis = "step") -> None:
    """Draw train and validation curves of runs: loss, each metric, lr, speed."""
    from seqcli.recipe.outputs import check_output
    from seqcli.runs.jsonfiles import read_metrics
    from seqcli.ui.curves import plot_runs
    from seqcli.ui.figures import figure_output

    if x_axis not in X_AXES:
        raise UsageError(f"--x-axis {x_axis}: choose {', '.join(X_AXES)}")
    check_output(out, figure_output("--out"))  # a .txt name is one line before any reading

    logged = {}
    for run in runs:
        if not (run / "metrics.jsonl").is_file():
            raise UsageError(f"{run}: holds no metrics.jsonl (not a run folder, or not started)")
        logged[_name(run, logged)] = read_metrics(run)
    plot_runs(logged, out, along=x_axis)  # it says where it wrote


def _name(run: Path, taken: dict) -> str:
    """The run's folder name, or its path where two folders share a name."""
    name = run.resolve().name
    return str(run) if name in taken else name
