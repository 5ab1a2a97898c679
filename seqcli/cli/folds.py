"""train --folds K (or train.folds in the recipe): k-fold cross-validation, one fold after
another, each shown as a training is, then the table of means and deviations."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from seqcli import ui
from seqcli.cli.numbers import like
from seqcli.errors import RecipeError, RecipeProblems, UsageError
from seqcli.recipe import TrainConfig

Folds = Annotated[
    int | None,
    typer.Option(
        parser=like(TrainConfig, "folds"),
        help="k-fold cross-validation: K runs in RUN_DIR/fold-i/ (sets train.folds).",
    ),
]


def with_folds(overrides: list[str], folds: int | None, **flags) -> list[str]:
    """--folds K is --set train.folds=K, so the recipe checks it as it checks the key."""
    if folds is None:
        return overrides
    _refuse_with_folds(**flags)
    return [*overrides, f"train.folds={folds}"]


def _refuse_with_folds(*, resume, init_from, nproc: int) -> None:
    """Flags that make sense for one run, not for K of them."""
    if resume is not None:
        raise UsageError("--folds starts a cross-validation; rerun it to resume its folds")
    if init_from is not None or nproc > 1:
        raise UsageError("--folds trains K runs one after another; drop --init-from and --nproc")


def cross_validate(
    recipe_path: Path | None,
    overrides: list[str],
    out: Path | None,
    device,
    watch: Callable,
    view,
    overwrite: bool = False,
) -> int | None:
    """Train every fold not finished before, then report; None if there is no recipe (a
    resumed run) or it asks for no folds (or for one fold only, which trains as any run
    does). Returns the exit code."""
    from seqcli.compare.folds import finish_fold, fold_trainer, folds_table, plan_folds, write_folds
    from seqcli.recipe import load_recipe

    if recipe_path is None:
        return None
    try:
        recipe = load_recipe(recipe_path, overrides)
    except RecipeError as err:  # with_folds made the --set; the user typed --folds
        renamed = [
            re.sub(r"^--set train\.folds=(\S+)", r"--folds \1", line) for line in err.lines()
        ]
        raise RecipeProblems(renamed) from None
    if recipe.train.folds is None or recipe.train.fold is not None:
        return None
    folder = out or Path("runs") / recipe.name
    folds = plan_folds(recipe, folder, overwrite=overwrite)
    for fold in folds:
        if fold.result is not None:
            ui.info(f"fold {fold.index}: finished before ({fold.folder}); skipped")
            continue
        exit_code = watch(fold_trainer(fold, device, overwrite=overwrite), view)
        if exit_code:
            return exit_code
        finish_fold(fold, device)
    report, path = write_folds(recipe, folds, folder)
    ui.detail_tables(folds_table(report))
    ui.wrote(path)
    return 0
