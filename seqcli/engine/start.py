"""Put a training together: fresh from a recipe, resumed from a run, or warm-started."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from seqcli.engine.checkpoint import load_checkpoint, resolve_checkpoint, weights_mismatch
from seqcli.engine.contract import Task, TaskData
from seqcli.engine.run import Run, Tasks, build_stored, new_run, read_stored
from seqcli.engine.runfolder import RunFolder
from seqcli.engine.stored import check_training
from seqcli.engine.train import Trainer
from seqcli.errors import CheckpointError, UsageError
from seqcli.recipe import Recipe, recipe_to_yaml


def fresh_training(
    recipe: Recipe,
    task: Task,
    *,
    device: torch.device,
    out: Path | None = None,
    overwrite: bool = False,
    init_from: Path | None = None,
) -> Trainer:
    """A new run folder and a trainer at step 0 (weights optionally taken from a checkpoint)."""
    run, data = fresh_run(recipe, task, device=device, init_from=init_from)
    folder = RunFolder(out or Path("runs") / recipe.name)
    folder.prepare_new(overwrite=overwrite)
    folder.write_text("recipe.yaml", recipe_to_yaml(recipe))
    meta = json.dumps(run.meta.to_dict(), ensure_ascii=False, indent=1)
    folder.write_text("meta.json", meta)
    return _trainer(run, data, folder)


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
    return run, data


def resumed_training(run_dir: Path, tasks: Tasks, *, device: torch.device) -> Trainer:
    """The trainer exactly where run_dir/last.pt left it."""
    if not run_dir.is_dir():
        raise UsageError(f"--resume {run_dir}: not a run folder")
    if not (run_dir / "last.pt").is_file():
        raise CheckpointError(f"--resume {run_dir}: holds no last.pt to resume from")
    stored = read_stored(run_dir / "last.pt", tasks)
    data = stored.task.prepare(stored.recipe, stored.meta)
    batches = stored.task.batches(data, stored.recipe)
    run = build_stored(stored, device)
    check_training(stored.payload, run, batches, stored.path)
    folder = RunFolder(run_dir)
    folder.lock()
    folder.truncate_metrics(run.checkpoint["step"])
    return _trainer(run, data, folder)


def _trainer(run: Run, data: TaskData, folder: RunFolder) -> Trainer:
    """The trainer, or the folder's lock released if the data cannot feed it."""
    try:
        return Trainer(run, data, folder)
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
