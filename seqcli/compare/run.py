"""compare-cells' run: train each variant of the grid on the same data, step budget and seeds,
each into OUT/<variant>/, then score, diagnose and report them side by side.

A finished variant leaves result.json beside its checkpoints; a rerun with the same recipe
skips it, and a variant interrupted after a validation resumes from its last.pt. A folder
holding a run of another recipe is replaced only with --overwrite, and a link in a variant's
place (it may be another run) never: both are refused before anything trains.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from dataclasses import asdict
from functools import partial
from pathlib import Path
from queue import Empty as EmptyQueue

import torch
from pydantic import model_validator

from seqcli.analysis.diagnostics import ClipStats, diagnose
from seqcli.analysis.matching import meta_parameter_count
from seqcli.compare.grid import Grid, Variant, plan, variant_recipe
from seqcli.data.forms import Form
from seqcli.engine import events
from seqcli.engine.run import load_run, stored_recipe, with_split_files
from seqcli.engine.start import fresh_training, resumed_training
from seqcli.engine.threads import use_threads
from seqcli.errors import CheckpointError
from seqcli.recipe import Recipe, recipe_to_dict
from seqcli.recipe.tasks import METRICS
from seqcli.runs.checkpoint import load_checkpoint
from seqcli.runs.jsonfiles import read_log, read_state
from seqcli.runs.runfolder import RUN_FILES, RunFolder
from seqcli.tasks import TASKS, task_for

RESULT = "result.json"


class ResultForm(Form):
    """result.json: what marks a variant or fold finished (the report reads the rest)."""

    recipe: dict


class VariantForm(ResultForm):
    """A compare-cells variant's result.json: what its report reads."""

    name: str
    group: str
    variant: dict
    monitor: str
    parameters: int
    wall_s: float
    speed: float
    best_val: float | None
    test: dict  # a task's metrics, some of them tables; the report reads the monitored one
    target_step: int | None
    curve: list[list[float]]  # (step, value) pairs
    clipping: dict[str, float | int | None]
    diagnostics: dict

    @model_validator(mode="after")
    def _monitored_test_score(self) -> VariantForm:
        score = self.test.get(self.monitor)
        if not isinstance(score, float | int) or not math.isfinite(score):
            raise ValueError(f"test.{self.monitor}: got {score!r}; expected a finite number")
        return self


def finished_result(folder: Path, recipe: Recipe, form: type[Form] = VariantForm) -> dict | None:
    """The stored result of this very variant recipe, if it finished before; a damaged one
    is refused naming file:line rather than trained over or half read."""
    path = folder / RESULT
    if not path.is_file():
        return None
    result = read_state(path, ResultForm)
    if result["recipe"] != recipe_to_dict(recipe):
        return None
    return read_state(path, form)


def check_folder(folder: Path, recipe: Recipe, *, overwrite: bool) -> None:
    """Refuse, before anything trains, a variant's folder that is a link, or that holds a run
    of another recipe when --overwrite was not given."""
    if folder.is_symlink():
        raise CheckpointError(f"{folder}: is a symbolic link; seqcli trains into no link")
    held = any(os.path.lexists(folder / name) for name in RUN_FILES)
    finished = finished_result(folder, recipe, ResultForm)
    if not held or overwrite or finished or _resumable(folder, recipe):
        return
    raise CheckpointError(
        f"{folder}: holds a run of another recipe; pass --overwrite to replace it, or --out "
        "another folder"
    )


def _resumable(folder: Path, recipe: Recipe) -> bool:
    """Whether folder holds an interrupted run of this very recipe."""
    last = folder / "last.pt"
    if not last.is_file():
        return False
    return recipe_to_dict(stored_recipe(load_checkpoint(last), last)) == recipe_to_dict(recipe)


def trainer_for(recipe: Recipe, folder: Path, device: torch.device, *, overwrite: bool):
    """Resume an interrupted variant of the same recipe, else start it afresh."""
    if _resumable(folder, recipe):
        return resumed_training(folder, TASKS, device=device)
    task = task_for(recipe)
    return fresh_training(recipe, task, device=device, out=folder, overwrite=overwrite)


def train_variant(
    recipe: Recipe,
    variant: Variant,
    folder: Path,
    *,
    device: torch.device,
    target: float | None,
    overwrite: bool = False,
) -> Iterator[object]:
    """Train one variant, yielding VariantProgress, then score it and yield VariantDone."""
    trainer = trainer_for(recipe, folder, device, overwrite=overwrite)
    started = time.perf_counter()
    try:
        ended = yield from _progress(trainer, variant.name, recipe.train.monitor)
    finally:
        trainer.folder.release()
    if not (folder / "best.pt").is_file():
        raise CheckpointError(f"{folder}: stopped before its first validation: {ended['failed']}")
    curve, clipping = history(folder, recipe)
    result = {
        "variant": asdict(variant),
        "name": variant.name,
        "group": variant.group,
        "recipe": recipe_to_dict(recipe),
        "monitor": recipe.train.monitor,
        "unit": recipe.spec.unit,
        "wall_s": round(time.perf_counter() - started, 2),
        **ended,
        "curve": curve,
        "target_step": first_reached(curve, target, recipe.train.monitor),
        "clipping": clipping.summary(),
        **score(folder, device),
    }
    RunFolder(folder).write_json(RESULT, result)
    yield events.VariantDone(variant.name, result)


def _progress(trainer, name: str, monitor: str):
    """The trainer's steps and validations as VariantProgress events; returns the last speed
    and the reason it failed, if it did."""
    speed, failed = 0.0, None
    for event in trainer:
        if isinstance(event, events.Step):
            speed = event.speed
            yield events.VariantProgress(name, event.step + 1, event.total, event.loss, None, speed)
        elif isinstance(event, events.Evaluated):
            metric = event.metrics[monitor]
            yield events.VariantProgress(name, event.step, trainer.total_steps, None, metric, speed)
        elif isinstance(event, events.Stopped) and event.failed:
            failed = event.reason
    return {"speed": speed, "failed": failed}


def history(folder: Path, recipe: Recipe) -> tuple[list[tuple[int, float]], ClipStats]:
    """The validation curve and the pre-clip gradient norms from the run's metrics.jsonl,
    which a resumed run continues: so they cover the steps trained before an interruption."""
    curve, clipping = [], ClipStats(recipe.train.clip_norm)
    for record in read_log(folder / "metrics.jsonl").rows:
        if record["split"] == "val" and recipe.train.monitor in record:
            curve.append((record["step"], record[recipe.train.monitor]))
        elif record["split"] == "train" and "grad_norm" in record:
            clipping.observe(record["grad_norm"])
    return curve, clipping


def score(folder: Path, device: torch.device) -> dict:
    """The best checkpoint's test metrics (val without a test split) and diagnostics."""
    run = load_run(folder / "best.pt", device, TASKS)
    data = with_split_files(run, run.task.prepare(run.recipe, run.meta))
    split = "test" if len(data.splits.get("test", ())) else "val"
    metrics = run.task.evaluate(run, data.splits[split])
    metrics.pop("details", None)
    # Every variant of a seed sees the same first training batch: the pictures compare.
    batch = next(run.task.batches(data, run.recipe)).to(device)
    return {
        "parameters": sum(p.numel() for p in run.model.parameters()),
        "best_val": run.checkpoint["best"]["value"],
        "test_split": split,
        "test": metrics,
        "diagnostics": diagnose(run.model, batch),
    }


def first_reached(curve: list, target: float | None, monitor: str) -> int | None:
    """The first validation step at which the monitored metric was at least as good as target."""
    if target is None:
        return None
    lower = METRICS[monitor].lower_is_better
    better = (lambda v: v <= target) if lower else (lambda v: v >= target)
    return next((step for step, value in curve if better(value)), None)


def run_grid(
    recipe: Recipe,
    grid: Grid,
    out: Path,
    *,
    device: torch.device,
    jobs: int = 1,
    threads: int | None = None,
    overwrite: bool = False,
) -> Iterator[object]:
    """Plan, train what is not finished (jobs at a time), report: a stream of events.
    A worker takes `threads` CPU threads, or by default its share of the cores."""
    from seqcli.compare.report import write_reports

    task = task_for(recipe)
    meta = task.prepare(recipe).meta
    variants = plan(recipe, grid, meta)
    recipes = {v.name: variant_recipe(recipe, v, steps=grid.steps) for v in variants}
    results = _finished(out, recipes, overwrite=overwrite)
    yield events.ComparePlanned(
        {
            name: meta_parameter_count(partial(task.build_model, r, meta))
            for name, r in recipes.items()
        },
        tuple(name for name, result in results.items() if result is not None),
        task.spec.unit,
        recipe.train.monitor,
    )
    todo = [
        (recipes[v.name], v, out / v.name, device, grid.target, overwrite)
        for v in variants
        if results[v.name] is None
    ]
    runner = _in_process if jobs == 1 else _in_processes
    for event in runner(todo, jobs, threads):
        if isinstance(event, events.VariantDone):
            results[event.name] = event.result
        yield event
    groups, files = write_reports([results[v.name] for v in variants], out, recipe=recipe)
    yield events.CompareFinished(groups, files)


def _finished(out: Path, recipes: dict[str, Recipe], *, overwrite: bool) -> dict:
    """Each variant's stored result if it finished, None if not; every folder is checked
    (check_folder), and the reports' paths, before the first variant trains."""
    from seqcli.compare.report import check_reports

    check_reports(out)
    for name, recipe in recipes.items():
        check_folder(out / name, recipe, overwrite=overwrite)
    return {name: finished_result(out / name, recipe) for name, recipe in recipes.items()}


def _in_process(todo: list[tuple], jobs: int, threads: int | None) -> Iterator[object]:
    for recipe, variant, folder, device, target, overwrite in todo:
        yield from train_variant(
            recipe, variant, folder, device=device, target=target, overwrite=overwrite
        )


def _worker(args: tuple, queue, threads: int) -> None:
    """One variant in a worker process; its events travel back through the queue."""
    use_threads(threads)
    recipe, variant, folder, device, target, overwrite = args
    every = train_variant(
        recipe, variant, folder, device=device, target=target, overwrite=overwrite
    )
    for event in every:
        queue.put(event)


def _in_processes(todo: list[tuple], jobs: int, threads: int | None) -> Iterator[object]:
    """Variants in `jobs` spawned processes, sharing the cores between them."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # fork would copy torch's thread pools
    threads = threads or max(1, (os.cpu_count() or 1) // jobs)
    with context.Manager() as manager, ProcessPoolExecutor(jobs, mp_context=context) as pool:
        queue = manager.Queue()
        futures = [pool.submit(_worker, args, queue, threads) for args in todo]
        while not all(f.done() for f in futures) or not queue.empty():
            try:
                yield queue.get(timeout=0.2)
            except EmptyQueue:
                continue
        for future in futures:
            future.result()  # a worker's exception surfaces here, with its traceback
