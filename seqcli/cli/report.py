"""seqcli report: one self-contained HTML page of runs, to open offline in any browser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seqcli import ui
from seqcli.cli.app import Device, Threads, app, friendly, place
from seqcli.cli.evaluate import MaxBatches
from seqcli.cli.requests import read_file_flag
from seqcli.errors import UsageError
from seqcli.recipe.inputs import GATES

Runs = Annotated[
    list[Path],
    typer.Argument(
        help="Run folders (each with its metrics.jsonl), compare-cells folders, tune study folders."
    ),
]
Text = Annotated[
    str | None, typer.Option(help="Text to look inside the cells with; \\n becomes a newline.")
]
File = Annotated[Path | None, typer.Option(help="Read that text from a file ('-': stdin).")]
Out = Annotated[Path, typer.Option(metavar="HTML", help="Where to write the page.")]
Overwrite = Annotated[bool, typer.Option(help="Replace a file at --out that is not a report.")]


@app.command()
@friendly
def report(
    runs: Runs,
    text: Text = None,
    file: File = None,
    out: Out = Path("report.html"),
    overwrite: Overwrite = False,
    max_batches: MaxBatches = None,
    device: Device = "auto",
    threads: Threads = None,
) -> None:
    """Write one HTML page of runs: curves, the task's view, the gates under your cursor."""
    from seqcli.report.build import ReportRequest, write_report

    given, source = _text(text, file)
    machine = place(device, threads)
    request = ReportRequest(runs, given, source, out, overwrite, max_batches, machine)
    ui.wrote(write_report(request))


def _text(text: str | None, file: Path | None) -> tuple[str | None, str]:
    """(the text, how messages name it); none given: the run's own sample is read."""
    if text is not None and file is not None:
        raise UsageError("give --text or --file, not both")
    if text is not None:
        return text.replace("\\n", "\n"), "--text"
    if file is None:
        return None, ""
    return read_file_flag(file, GATES, "--file")
