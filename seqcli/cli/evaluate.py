"""seqcli evaluate: a trained run scored on a split or a file, with the flags only some tasks
read."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seqcli import ui
from seqcli.cli.app import AsJson, Device, Precision, RunPath, Threads, app, friendly, place
from seqcli.cli.choices import SPLITS, offer
from seqcli.cli.numbers import bounded, like
from seqcli.errors import UsageError
from seqcli.recipe import TrainConfig
from seqcli.ui.machine import machine_details, versioned

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
BeamSize = Annotated[
    int | None,
    typer.Option(
        parser=bounded(int, ge=1, le=1000),
        help="Transcriber: prefix beam search keeping N prefixes; default 1, greedy.",
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
    beam_size: BeamSize = None,
    device: Device = "auto",
    threads: Threads = None,
    precision: Precision = None,
    as_json: AsJson = False,
) -> None:
    """Score a model on a split or a file with its task's metrics (and baselines, if any)."""
    split = _split_to_score(split, backtest=backtest, stride=stride)
    given = {"capacity": capacity, "horizon": horizon, "backtest": backtest, "stride": stride}
    given["beam_size"] = beam_size
    options = _task_options(noise, **given)
    from seqcli.engine.precision import run_precision
    from seqcli.engine.run import load_run
    from seqcli.tasks import TASKS

    loaded = load_run(run, place(device, threads), TASKS)
    task = loaded.task
    _refuse_other_tasks(options, task.spec)
    examples, name = _examples(loaded, data, split, run)
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


def _examples(loaded, data: Path | None, split: str, run: Path):
    """What to score and how to name it: another file, or a split of the recipe's data, read
    only once vetted (seqcli.runs.foreign), so a refusal names the file and nothing in it."""
    task = loaded.task
    if data is not None:
        return task.examples_from_file(loaded, data), str(data)
    from seqcli.engine.run import with_split_files
    from seqcli.runs.foreign import check_stored_data

    recorded = loaded.checkpoint.get("data_digest")
    check_stored_data(loaded.recipe.data, recorded, run if run.is_dir() else run.parent)

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
