"""train: fresh, resumed, continued, dry run, k-fold, data-parallel."""

from __future__ import annotations

import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from seqcli import ui
from seqcli.cli.app import AsJson, Device, Overrides, Threads, app, friendly, place
from seqcli.cli.folds import Folds, cross_validate, with_folds
from seqcli.cli.launch import launch, without_nproc
from seqcli.cli.numbers import bounded, like
from seqcli.errors import OutputError, UsageError
from seqcli.recipe import TrainConfig
from seqcli.ui.training import TrainView


@contextmanager
def stop_on_signals(trainer):
    """First Ctrl-C or SIGTERM: save and stop after the current step, or at once during a
    validation (which is then done first on --resume). A second one: exit now.

    Yields a list that receives the signal number, so the command can exit 128 + signum.
    """
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    received: list[int] = []

    def handle(signum, frame):
        received.append(signum)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        # Last: during a validation this raises into it, to drop it at once.
        trainer.request_stop(f"interrupted by {signal.Signals(signum).name}")

    for sig in previous:
        signal.signal(sig, handle)
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


RecipeFile = Annotated[Path | None, typer.Argument(help="Recipe YAML file.")]
# A string, not a Path: Path("") is ".", and an empty --out must not mean the current folder.
Out = Annotated[str | None, typer.Option(metavar="DIR", help="Run folder (default runs/<name>).")]
Resume = Annotated[Path | None, typer.Option(help="Continue the run in this folder.")]
ResumeSteps = Annotated[
    int | None,
    typer.Option(
        "--steps",
        parser=like(TrainConfig, "steps"),
        help="With --resume: go on to this many steps in all, past the recipe's end.",
    ),
]
ResumeEpochs = Annotated[
    float | None,
    typer.Option(
        "--epochs",
        parser=like(TrainConfig, "epochs"),
        help="With --resume: go on to this many epochs in all, past the recipe's end.",
    ),
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
    steps: ResumeSteps = None,
    epochs: ResumeEpochs = None,
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
    until = _until(resume, steps, epochs)
    if nproc > 1 and not dry_run:
        raise typer.Exit(launch(nproc, without_nproc(sys.argv[1:])))
    target = _tuned_device(device, threads, tune_allocator)
    if dry_run:
        _dry_run(recipe or resume / "recipe.yaml", overrides, target, init_from)
        return
    options = {"out": out_folder(out), "overwrite": overwrite, "init_from": init_from}
    options.update(allow_changed_data=allow_changed_data, until=until)
    view = ui.JsonView() if as_json else TrainView(quiet=quiet)
    exit_code = cross_validate(recipe, overrides, options["out"], target, _watch, view)
    if exit_code is None:  # no folds: one run
        exit_code = _rank(recipe, resume, overrides, target, options, view, diagnose)
    if exit_code:
        raise typer.Exit(exit_code)


def _tuned_device(device: str, threads: int | None, tune_allocator: bool):
    from seqcli.engine.allocator import tune_allocator as tune

    if tune_allocator:
        tune()
    return place(device, threads)


def _rank(recipe, resume, overrides, device, options, view, diagnose: bool) -> int:
    """Train in this process: alone, or as one rank of a job torchrun started (only rank 0
    shows progress)."""
    from seqcli.engine import distributed

    finished, ranks = False, 1
    try:
        device = distributed.join(device)
        ranks = distributed.current_world().size
        with distributed.peers_watched():
            trainer = _trainer(recipe, resume, overrides, device, options)
            shown = view if trainer.world.writer else distributed.QuietView()
            exit_code = _watch(trainer, shown, diagnose=diagnose)
        finished = True
    finally:
        if ranks > 1:
            # torchrun sends SIGTERM to the ranks left when one dies; this one is on its way
            # out, and the signal raised into the interpreter's exit would print a traceback.
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)
        distributed.leave(together=finished)
    if ranks > 1:
        distributed.exit_rank(exit_code)
    return exit_code


def _check_flags(recipe, resume, changes: bool, allow_changed_data: bool) -> None:
    if (recipe is None) == (resume is None):
        raise UsageError("give a RECIPE to start a run, or --resume RUN_DIR to continue one")
    if resume is not None and changes:
        raise UsageError("--resume continues a run as it was; drop --set, --init-from and --out")
    if allow_changed_data and resume is None:
        raise UsageError("--allow-changed-data applies to --resume only")


def _trainer(recipe: Path | None, resume: Path | None, overrides: list[str], device, options):
    from seqcli.engine.start import fresh_training, resumed_training
    from seqcli.recipe import load_recipe
    from seqcli.tasks import TASKS, task_for

    resuming = {name: options.pop(name) for name in ("allow_changed_data", "until")}
    if resume is not None:
        return resumed_training(resume, TASKS, device=device, **resuming)
    loaded = load_recipe(recipe, overrides)
    return fresh_training(loaded, task_for(loaded), device=device, **options)


def _until(resume: Path | None, steps: int | None, epochs: float | None):
    """--steps or --epochs: how far a resumed run goes on; None keeps its recipe's length."""
    if steps is None and epochs is None:
        return None
    if resume is None:
        raise UsageError(
            "--steps and --epochs continue a run with --resume; to start one, use "
            "--set train.steps=N"
        )
    if steps is not None and epochs is not None:
        raise UsageError("--steps and --epochs: give one of them")
    from seqcli.engine.start import Until

    return Until(steps=steps, epochs=epochs)


def out_folder(out: str | None) -> Path | None:
    """--out as a folder; an empty one is refused rather than read as the current folder."""
    if out is not None and not out.strip():
        raise UsageError(f"--out {out!r}: empty; name a folder (--out . for this one)")
    return None if out is None else Path(out)


def _watch(trainer, view, *, diagnose: bool = False) -> int:
    """Render the training; the exit code: 1 if it diverged, 128 + n after signal n, else 0.
    If stdout fails under --json, the run is saved and stopped as on Ctrl-C first."""
    from seqcli.analysis.diagnostics import diagnosed

    stream = iter(diagnosed(trainer) if diagnose else trainer)
    try:
        with stop_on_signals(trainer) as received:
            try:
                last = view.render(stream)
            except (ui.StdoutClosed, OutputError):
                trainer.request_stop("stdout failed")  # between events: nothing is raised
                for _ in stream:
                    pass
                raise
    finally:
        trainer.folder.release()
    if getattr(last, "failed", False):
        return 1
    return 128 + received[0] if received else 0


def _dry_run(recipe_path: Path, overrides: list[str], device, init_from: Path | None) -> None:
    from seqcli.analysis.dryrun import dry_run
    from seqcli.engine.start import fresh_run
    from seqcli.recipe import load_recipe
    from seqcli.tasks import task_for

    recipe = load_recipe(recipe_path, overrides)
    run, data = fresh_run(recipe, task_for(recipe), device=device, init_from=init_from)
    ui.dry_run_report(dry_run(run, data))
