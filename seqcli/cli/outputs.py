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
        list[Path] | None,
        typer.Option(
            "--file",
            help="One input per line ('-' for stdin); or files read whole: .wav recordings "
            "(repeat, or a folder of them) or an .npz.",
        ),
    ] = None,
    device: Device = "auto",
    threads: Threads = None,
    as_json: AsJson = False,
) -> None:
    """Predict for each input line: a label, a tag per token, a translation."""
    files = file or []
    whole = _whole_files(text, files)
    lines = None if whole else _input_lines(text, _one_file(files))
    from seqcli.engine.contract import Predicts
    from seqcli.engine.run import load_run
    from seqcli.tasks import TASKS

    loaded = load_run(run, place(device, threads), TASKS)
    task = loaded.task
    if not isinstance(task, Predicts):
        raise UsageError(
            f"predict does not apply to a {task.spec.title}; use seqcli generate or seqcli evaluate"
        )
    if not whole and _predicts_table(loaded, _one_file(files), as_json):
        return
    rows = _whole_rows(task, loaded, files) if whole else task.predict(loaded, lines)
    _show_predictions(task, rows, as_json=as_json, table=len(files) > 1 or _whole_folder(files))


def _whole_folder(files: list[Path]) -> bool:
    return any(path.is_dir() for path in files)


def _show_predictions(task, rows: list[dict], *, as_json: bool, table: bool) -> None:
    """A JSON record per answer; CSV with a header for several files or a folder (a row
    each); else the task's own lines."""
    if as_json:
        for row in rows:
            ui.print_json(row)
    elif table:
        ui.write_csv([list(rows[0]), *(list(row.values()) for row in rows)] if rows else [])
    else:
        for line in task.prediction_lines(rows):
            ui.write_stdout(line + "\n")


def _whole_rows(task, run, files: list[Path]) -> list[dict]:
    """The answers for files read whole, in the order given: each must be a suffix (or, for
    a folder, .wav) the task's spec.predict_files names."""
    from seqcli.engine.contract import PredictsFiles

    rows: list[dict] = []
    for path in files:
        suffix = ".wav" if path.is_dir() else path.suffix.lower()
        if suffix not in task.spec.predict_files or not isinstance(task, PredictsFiles):
            what = "a folder" if path.is_dir() else "this file"
            raise UsageError(f"--file {path}: a {task.spec.title} reads lines of text, not {what}")
        rows += task.predict_file(run, path)
    return rows


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


def _whole_files(text: list[str] | None, files: list[Path]) -> bool:
    """Whether --file names files some task reads whole (an .npz of arrays, .wav recordings or
    a folder of them), not by line."""
    from seqcli.recipe.tasks import SPECS

    suffixes = {suffix for spec in SPECS.values() for suffix in spec.predict_files}
    whole = [path.is_dir() or path.suffix.lower() in suffixes for path in files]
    if not any(whole):
        return False
    if text is not None:
        raise UsageError("give --text (repeatable) or --file, not both")
    if not all(whole):
        lines = files[whole.index(False)]
        raise UsageError(f"--file {lines}: a file of input lines is given alone")
    return True


def _one_file(files: list[Path]) -> Path | None:
    """The one file of input lines (or table) --file may name."""
    if len(files) > 1:
        raise UsageError(f"--file {files[1]}: a file of input lines is given alone")
    return files[0] if files else None


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
