"""k-fold cross-validation: one run per fold in RUN_DIR/fold-i/, then the mean and standard
deviation of each metric over the folds, in folds.json.

It rides on compare-cells' machinery: a fold's run is a variant whose recipe differs in
train.fold, a finished fold leaves result.json and is skipped on a rerun of the same recipe,
and an interrupted one resumes from its last.pt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch

from seqcli.compare.report import spread
from seqcli.compare.run import RESULT, ResultForm, check_folder, finished_result, trainer_for
from seqcli.engine.run import load_run, with_split_files
from seqcli.errors import CheckpointError
from seqcli.recipe import Recipe, recipe_to_dict, validate_recipe
from seqcli.recipe.outputs import Output, check_output, write_output
from seqcli.runs.runfolder import RunFolder
from seqcli.tasks import TASKS
from seqcli.ui.numbers import metric_text, spread_text

FOLDS_FILE = "folds.json"
Scores = dict[str, float | int]


class FoldForm(ResultForm):
    """A fold's result.json: its scores on each split it has."""

    fold: int
    val: Scores
    test: Scores | None = None


@dataclass
class Fold:
    index: int
    recipe: Recipe  # the run's recipe with train.fold set
    folder: Path
    result: dict | None  # its scores, once trained (or found finished)


def fold_recipe(recipe: Recipe, index: int) -> Recipe:
    raw = recipe_to_dict(recipe)
    raw["train"] = {**raw["train"], "fold": index}
    return validate_recipe(raw, source=f"fold {index}")


def plan_folds(recipe: Recipe, out: Path, *, overwrite: bool = False) -> list[Fold]:
    """Every fold of train.folds, with the result of those a former run finished; a fold's
    folder that is a link, or holds a run of another recipe without --overwrite, is refused
    before any fold trains."""
    if out.is_dir() and not out.is_symlink():  # folds.json is written last: checked first
        check_output(out / FOLDS_FILE, Output("--out"))
    folds = []
    for index in range(recipe.train.folds):
        fold = fold_recipe(recipe, index)
        folder = out / f"fold-{index}"
        check_folder(folder, fold, overwrite=overwrite)
        folds.append(Fold(index, fold, folder, finished_result(folder, fold, FoldForm)))
    return folds


def fold_trainer(fold: Fold, device: torch.device, *, overwrite: bool = False):
    """The fold's trainer: resumed where an interrupted run of it stopped, else fresh."""
    return trainer_for(fold.recipe, fold.folder, device, overwrite=overwrite)


def finish_fold(fold: Fold, device: torch.device) -> dict:
    """Score the fold's best checkpoint on its validation fold (and the test split, if any)
    and store the scores beside it, which marks the fold finished."""
    best = fold.folder / "best.pt"
    if not best.is_file():
        raise CheckpointError(f"{fold.folder}: stopped before its first validation")
    run = load_run(best, device, TASKS)
    data = with_split_files(run, run.task.prepare(run.recipe, run.meta))
    scores = {
        split: _numbers(run.task.evaluate(run, data.splits[split]))
        for split in ("val", "test")
        if len(data.splits.get(split, ()))
    }
    fold.result = {"fold": fold.index, "recipe": recipe_to_dict(fold.recipe), **scores}
    RunFolder(fold.folder).write_json(RESULT, fold.result)
    return fold.result


def _numbers(metrics: dict) -> dict[str, float]:
    return {name: value for name, value in metrics.items() if isinstance(value, float | int)}


def aggregate(recipe: Recipe, folds: list[Fold]) -> dict:
    """Per-fold scores and, per split and metric, the mean and sample std over the folds."""
    results = [fold.result for fold in folds]
    splits = [split for split in ("val", "test") if any(split in r for r in results)]
    for split in splits:
        _check_alike(folds, split)
    summary = {
        split: {
            metric: _mean_std([r[split][metric] for r in results]) for metric in results[0][split]
        }
        for split in splits
    }
    per_fold = [{"fold": r["fold"], **{s: r[s] for s in splits}} for r in results]
    return {"recipe": recipe.name, "folds": len(folds), "monitor": recipe.train.monitor,
            "per_fold": per_fold, **summary}  # fmt: skip


def _check_alike(folds: list[Fold], split: str) -> None:
    """Every fold scored on the split with the same metrics, or the fold that was not named:
    a mean over some of the folds would pass for one over all of them."""
    first = next(fold for fold in folds if split in fold.result)
    for fold in folds:
        metrics = fold.result.get(split, {})
        if set(metrics) != set(first.result[split]):
            missing = sorted(set(first.result[split]) - set(metrics)) or sorted(metrics)
            raise CheckpointError(
                f"{fold.folder / RESULT}: no {split} {', '.join(missing)} scores as fold "
                f"{first.index} has; remove the file and rerun to score that fold again"
            )


def _mean_std(values: list[float]) -> dict[str, float]:
    mean, std = spread(values)
    return {"mean": mean, "std": std}


def write_folds(recipe: Recipe, folds: list[Fold], out: Path) -> tuple[dict, Path]:
    report = aggregate(recipe, folds)
    text = json.dumps(report, indent=1)
    path = write_output(out / FOLDS_FILE, text.encode("utf-8"), Output("--out"))
    return report, path


def folds_table(report: dict) -> dict:
    """The report as ui.detail_tables draws it: one row per split and metric."""
    rows = [
        [f"{split} {metric}", spread_text(metric, value["mean"], value["std"])]
        + [metric_text(metric, fold[split][metric]) for fold in report["per_fold"]]
        for split in ("val", "test")
        for metric, value in report.get(split, {}).items()
    ]
    columns = ["metric", "mean ± std", *(f"fold {f['fold']}" for f in report["per_fold"])]
    return {f"{report['folds']}-fold cross-validation": {"columns": columns, "rows": rows}}
