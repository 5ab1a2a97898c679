"""Put a training together: fresh from a recipe, resumed from a run, or warm-started."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from seqcli.data.digest import data_digest
from seqcli.engine.budget import Clock
from seqcli.engine.contract import Task, TaskData
from seqcli.engine.distributed import current_world
from seqcli.engine.memory import require, training_need
from seqcli.engine.optim import build_optimizer, total_steps
from seqcli.engine.run import (
    Run,
    Stored,
    Tasks,
    build_stored,
    new_run,
    read_stored,
    with_split_files,
)
from seqcli.engine.train import Trainer
from seqcli.errors import CheckpointError, UsageError
from seqcli.recipe import Recipe, recipe_to_dict, recipe_to_yaml, validate_recipe
from seqcli.runs.checkpoint import load_checkpoint, resolve_checkpoint, weights_mismatch
from seqcli.runs.quiet import QuietFolder
from seqcli.runs.runfolder import RunFolder
from seqcli.runs.stored import check_training


def fresh_training(
    recipe: Recipe,
    task: Task,
    *,
    device: torch.device,
    out: Path | None = None,
    overwrite: bool = False,
    init_from: Path | None = None,
    clock: Clock = time.monotonic,
) -> Trainer:
    """A new run folder and a trainer at step 0 (weights optionally taken from a checkpoint);
    `clock` times train.max_time."""
    run, data = fresh_run(recipe, task, device=device, init_from=init_from)
    require(training_need(run, data), device, f"recipe {recipe.name}", task.spec)
    folder = _folder(out or Path("runs") / recipe.name)
    folder.prepare_new(overwrite=overwrite)  # the old run stays until the new one's last.pt
    with _released_on_failure(folder):
        folder.write_text("recipe.yaml", recipe_to_yaml(recipe))
        folder.write_text("meta.json", json.dumps(run.meta.to_dict(), ensure_ascii=False, indent=1))
        return Trainer(run, data, folder, data_digest=data_digest(recipe.data), clock=clock)


def fresh_run(
    recipe: Recipe, task: Task, *, device: torch.device, init_from: Path | None = None
) -> tuple[Run, TaskData]:
    """The recipe's data and a new model (weights from init_from, if given); no files written.

    A warm start keeps the checkpoint's vocabularies, so its weights mean the same tokens."""
    warm = load_checkpoint(resolve_checkpoint(init_from)) if init_from else None
    data = task.prepare(recipe, _warm_meta(task, warm, init_from) if warm else None)
    run = new_run(recipe, task, data.meta, device)
    if warm:
        _load_weights(run, warm, init_from)
    return run, with_split_files(run, data)


@dataclass(frozen=True)
class Until:
    """What a resumed run is told anew: its length (train --resume RUN --steps N | --epochs
    N, counted from the run's start as the recipe counts it; at most one of the two), and
    its sessions' time budget (--max-time, seconds)."""

    steps: int | None = None
    epochs: float | None = None
    max_time: float | None = None

    @property
    def lengthens(self) -> bool:
        return self.steps is not None or self.epochs is not None

    @property
    def flag(self) -> str:
        return f"--steps {self.steps}" if self.steps is not None else f"--epochs {self.epochs:g}"


def resumed_training(
    run_dir: Path,
    tasks: Tasks,
    *,
    device: torch.device,
    allow_changed_data: bool = False,
    until: Until | None = None,
    clock: Clock = time.monotonic,
) -> Trainer:
    """The trainer exactly where run_dir/last.pt left it, on the data it started with unless
    allow_changed_data; with `until`, set to go on to that length or with that budget."""
    if not run_dir.is_dir():
        raise UsageError(f"--resume {run_dir}: not a run folder")
    folder = _folder(run_dir)
    folder.lock()  # first: it finishes a replacement a killed process left halfway
    with _released_on_failure(folder):
        run, data, digest = _resumed_run(run_dir, tasks, device, allow_changed_data, until)
        folder.truncate_logs(run.checkpoint["step"])
        if until is not None:  # the folder's recipe says how long the run now is
            folder.write_text("recipe.yaml", recipe_to_yaml(run.recipe))
        return Trainer(run, data, folder, data_digest=digest, clock=clock)


def _resumed_run(
    run_dir: Path,
    tasks: Tasks,
    device: torch.device,
    allow_changed_data: bool,
    until: Until | None,
) -> tuple[Run, TaskData, str | None]:
    if not (run_dir / "last.pt").is_file():
        raise CheckpointError(f"--resume {run_dir}: holds no last.pt to resume from")
    stored = read_stored(run_dir / "last.pt", tasks)
    digest = data_digest(stored.recipe.data)
    if not allow_changed_data:
        _same_data(stored, digest, run_dir)
    data = stored.task.prepare(stored.recipe, stored.meta)
    batches = stored.task.batches(data, stored.recipe)
    if until is not None and until.lengthens:
        stored = _extended(stored, until, len(batches), run_dir)
    if until is not None and until.max_time is not None:
        stored = _with_train(stored, {"max_time": until.max_time}, "--max-time")
    run = build_stored(stored, device)
    fresh = build_optimizer(run.model.parameters(), run.recipe.train)
    check_training(stored.payload, run, batches, stored.path, optimizer=fresh)
    if until is None or not until.lengthens:  # after the checks: damage is named first
        _refuse_finished(stored, len(batches), run_dir)
    data = with_split_files(run, data)
    require(training_need(run, data), device, f"{stored.path} (stored recipe)", run.task.spec)
    return run, data, digest


def _extended(stored: Stored, until: Until, batches_per_epoch: int, run_dir: Path) -> Stored:
    """The stored run with the recipe's length replaced by `until`, which must go beyond
    the step it is at. Only the length changes: the schedule keeps the horizon it had."""
    if not stored.task.spec.optimizes:
        raise UsageError(f"{until.flag}: a {stored.task.spec.title} takes no training steps")
    lengths = {"steps": until.steps, "epochs": until.epochs}
    extended = _with_train(stored, lengths, until.flag)
    at = stored.payload["step"]
    planned = total_steps(extended.recipe.train, batches_per_epoch)
    if planned <= at:
        ends = "" if until.steps is not None else f" (step {planned})"
        raise UsageError(
            f"{until.flag}{ends}: the run in {run_dir} is already at step {at}; ask for more"
        )
    return extended


def _with_train(stored: Stored, values: dict, source: str) -> Stored:
    """The stored run with these keys of its train section replaced."""
    raw = recipe_to_dict(stored.recipe)
    raw["train"] = {**raw["train"], **values}
    return replace(stored, recipe=validate_recipe(raw, source=source))


def _refuse_finished(stored: Stored, batches_per_epoch: int, run_dir: Path) -> None:
    """A run at its recipe's end has nothing to resume: say so, and how to go on, rather
    than show a full bar and write its summary again. (A run the data alone makes, with no
    steps, validates again, as it always did: it shows no bar.)"""
    training = stored.payload.get("training")
    if isinstance(training, dict) and training.get("validation_due"):
        return  # stopped during its last validation, which the resume does
    at = stored.payload["step"]
    planned = total_steps(stored.recipe.train, batches_per_epoch)
    if stored.task.spec.optimizes and at >= planned:
        raise UsageError(
            f"--resume {run_dir}: the run finished at step {at}, its recipe's end; to train it "
            f"further, add --steps N (N above {at}) or --epochs N"
        )


def _same_data(stored: Stored, digest: str | None, run_dir: Path) -> None:
    """Refuse to resume on data that changed since the run started: its position, carried
    state and vocabulary would be applied to other text. Checkpoints written before digests
    were stored hold none and resume as they always did."""
    training = stored.payload.get("training")
    before = training.get("data_digest") if isinstance(training, dict) else None
    if before is not None and digest != before:
        raise CheckpointError(
            f"--resume {run_dir}: the data ({stored.recipe.data.path}) changed since the run "
            "started (its SHA-256 differs from the one in last.pt); restore it, or pass "
            "--allow-changed-data to go on with it as it is"
        )


def _folder(path: Path) -> RunFolder | QuietFolder:
    """The run folder; under torchrun rank 0's alone, the other ranks write nothing."""
    return RunFolder(path) if current_world().writer else QuietFolder(path)


@contextmanager
def _released_on_failure(folder: RunFolder) -> Iterator[None]:
    """If the run cannot start (its data cannot feed it, Ctrl-C, a full disk), unlock the
    folder; a new run that never saved a checkpoint is dropped and the old one kept."""
    try:
        yield
    except BaseException:
        folder.release()
        raise


def _warm_meta(task: Task, payload: dict, path: Path):
    try:
        return task.meta.from_dict(payload["meta"])
    except (TypeError, KeyError, ValueError, AttributeError) as err:
        raise CheckpointError(
            f"--init-from {path}: its data description does not fit this recipe's task ({err})"
        ) from None


def _load_weights(run: Run, payload: dict, path: Path) -> None:
    try:
        run.model.load_state_dict(payload["model"])
    except RuntimeError as err:
        raise CheckpointError(
            f"--init-from {path}: weights do not fit this recipe ({weights_mismatch(err)})"
        ) from None
