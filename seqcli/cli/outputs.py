"""Commands that read a trained run without scoring it: predict, inspect."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from seqcli import ui
from seqcli.cli.app import AsJson, Device, RunPath, Threads, app, friendly, place
from seqcli.cli.requests import read_file_flag
from seqcli.errors import UsageError
from seqcli.recipe.inputs import LINES, input_lines
from seqcli.ui.machine import machine_rows, versioned


@app.command()
@friendly
def predict(
    run: RunPath,
    text: Annotated[
        list[str] | None, typer.Option("--text", help="An input (repeat for several).")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="One input per line ('-' for stdin).")
    ] = None,
    device: Device = "auto",
    threads: Threads = None,
    as_json: AsJson = False,
) -> None:
    """Predict for each input line: a label, a tag per token, a translation."""
    whole = _whole_file(text, file)
    lines = None if whole else _input_lines(text, file)
    from seqcli.engine.contract import Predicts, PredictsFiles
    from seqcli.engine.run import load_run
    from seqcli.tasks import TASKS

    loaded = load_run(run, place(device, threads), TASKS)
    task = loaded.task
    if not isinstance(task, Predicts):
        raise UsageError(
            f"predict does not apply to a {task.spec.title}; use seqcli generate or seqcli evaluate"
        )
    if _predicts_table(loaded, file, as_json):
        return
    if whole and file.suffix.lower() not in task.spec.predict_files:
        raise UsageError(f"--file {file}: a {task.spec.title} reads lines of text, not this file")
    if whole and isinstance(task, PredictsFiles):  # spec.predict_files named the suffix
        rows = task.predict_file(loaded, file)
    else:
        rows = task.predict(loaded, lines)
    if as_json:
        for row in rows:
            ui.print_json(row)
        return
    for line in task.prediction_lines(rows):
        ui.write_stdout(line + "\n")


def _predicts_table(run, file: Path | None, as_json: bool) -> bool:
    """A table run's --file *.csv|*.tsv: read as its table, the answers appended as CSV."""
    from seqcli.data.table_input import is_table_input
    from seqcli.tasks.labelled.table_predict import predict_table

    if not is_table_input(run.recipe.data, file):
        return False
    predicted = predict_table(run, file)
    if as_json:
        for record in predicted.records():
            ui.print_json(record)
    else:
        ui.write_csv(predicted.csv_rows())
    return True


def _whole_file(text: list[str] | None, file: Path | None) -> bool:
    """Whether --file names a file some task reads whole (an .npz of arrays), not by line."""
    from seqcli.recipe.tasks import SPECS

    suffixes = {suffix for spec in SPECS.values() for suffix in spec.predict_files}
    if file is None or file.suffix.lower() not in suffixes:
        return False
    if text is not None:
        raise UsageError("give --text (repeatable) or --file, not both")
    return True


def _input_lines(text: list[str] | None, file: Path | None) -> list[str]:
    """The inputs of --text, of --file (one per line, blank lines skipped), or of piped stdin."""
    if text is not None and file is not None:
        raise UsageError("give --text (repeatable) or --file, not both")
    if text is not None:
        return text
    if file is None and sys.stdin.isatty():
        raise UsageError("give --text (repeatable) or --file, or pipe lines into stdin")
    content, source = read_file_flag(file, LINES, "--file")
    lines = [line for line in input_lines(content, LINES, label=source) if line.strip()]
    if not lines:
        raise UsageError(f"{source}: holds no input lines")
    return lines


@app.command()
@friendly
def inspect(
    checkpoint: RunPath,
    as_json: AsJson = False,
) -> None:
    """Summarize a checkpoint: recipe, parameters per layer and gate, steps, best metric."""
    from seqcli.analysis.inspect import parameter_rows, summary_rows
    from seqcli.engine.run import read_stored
    from seqcli.tasks import TASKS

    # last.pt knows the steps trained and the best value seen, and whether it can resume.
    stored = read_stored(checkpoint, TASKS, prefer=("last.pt", "best.pt", "model.safetensors"))
    payload = stored.payload
    summary = summary_rows(payload, stored.meta.summary())
    rows = parameter_rows(payload["model"], payload["recipe"]["model"].get("cell"))
    if as_json:
        ui.print_json(
            versioned(
                {
                    "summary": machine_rows(summary),
                    "recipe": payload["recipe"],
                    "parameters": [{"tensor": t, "block": b, "count": c} for t, b, c in rows],
                }
            )
        )
        return
    ui.key_value_table(str(checkpoint), summary)
    ui.parameter_table(rows)
    ui.info(f"total parameters: {sum(count for _, _, count in rows):,}")
