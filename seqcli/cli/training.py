"""train: fresh, resumed, continued, dry run, k-fold, data-parallel."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from seqcli import ui
from seqcli.cli.app import AsJson, Device, Overrides, Threads, app, friendly, place
from seqcli.cli.folds import Folds, cross_validate, with_folds
from seqcli.cli.numbers import bounded, like
from seqcli.cli.watch import as_rank, watch
from seqcli.errors import UsageError
from seqcli.launch.torchrun import launch, without_nproc
from seqcli.recipe import TrainConfig
from seqcli.ui.training import TrainView

if TYPE_CHECKING:  # engine imports torch, which `seqcli --help` must not load
    from seqcli.engine.start import Until

RecipeFile = Annotated[Path | None, typer.Argument(help="Recipe YAML file.")]
# A string, not a Path: Path("") is ".", and an empty --out must not mean the current folder.
Out = Annotated[str | None, typer.Option(metavar="DIR", help="Run folder (default runs/<name>).")]
Resume = Annotated[Path | None, typer.Option(help="Continue the run in this folder.")]


def _train_flag(key: str, resumed: str, metavar: str | None = None):
    """A flag setting train.<key>: the recipe field's own type, bounds and words (one
    declaration); `resumed` says what it does with --resume."""
    field = TrainConfig.model_fields[key]
    return typer.Option(
        f"--{key.replace('_', '-')}",
        parser=like(TrainConfig, key),
        metavar=metavar,
        help=f"Sets train.{key}: {field.description}. With --resume: {resumed}.",
    )


Steps = Annotated[int | None, _train_flag("steps", "this many in all")]
Epochs = Annotated[float | None, _train_flag("epochs", "this many in all")]
MaxTime = Annotated[
    float | None, _train_flag("max_time", "the budget of this and later sessions", "DURATION")
]
InitFrom = Annotated[Path | None, typer.Option(help="Start from this checkpoint's weights only.")]
Overwrite = Annotated[bool, typer.Option(help="Replace a run already in the folder.")]
AllowChangedData = Annotated[
    bool, typer.Option(help="With --resume: go on although the data file changed since.")
]
Quiet = Annotated[bool, typer.Option(help="No progress; final summary only.")]
TuneAllocator = Annotated[
    bool, typer.Option(help="Raise glibc malloc thresholds (faster CPU training).")
]
DryRun = Annotated[
    bool, typer.Option(help="Build data and model, print shapes and memory, then exit.")
]
Diagnose = Annotated[
    bool, typer.Option(help="At each validation: gradient flow, saturation, gates.")
]
Nproc = Annotated[
    int,
    typer.Option(
        parser=bounded(int, ge=1), help="Train data-parallel on this many local processes."
    ),
]


@app.command()
@friendly
def train(
    recipe: RecipeFile = None,
    overrides: Overrides = None,
    out: Out = None,
    resume: Resume = None,
    steps: Steps = None,
    epochs: Epochs = None,
    max_time: MaxTime = None,
    allow_changed_data: AllowChangedData = False,
    init_from: InitFrom = None,
    overwrite: Overwrite = False,
    device: Device = "auto",
    threads: Threads = None,
    quiet: Quiet = False,
    as_json: AsJson = False,
    tune_allocator: TuneAllocator = True,
    dry_run: DryRun = False,
    diagnose: Diagnose = False,
    nproc: Nproc = 1,
    folds: Folds = None,
) -> None:
    """Train a model from a recipe, or resume a run (and continue it past its end)."""
    overrides = with_folds(overrides or [], folds, resume=resume, init_from=init_from, nproc=nproc)
    _check_flags(
        recipe, resume, bool(overrides or init_from or out is not None), allow_changed_data
    )
    until = _until(resume, steps, epochs, max_time)
    overrides = [*overrides, *_new_run_settings(resume, steps, epochs, max_time)]
    if nproc > 1 and not dry_run:
        raise typer.Exit(launch(nproc, without_nproc(sys.argv[1:])))
    target = _tuned_device(device, threads, tune_allocator)
    if dry_run:
        _dry_run(recipe or resume / "recipe.yaml", overrides, target, init_from)
        return
    request = TrainRequest(
        recipe, resume, overrides, out_folder(out), init_from, overwrite, allow_changed_data, until
    )
    view = ui.JsonView() if as_json else TrainView(quiet=quiet)
    raise typer.Exit(_train(request, target, view, diagnose=diagnose))


@dataclass(frozen=True)
class TrainRequest:
    """What to train: a new run (recipe, overrides, out, init_from, overwrite) or the run in
    `resume` (allow_changed_data; until: a new length)."""

    recipe: Path | None
    resume: Path | None
    overrides: list[str]
    out: Path | None
    init_from: Path | None
    overwrite: bool
    allow_changed_data: bool
    until: Until | None


def _train(request: TrainRequest, device, view, *, diagnose: bool) -> int:
    """The folds of a cross-validation one after another, else one run (as one rank of a
    data-parallel job, if torchrun started this process); the exit code."""
    folds = cross_validate(
        request.recipe, request.overrides, request.out, device, watch, view, request.overwrite
    )
    if folds is not None:
        return folds
    return as_rank(
        lambda rank_device: _trainer(request, rank_device), device, view, diagnose=diagnose
    )


def _tuned_device(device: str, threads: int | None, tune_allocator: bool):
    from seqcli.launch.allocator import tune_allocator as tune

    if tune_allocator:
        tune()
    return place(device, threads)


def _check_flags(
    recipe: Path | None, resume: Path | None, changes: bool, allow_changed_data: bool
) -> None:
    if (recipe is None) == (resume is None):
        raise UsageError("give a RECIPE to start a run, or --resume RUN_DIR to continue one")
    if resume is not None and changes:
        raise UsageError("--resume continues a run as it was; drop --set, --init-from and --out")
    if allow_changed_data and resume is None:
        raise UsageError("--allow-changed-data applies to --resume only")


def _trainer(request: TrainRequest, device):
    from seqcli.engine.start import fresh_training, resumed_training
    from seqcli.recipe import load_recipe
    from seqcli.tasks import TASKS, task_for

    if request.resume is not None:
        return resumed_training(
            request.resume,
            TASKS,
            device=device,
            allow_changed_data=request.allow_changed_data,
            until=request.until,
        )
    loaded = load_recipe(request.recipe, request.overrides)
    return fresh_training(
        loaded,
        task_for(loaded),
        device=device,
        out=request.out,
        overwrite=request.overwrite,
        init_from=request.init_from,
    )


def _until(resume: Path | None, steps, epochs, max_time) -> Until | None:
    """--steps, --epochs or --max-time with --resume: how far the run goes on, and with what
    budget; None keeps the run as it was."""
    if steps is not None and epochs is not None:
        raise UsageError("--steps and --epochs: give one of them")
    if resume is None or (steps is None and epochs is None and max_time is None):
        return None
    from seqcli.engine.start import Until

    return Until(steps=steps, epochs=epochs, max_time=max_time)


def _new_run_settings(resume: Path | None, steps, epochs, max_time) -> list[str]:
    """--steps N or --epochs N on a new run, as Keras' epochs=: the recipe's length replaced
    (the other one cleared, so a recipe counting epochs can be given steps); --max-time."""
    if resume is not None:
        return []
    budget = [] if max_time is None else [f"train.max_time={max_time}"]
    if steps is not None:
        return [f"train.steps={steps}", "train.epochs=null", *budget]
    if epochs is not None:
        return [f"train.epochs={epochs}", "train.steps=null", *budget]
    return budget


def out_folder(out: str | None) -> Path | None:
    """--out as a folder; an empty one is refused rather than read as the current folder."""
    if out is not None and not out.strip():
        raise UsageError(f"--out {out!r}: empty; name a folder (--out . for this one)")
    return None if out is None else Path(out)


def _dry_run(recipe_path: Path, overrides: list[str], device, init_from: Path | None) -> None:
    from seqcli.analysis.dryrun import dry_run
    from seqcli.engine.start import fresh_run
    from seqcli.recipe import load_recipe
    from seqcli.tasks import task_for

    recipe = load_recipe(recipe_path, overrides)
    run, data = fresh_run(recipe, task_for(recipe), device=device, init_from=init_from)
    ui.dry_run_report(dry_run(run, data))
