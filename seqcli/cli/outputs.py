"""Commands that use a trained run: evaluate, predict, inspect."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from seqcli import ui
from seqcli.cli.app import AsJson, Device, Precision, RunPath, Threads, app, friendly, place
from seqcli.cli.choices import SPLITS, offer
from seqcli.cli.numbers import bounded, like
from seqcli.cli.requests import read_file_flag
from seqcli.errors import UsageError
from seqcli.recipe import TrainConfig
from seqcli.recipe.inputs import LINES, input_lines
from seqcli.ui.machine import machine_details, machine_rows, versioned

NoiseLevels = Annotated[
    str | None, typer.Option(help="Hopfield: recall at these noise levels, e.g. 0.1,0.2,0.3.")
]
Capacity = Annotated[
    int | None,
    typer.Option(
        parser=bounded(int, ge=2, le=1000),
        help="Hopfield: capacity experiment at N units, P = 1..2N.",
    ),
]

EvaluatedHorizon = Annotated[
    int | None,
    typer.Option(
        "--horizon",
        parser=bounded(int, ge=1, le=100_000),
        help="Forecaster: steps scored from each origin; default data.horizon.",
    ),
]
Backtest = Annotated[
    bool,
    typer.Option(help="Forecaster: rolling origins over the split (default test), a row each."),
]
Stride = Annotated[
    int | None,
    typer.Option(
        parser=bounded(int, ge=1, le=1_000_000),
        help="Forecaster, with --backtest: rows between origins; default the horizon.",
    ),
]
Split = Annotated[
    str | None,
    typer.Option(
        autocompletion=offer(SPLITS), help="val | test (of the recipe's data); default val."
    ),
]
MaxBatches = Annotated[
    int | None, typer.Option(parser=like(TrainConfig, "eval_batches"), help="Cap on batches.")
]


@app.command()
@friendly
def evaluate(
    run: RunPath,
    data: Annotated[Path | None, typer.Option(help="Score this data file instead.")] = None,
    split: Split = None,
    max_batches: MaxBatches = None,
    noise: NoiseLevels = None,
    capacity: Capacity = None,
    horizon: EvaluatedHorizon = None,
    backtest: Backtest = False,
    stride: Stride = None,
    device: Device = "auto",
    threads: Threads = None,
    precision: Precision = None,
    as_json: AsJson = False,
) -> None:
    """Score a model on a split or a file with its task's metrics (and baselines, if any)."""
    split = _split_to_score(split, backtest=backtest, stride=stride)
    given = {"noise": noise, "capacity": capacity, "horizon": horizon, "backtest": backtest}
    options = _task_options(**given, stride=stride)
    from seqcli.engine.precision import run_precision
    from seqcli.engine.run import load_run
    from seqcli.tasks import TASKS

    loaded = load_run(run, place(device, threads), TASKS)
    task = loaded.task
    _refuse_other_tasks(options, task.spec)
    examples, name = _examples(loaded, data, split)
    with run_precision(loaded, precision, "--precision"):
        metrics = task.evaluate(loaded, examples, max_batches=max_batches, **options)
    details = metrics.pop("details", {})
    if "capacity" in metrics:
        _draw_capacity(metrics.pop("capacity"), run)
    if as_json:
        ui.print_json(versioned({"data": name, **metrics, "details": machine_details(details)}))
        return
    ui.metrics_table(f"{loaded.recipe.name} on {name}", metrics)
    ui.detail_tables(details)


def _split_to_score(split: str | None, *, backtest: bool, stride: int | None) -> str:
    # A backtest runs over the held-out end of the series unless told otherwise.
    split = split or ("test" if backtest else "val")
    if split not in SPLITS:
        raise UsageError(f"--split {split}: choose val or test")
    if stride is not None and not backtest:
        raise UsageError("--stride sets the rows between a backtest's origins: add --backtest")
    return split


def _examples(loaded, data: Path | None, split: str):
    """What to score and how to name it: another file, or a split of the recipe's data."""
    task = loaded.task
    if data is not None:
        return task.examples_from_file(loaded, data), str(data)
    from seqcli.engine.run import with_split_files

    examples = with_split_files(loaded, task.prepare(loaded.recipe, loaded.meta)).splits[split]
    if not len(examples):
        raise UsageError(
            f"--split {split}: the {split} split is empty; raise data.{split}_fraction"
        )
    return examples, split


def _task_options(noise: str | None, **flags) -> dict:
    """evaluate's flags that only some tasks read, parsed; those not given left out."""
    options = {"noise": _levels(noise) if noise is not None else None, **flags}
    return {name: value for name, value in options.items() if value not in (None, False)}


def _levels(text: str) -> tuple[float, ...]:
    try:
        levels = tuple(float(item) for item in text.split(","))
    except ValueError:
        levels = ()
    if not levels or not all(0 <= level <= 1 for level in levels):
        raise UsageError(
            f"--noise {text}: expected comma-separated shares from 0 to 1, e.g. 0.1,0.2"
        )
    return levels


def _refuse_other_tasks(options: dict, spec) -> None:
    """A task-only flag given to another task is refused, naming the tasks that take it."""
    from seqcli.recipe.tasks import SPECS

    for name in options:
        if name not in spec.evaluate:
            titles = dict.fromkeys(s.title for s in SPECS.values() if name in s.evaluate)
            takers = " and ".join(titles)
            raise UsageError(
                f"--{name} does not apply to a {spec.title}; only a {takers}'s evaluate takes it"
            )


def _draw_capacity(curves, run: Path) -> None:
    """The capacity curves as a PNG in the run's folder (beside the checkpoint file)."""
    from seqcli.runs.runfolder import RunFolder
    from seqcli.ui import figures

    folder = RunFolder(run if run.is_dir() else run.parent)
    name = f"capacity-{curves.units}.png"
    path = folder.write_atomically(name, lambda handle: figures.plot_capacity(curves, handle))
    ui.info(f"wrote {path}")


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
