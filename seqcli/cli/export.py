"""seqcli export: a run's model for other tools."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seqcli import ui
from seqcli.cli.app import RunPath, app, friendly
from seqcli.cli.choices import EXPORT_FORMATS, offer

Format = Annotated[
    str,
    typer.Option("--format", autocompletion=offer(EXPORT_FORMATS), help=" | ".join(EXPORT_FORMATS)),
]
Out = Annotated[
    Path,
    typer.Option(metavar="PATH", help="File (torchscript, onnx) or folder (safetensors)."),
]
Overwrite = Annotated[bool, typer.Option(help="Replace files the export would write.")]


@app.command()
@friendly
def export(run: RunPath, form: Format, out: Out, overwrite: Overwrite = False) -> None:
    """Export a run's model to TorchScript, ONNX or safetensors, checked by loading it back."""
    from seqcli.export.exporters import export_run
    from seqcli.tasks import TASKS

    exported = export_run(run, form, out, TASKS, overwrite=overwrite)
    ui.info(f"wrote {', '.join(str(path) for path in exported.files)}; {exported.check}")
