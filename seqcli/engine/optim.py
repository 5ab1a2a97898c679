"""Optimizers and learning-rate schedules; schedules are pure functions of the step."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch

from seqcli.recipe import TrainConfig

if TYPE_CHECKING:
    from seqcli.engine.run import Run

OPTIMIZERS = {
    "adam": lambda params, t: torch.optim.Adam(params, lr=t.lr, weight_decay=t.weight_decay),
    "adamw": lambda params, t: torch.optim.AdamW(params, lr=t.lr, weight_decay=t.weight_decay),
    "sgd": lambda params, t: torch.optim.SGD(
        params, lr=t.lr, momentum=t.momentum or 0.0, weight_decay=t.weight_decay
    ),
    "rmsprop": lambda params, t: torch.optim.RMSprop(
        params, lr=t.lr, momentum=t.momentum or 0.0, weight_decay=t.weight_decay
    ),
}


def build_optimizer(params, train: TrainConfig) -> torch.optim.Optimizer:
    return OPTIMIZERS[train.optimizer](params, train)


def _warmup(step: int, warmup_steps: int) -> float:
    return min(1.0, (step + 1) / warmup_steps) if warmup_steps else 1.0


def _constant(schedule, step: int, total: int, peak_lr: float) -> float:
    return _warmup(step, schedule.warmup_steps)


def _cosine(schedule, step: int, total: int, peak_lr: float) -> float:
    if step < schedule.warmup_steps:
        return _warmup(step, schedule.warmup_steps)
    progress = min(1.0, (step - schedule.warmup_steps) / max(1, total - schedule.warmup_steps))
    floor = schedule.min_lr / peak_lr
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def _step_decay(schedule, step: int, total: int, peak_lr: float) -> float:
    return schedule.gamma ** (step // schedule.step_size)


def _no_decay(schedule, step: int, total: int, peak_lr: float) -> float:
    return 1.0


# Each maps (schedule section, step, total steps, peak lr) to a multiplier of the peak lr.
SCHEDULES = {"constant": _constant, "cosine": _cosine, "step": _step_decay, "plateau": _no_decay}


class LearningRate:
    """lr at a step = peak lr x the schedule's factor x what plateaus have taken off."""

    def __init__(self, train: TrainConfig, *, total_steps: int):
        # The schedule's length is the one the run started with: a run continued past it
        # (train --resume RUN --steps N) keeps it, so cosine holds min_lr beyond its end.
        self.train = train
        self.horizon = total_steps
        self.plateau_factor = 1.0
        self.best = math.inf
        self.bad_evals = 0

    def at(self, step: int) -> float:
        schedule = self.train.schedule
        factor = SCHEDULES[schedule.name](schedule, step, self.horizon, self.train.lr)
        return self.train.lr * factor * self.plateau_factor

    def observe(self, value: float) -> None:
        """Feed a validation value (lower is better); only a plateau schedule acts on it."""
        schedule = self.train.schedule
        if schedule.name != "plateau":
            return
        if value < self.best:
            self.best = value
            self.bad_evals = 0
            return
        self.bad_evals += 1
        if self.bad_evals > schedule.patience:
            floor = schedule.min_lr / self.train.lr
            self.plateau_factor = max(floor, self.plateau_factor * schedule.factor)
            self.bad_evals = 0

    def state_dict(self) -> dict:
        return {
            "plateau_factor": self.plateau_factor,
            "best": self.best,
            "bad": self.bad_evals,
            "horizon": self.horizon,
        }

    def load_state_dict(self, state: dict) -> None:
        self.plateau_factor = state["plateau_factor"]
        self.best = state["best"]
        self.bad_evals = state["bad"]
        self.horizon = state.get("horizon", self.horizon)  # checkpoints before it kept none


def planned_steps(run: Run, batches_per_epoch: int) -> int:
    """The optimizer steps a run takes: none where its spec says there is nothing to optimize
    (the data alone made the model), else the recipe's steps or epochs."""
    if not run.task.spec.optimizes:
        return 0
    return total_steps(run.recipe.train, batches_per_epoch)


def total_steps(train: TrainConfig, batches_per_epoch: int) -> int:
    if train.epochs is None:
        return train.steps
    return max(1, math.ceil(train.epochs * batches_per_epoch))


# Validation batches when train.eval_batches is not set: the whole split of a small data set,
# and on a large one a quarter of the training batches between two validations: a validation
# batch cost as much as a training one on a 2 GB corpus here, so validating stays about a fifth
# of the time (a 500 MB corpus's whole split took 20 minutes each time).
VALIDATION_FLOOR = 50


def validation_batches(train: TrainConfig) -> int:
    """The batches a validation during training reads: the first ones of the split, so every
    validation reads the same ones and their losses compare."""
    return train.eval_batches or max(VALIDATION_FLOOR, train.eval_every // 4)
