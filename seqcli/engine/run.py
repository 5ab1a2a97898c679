"""A Run is everything needed to use a model, whether fresh from a recipe or from a checkpoint."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch import nn

from seqcli.data.forms import under
from seqcli.engine.contract import Meta, Task, TaskData
from seqcli.engine.embeddings import load_pretrained
from seqcli.engine.memory import TRAINING_COPIES, model_on_meta, require, weights_need
from seqcli.errors import CheckpointError, CheckpointProblems, RecipeError, UsageError
from seqcli.recipe import Recipe, validate_recipe
from seqcli.runs.checkpoint import (
    PREFERRED,
    load_checkpoint,
    resolve_checkpoint,
    weights_mismatch,
)
from seqcli.runs.stored import check_weights

Tasks = Mapping[str, Task]  # task name -> implementation; seqcli.tasks.TASKS

DEVICE_PROBES = {
    "cuda": lambda: torch.cuda.is_available(),
    "mps": lambda: torch.backends.mps.is_available(),
    "cpu": lambda: True,
}


def resolve_device(name: str) -> torch.device:
    """auto picks CUDA, then MPS, then CPU; a named device must exist."""
    if name == "auto":
        return torch.device(next(d for d, available in DEVICE_PROBES.items() if available()))
    if name not in DEVICE_PROBES:
        raise UsageError(f"--device {name}: choose auto, cpu, cuda or mps")
    if not DEVICE_PROBES[name]():
        raise UsageError(f"--device {name}: no {name} device is available here; use cpu or auto")
    return torch.device(name)


@dataclass
class Run:
    recipe: Recipe
    task: Task
    meta: Meta  # what the task took from the data: vocabularies, labels, scaling
    model: nn.Module
    device: torch.device
    checkpoint: dict | None = None  # the loaded payload, when the run came from one
    embeddings: tuple[dict, ...] = ()  # pretrained vectors found, per token table (coverage)


def new_run(recipe: Recipe, task: Task, meta: Meta, device: torch.device) -> Run:
    """A model for the recipe, refused before it is allocated if it cannot train here."""
    copies = TRAINING_COPIES[recipe.train.optimizer] if task.spec.optimizes else 1
    need = weights_need(model_on_meta(task, recipe, meta), copies)
    require(need, device, f"recipe {recipe.name}", task.spec)
    torch.manual_seed(recipe.seed)
    run = Run(recipe, task, meta, task.build_model(recipe, meta).to(device), device)
    return replace(run, embeddings=load_pretrained(run))


def with_split_files(run: Run, data: TaskData) -> TaskData:
    """The splits data.val_path and data.test_path name, read as `evaluate --data` reads a
    file: with the run's vocabulary, labels and scaling, taken from the training file alone."""
    config = run.recipe.data
    files = {split: getattr(config, f"{split}_path", None) for split in ("val", "test")}
    read = {
        split: run.task.examples_from_file(run, path)
        for split, path in files.items()
        if path is not None
    }
    return TaskData(data.meta, {**data.splits, **read}) if read else data


def stored_recipe(payload: dict, path: Path) -> Recipe:
    """The recipe a checkpoint was trained from, validated as when it was written."""
    try:
        return validate_recipe(payload["recipe"], source=f"{path} (stored recipe)", stored=True)
    except RecipeError as err:
        raise CheckpointProblems(err.lines()) from None


def stored_meta(task: Task, payload: dict, path: Path) -> Meta:
    """The task's meta as a checkpoint stores it; a dict of another shape is the file's fault.
    A meta's form names the field it found wrong; any other failure still makes one line."""
    try:
        return task.meta.from_dict(payload["meta"])
    except ValueError as err:
        raise CheckpointError(f"{path}: {under('meta', str(err))}") from None
    except (TypeError, KeyError, AttributeError, IndexError) as err:
        raise CheckpointError(f"{path}: meta: malformed ({type(err).__name__}: {err})") from None


@dataclass(frozen=True)
class Stored:
    """A checkpoint read and validated as data; nothing is built from it yet."""

    path: Path
    payload: dict
    recipe: Recipe
    task: Task
    meta: Meta


def read_stored(target: Path, tasks: Tasks, *, prefer: tuple[str, ...] = PREFERRED) -> Stored:
    """A checkpoint (or a run folder's) with its payload, stored recipe and meta validated."""
    path = resolve_checkpoint(target, prefer=prefer)
    payload = load_checkpoint(path)
    recipe = stored_recipe(payload, path)
    task = tasks[recipe.task]
    return Stored(path, payload, recipe, task, stored_meta(task, payload, path))


def build_stored(stored: Stored, device: torch.device) -> Run:
    """The run a validated checkpoint describes. Its weights are compared with the model its
    recipe builds on the meta device first, so a file that does not fit allocates nothing."""
    shapes = model_on_meta(stored.task, stored.recipe, stored.meta)
    check_weights(stored.payload["model"], shapes, stored.path)
    require(weights_need(shapes), device, f"{stored.path} (stored recipe)", stored.task.spec)
    model = stored.task.build_model(stored.recipe, stored.meta)
    try:
        model.load_state_dict(stored.payload["model"])
    except RuntimeError as err:
        raise CheckpointError(
            f"{stored.path}: weights do not fit the stored recipe ({weights_mismatch(err)})"
        ) from None
    found = tuple(stored.payload.get("embeddings", ()))  # runs before vectors stored none
    return Run(
        stored.recipe, stored.task, stored.meta, model.to(device), device, stored.payload, found
    )


def load_run(target: Path, device: torch.device, tasks: Tasks) -> Run:
    """Rebuild the run a checkpoint (or run folder) describes, weights included."""
    return build_stored(read_stored(target, tasks), device)
