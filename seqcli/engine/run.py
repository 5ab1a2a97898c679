"""A Run is everything needed to use a model, whether fresh from a recipe or from a checkpoint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from seqcli.data import Spec
from seqcli.data.vocab import Vocab
from seqcli.engine.checkpoint import load_checkpoint, resolve_checkpoint, weights_mismatch
from seqcli.errors import CheckpointError, RecipeError, UsageError
from seqcli.models import build_model
from seqcli.recipe import Recipe, validate_recipe

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
    spec: Spec
    vocab: Vocab
    model: nn.Module
    device: torch.device
    checkpoint: dict | None = None  # the loaded payload, when the run came from one


def new_run(recipe: Recipe, spec: Spec, vocab: Vocab, device: torch.device) -> Run:
    torch.manual_seed(recipe.seed)
    model = build_model(recipe, spec).to(device)
    return Run(recipe, spec, vocab, model, device)


def load_run(target: Path, device: torch.device, *, expect_mapping: str | None = None) -> Run:
    """Rebuild the run a checkpoint (or run folder) describes, weights included."""
    path = resolve_checkpoint(target)
    payload = load_checkpoint(path)
    try:
        recipe = validate_recipe(payload["recipe"], source=f"{path} (stored recipe)")
    except RecipeError as err:
        raise CheckpointError(str(err)) from None
    if expect_mapping and recipe.mapping != expect_mapping:
        raise CheckpointError(
            f"{path}: holds a {recipe.mapping} model; this command needs {expect_mapping}"
        )
    try:
        spec, vocab = Spec(**payload["spec"]), Vocab.from_dict(payload["vocab"])
    except (TypeError, KeyError) as err:
        raise CheckpointError(f"{path}: malformed spec or vocab ({err})") from None
    model = build_model(recipe, spec)
    try:
        model.load_state_dict(payload["model"])
    except RuntimeError as err:
        raise CheckpointError(
            f"{path}: weights do not fit the stored recipe ({weights_mismatch(err)})"
        ) from None
    return Run(recipe, spec, vocab, model.to(device), device, checkpoint=payload)
