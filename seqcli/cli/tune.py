"""tune: search recipe keys with Optuna, each trial a run in the study folder; --show DIR."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seqcli.cli.app import Device, Overrides, Threads, app, friendly, place
from seqcli.cli.choices import offer, shown
from seqcli.cli.numbers import bounded, like, usable_cores
from seqcli.cli.training import out_folder
from seqcli.cli.watch import stop_on_signals
from seqcli.errors import UsageError
from seqcli.recipe import TrainConfig
from seqcli.tune import study

SAMPLERS = tuple(study.SAMPLERS)
PRUNERS = tuple(study.PRUNERS)

Params = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        metavar="KEY=DIST",
        help="A recipe key to search: float(a,b[,log]), int(a,b[,log]) or choice(x,y,...).",
    ),
]
Space = Annotated[Path | None, typer.Option(help="YAML file of recipe key: DIST.")]
Trials = Annotated[
    int,
    typer.Option(parser=bounded(int, ge=1, le=100_000), help="Finished or pruned trials in all."),
]
Jobs = Annotated[
    int,
    typer.Option(
        parser=bounded(int, ge=1, le=usable_cores()),
        help="Trials at once on this machine, at most the cores.",
    ),
]
Storage = Annotated[
    str | None,
    typer.Option(
        metavar="URL", help="Optuna RDB storage, e.g. postgresql://...; default study.db."
    ),
]
# The same words as train.max_time: 90, 30s, 20m, 1h30m.
Timeout = Annotated[
    float | None,
    typer.Option(parser=like(TrainConfig, "max_time"), metavar="DURATION", help="Stop after this."),
]
Sampler = Annotated[
    str,
    typer.Option(metavar=shown(SAMPLERS), autocompletion=offer(SAMPLERS), help="Optuna sampler."),
]
Pruner = Annotated[
    str,
    typer.Option(metavar=shown(PRUNERS), autocompletion=offer(PRUNERS), help="Optuna pruner."),
]
Show = Annotated[Path | None, typer.Option(metavar="DIR", help="Show the study in DIR and exit.")]


@app.command()
@friendly
def tune(
    recipe: Annotated[Path | None, typer.Argument(help="Recipe YAML file.")] = None,
    trials: Trials = 20,
    params: Params = None,
    space: Space = None,
    overrides: Overrides = None,
    out: Annotated[
        str | None, typer.Option(metavar="DIR", help="Study folder (default runs/<name>-tune).")
    ] = None,
    storage: Storage = None,
    jobs: Jobs = 1,
    timeout: Timeout = None,
    sampler: Sampler = "tpe",
    pruner: Pruner = "median",
    show: Show = None,
    device: Device = "auto",
    threads: Threads = None,
) -> None:
    """Search recipe keys with Optuna; write best.yaml, tune.json and figures."""
    if storage is not None:
        from seqcli.tune.storage_url import check_storage

        check_storage(storage)  # before the recipe is read or the study folder made
    if show is not None:
        _show(show, storage)
        return
    if recipe is None:
        raise UsageError("give a RECIPE to tune, or --show DIR to read a study")
    _closed("--sampler", sampler, SAMPLERS)
    _closed("--pruner", pruner, PRUNERS)
    from seqcli.tune.space import check_space, search_space

    request = _request(recipe, overrides or [], out, device, threads, jobs)
    searched = search_space(params or [], space, request.recipe_with({}).tune, recipe)
    check_space(recipe, overrides or [], searched)
    asked = study.Request(request, tuple(searched), trials, storage, sampler, pruner, timeout)
    raise typer.Exit(_run(asked, jobs, threads))


def _closed(flag: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise UsageError(f"{flag} {value}: not one of {', '.join(choices)}")


def _request(recipe: Path, overrides: list[str], out: str | None, device, threads, jobs: int):
    """The trials' Base: the recipe, the overrides, the study folder, the device."""
    from seqcli.recipe import load_recipe
    from seqcli.tune.trial import Base

    loaded = load_recipe(recipe, overrides)
    folder = out_folder(out) or Path("runs") / f"{loaded.name}-tune"
    target = place(device, threads if jobs == 1 else 1)
    return Base(recipe, tuple(overrides), folder, target, loaded.train.monitor)


def _run(request, jobs: int, threads: int | None) -> int:
    """The study shown live; exit code 0, or 128 + n after signal n (the trial saved)."""
    from seqcli.tune.runner import tune
    from seqcli.tune.trial import Stopper, TuneInterrupted
    from seqcli.ui.tune import TuneView, show_summary

    stopper = Stopper()
    try:
        with stop_on_signals(stopper) as received, TuneView(request.base.monitor) as view:
            summary, files = tune(
                request, emit=view.update, stopper=stopper, jobs=jobs, threads=threads
            )
    except TuneInterrupted:
        return 128 + received[0] if received else 130
    show_summary(summary, files)
    return 0


def _show(folder: Path, storage: str | None) -> None:
    from seqcli.tune.runner import read_study
    from seqcli.ui.tune import show_summary

    show_summary(read_study(folder, storage), [])
