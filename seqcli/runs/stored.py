"""A checkpoint's payload validated as data before any of it is used: its fields and their types
(forms, as for a task's meta), its weights against the model its stored recipe builds (compared
on the meta device, before anything is allocated) and, to resume, its training state against
the run it would continue. Each problem is one line naming the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import torch
from pydantic import Field, InstanceOf
from torch import nn

from seqcli.data.forms import Form, under
from seqcli.errors import CheckpointError

Tensor = InstanceOf[torch.Tensor]


class BestForm(Form):
    metric: str
    value: float | None  # None until a validation has run


class PayloadForm(Form):
    """best.pt and last.pt; the recipe and meta have forms of their own, read after this."""

    format: int = Field(ge=1)
    recipe: dict
    meta: dict
    model: dict[str, Tensor]
    step: int = Field(ge=0)
    best: BestForm
    data_digest: str | None = None  # of the data files it was trained on; absent before


class LearningRateForm(Form):
    plateau_factor: float = Field(gt=0)
    best: Annotated[float, Field(allow_inf_nan=True)]  # infinite until a plateau is watched
    bad: int = Field(ge=0)
    horizon: int | None = Field(None, ge=0)  # the schedule's length; absent before resume --steps


class OptimizerForm(Form):
    state: dict[int, dict[str, object]]  # weight index -> its moments, as torch keeps them
    param_groups: list[dict[str, object]] = Field(min_length=1)


class LogbookForm(Form):
    elapsed: float = Field(ge=0)  # seconds of training before this checkpoint
    # split -> its last logged values; a skipped step logs its non-finite loss
    final: dict[str, dict[str, Annotated[float, Field(allow_inf_nan=True)] | bool]]


class TrainingForm(Form):
    """last.pt's `training` section: everything a resumed run restores."""

    optimizer: OptimizerForm
    lr: LearningRateForm
    batches: dict[str, int | Tensor]
    rng: Tensor
    carried_state: Tensor | tuple[Tensor, ...] | None
    best: float | None
    bad_evals: int = Field(ge=0)
    best_step: int | None = Field(None, ge=0)  # absent in checkpoints before summaries had it
    best_loss: float | None = None  # absent before ties of train.monitor were broken on it
    logbook: LogbookForm | None = None  # likewise
    ranks: int = Field(1, ge=1)  # processes that trained it; absent before data-parallel runs


def check_payload(payload: dict, path: Path) -> None:
    read_form(PayloadForm, payload, path)


def read_form(form: type[Form], data: object, path: Path, *, under_key: str = ""):
    try:
        return form.read(data)
    except ValueError as err:
        problem = under(under_key, str(err)) if under_key else str(err).removeprefix(": ")
        raise CheckpointError(f"{path}: {problem}") from None


def check_weights(weights: dict, model: nn.Module, path: Path) -> None:
    """The stored weights are the tensors the stored recipe's model has, of its shapes."""
    problem = _weights_problem(weights, {name: t.shape for name, t in model.state_dict().items()})
    if problem:
        raise CheckpointError(f"{path}: weights do not fit the stored recipe: {problem}")


def _weights_problem(weights: dict, expected: dict) -> str | None:
    missing = [name for name in expected if name not in weights]
    if missing:
        return f"model.{missing[0]}: missing ({len(missing)} of {len(expected)} weights are)"
    strange = [name for name in weights if name not in expected]
    if strange:
        return f"model.{strange[0]}: not a weight of that model"
    for name, shape in expected.items():
        if weights[name].shape != shape:
            return f"model.{name}: {_shape(weights[name].shape)}; the model's is {_shape(shape)}"
    return None


def check_training(
    payload: dict, run, batches, path: Path, *, optimizer: torch.optim.Optimizer
) -> None:
    """last.pt's training section fits the run it resumes: complete and typed, the optimizer's
    groups and moments those of this model, the batch stream's and RNG's states of their form.

    `optimizer` is a fresh one over the run's weights (the loop builds it; this module does
    not know how), whose state's form the stored one must have."""
    if "training" not in payload:
        raise CheckpointError(f"{path}: holds no training state to resume")
    training = payload["training"]
    read_form(TrainingForm, training, path, under_key="training")
    _check_optimizer(training["optimizer"], run, optimizer.state_dict(), path)
    _check_like(training["batches"], batches.state_dict(), f"{path}: training.batches")
    _check_like(training["rng"], torch.get_rng_state(), f"{path}: training.rng")


def _check_optimizer(state: dict, run, fresh: dict, path: Path) -> None:
    where = f"{path}: training.optimizer"
    groups = [group["params"] for group in fresh["param_groups"]]
    if [group.get("params") for group in state["param_groups"]] != groups:
        raise CheckpointError(f"{where}.param_groups: not the groups of this model's weights")
    pairs = zip(state["param_groups"], fresh["param_groups"], strict=True)  # as many: see above
    for index, (group, mine) in enumerate(pairs):
        lacking = sorted(set(mine) - set(group))
        if lacking:
            raise CheckpointError(
                f"{where}.param_groups.{index}: lacks {', '.join(lacking)}: not the state of "
                f"{run.recipe.train.optimizer}"
            )
    weights = list(run.model.parameters())
    for index, moments in state["state"].items():
        if not 0 <= index < len(weights):
            raise CheckpointError(f"{where}.state.{index}: not a weight of this model")
        _check_moments(moments, weights[index], f"{where}.state.{index}")


def _check_moments(moments: dict, weight: torch.Tensor, where: str) -> None:
    for name, value in moments.items():
        # A scalar (Adam's step) has no shape to compare.
        if isinstance(value, torch.Tensor) and value.dim() and value.shape != weight.shape:
            raise CheckpointError(
                f"{where}.{name}: {_shape(value.shape)}; its weight's is {_shape(weight.shape)}"
            )


def _check_like(stored, fresh, where: str) -> None:
    """A state the run restores has the form of one it makes: same keys, and tensors of the
    same type and shape."""
    if isinstance(fresh, dict):
        lacking = sorted(set(fresh) - set(stored))
        if lacking:
            raise CheckpointError(f"{where}: lacks {', '.join(lacking)}")
        for key, value in fresh.items():
            _check_like(stored[key], value, f"{where}.{key}")
    elif isinstance(fresh, torch.Tensor):
        if not isinstance(stored, torch.Tensor) or (stored.dtype, stored.shape) != (
            fresh.dtype,
            fresh.shape,
        ):
            raise CheckpointError(f"{where}: not the {fresh.dtype} tensor of {_shape(fresh.shape)}")
    elif type(stored) is not type(fresh):
        raise CheckpointError(f"{where}: got {stored!r}; expected a {type(fresh).__name__}")


def _shape(shape) -> str:
    return "x".join(str(size) for size in shape) or "a scalar"
