"""seqcli plot: the curves of one or several runs as a PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seqcli import ui
from seqcli.cli.app import app, friendly
from seqcli.errors import UsageError

Runs = Annotated[list[Path], typer.Argument(help="Run folders (each with its metrics.jsonl).")]
Out = Annotated[Path, typer.Option(metavar="PNG", help="Where to write the figure.")]


@app.command()
@friendly
def plot(runs: Runs, out: Out = Path("curves.png")) -> None:
    """Draw train and validation curves of runs: loss, each metric, lr, speed."""
    from seqcli.engine.runfolder import read_metrics
    from seqcli.ui.curves import plot_runs

    logged = {}
    for run in runs:
        if not (run / "metrics.jsonl").is_file():
            raise UsageError(f"{run}: holds no metrics.jsonl (not a run folder, or not started)")
        logged[_name(run, logged)] = read_metrics(run)
    ui.info(f"wrote {plot_runs(logged, out)}")


def _name(run: Path, taken: dict) -> str:
    """The run's folder name, or its path where two folders share a name."""
    name = run.resolve().name
    return str(run) if name in taken else name
