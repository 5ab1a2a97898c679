"""One optimizer step: forward and backward over the step's micro-batches (on every rank),
clipping, and a non-finite loss or gradient kept from the weights."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import torch

from seqcli.engine import distributed

if TYPE_CHECKING:
    from seqcli.engine.train import Trainer


class StepTaken(NamedTuple):
    loss: float
    grad_norm: float  # before clipping
    skipped: bool  # non-finite, window dropped (on_nonfinite: skip)
    size: int  # the batch's size in the task's units, over every rank


def optimizer_step(trainer: Trainer) -> StepTaken:
    """One optimizer step on the trainer's next batch, which it moves on a step (unless a
    non-finite loss stops the run).

    A non-finite loss or gradient never reaches the weights. With on_nonfinite stop the
    step does not count (the caller stops); with skip it counts and the window is dropped.
    """
    model = trainer.run.model
    train = trainer.run.recipe.train
    for group in trainer.optimizer.param_groups:
        group["lr"] = trainer.lr.at(trainer.step)
    model.train()
    trainer.optimizer.zero_grad(set_to_none=True)
    loss, state, size = distributed.accumulated_step(
        trainer.parallel,
        trainer.batches,
        trainer.state,
        parts=train.accumulate,
        device=trainer.run.device,
        precision=train.precision,
        scaler=trainer.scaler,
    )
    loss, size = trainer.world.agree(loss, size)
    trainer.freeze.hold(trainer.step)
    trainer.scaler.unscale_(trainer.optimizer)  # clip_norm is in the loss's own units
    max_norm = train.clip_norm if train.clip_norm is not None else math.inf
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm).item()
    finite = math.isfinite(loss) and math.isfinite(grad_norm)
    if not finite and train.on_nonfinite == "stop":
        return StepTaken(loss if not math.isfinite(loss) else math.nan, grad_norm, False, size)
    if finite:
        trainer.scaler.step(trainer.optimizer)
        trainer.scaler.update()
    # A skipped window's state may carry the blow-up: the next window starts fresh.
    trainer.state = state if finite else None
    trainer.step += 1
    return StepTaken(loss, grad_norm, not finite, size)
