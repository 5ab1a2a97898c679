"""The monitored metric over a run's validations: what picks best.pt and ends a run early."""

from __future__ import annotations

import math

from seqcli.recipe import Recipe, TrainConfig
from seqcli.recipe.tasks import METRICS
from seqcli.recipe.training import monitored


class Monitor:
    """train.monitor's best value so far, the step it came at, and the validations since it
    last improved (early stopping counts these). A value that ties the best is better if its
    validation loss is lower: BLEU 0.0 twice early in a translator's run kept the first."""

    def __init__(self, train: TrainConfig):
        self.train = train
        self.best: float | None = None  # signed so that lower is better
        self.bad_evals = 0
        self.best_step = None
        self.best_loss: float | None = None  # the validation loss at the best value

    def signed(self, value: float) -> float:
        """The value as a loss: lower is better."""
        name, _ = monitored(self.train.monitor)
        return value if METRICS[name].lower_is_better else -value

    def observe(self, value: float, step: int, *, loss: float) -> bool:
        """Track a validation's value and loss; True when it beat the best so far (or tied
        it with a lower loss: early stopping still counts a tie as no improvement)."""
        signed = self.signed(value)
        min_delta = self.train.early_stopping.min_delta if self.train.early_stopping else 0.0
        improved = self.best is None or signed < self.best - min_delta
        at_best = math.inf if self.best_loss is None else self.best_loss
        tie_won = not improved and signed == self.best and loss < at_best
        self.bad_evals = 0 if improved else self.bad_evals + 1
        if improved or tie_won:
            self.best = signed
            self.best_step = step
            self.best_loss = loss
        return improved or tie_won

    def describe(self, recipe: Recipe) -> str:
        """What picks best.pt, said at the start of training: a forecaster's mean over the
        horizon and its first step can pick very different checkpoints."""
        name, step = monitored(self.train.monitor)
        better = "lowest" if METRICS[name].lower_is_better else "highest"
        text = f"best.pt: the {better} validation {name}"
        if step is not None:
            return f"{text} at step {step} of data.horizon {recipe.data.horizon}"
        if name in recipe.spec.step_metrics:
            return f"{text}, the mean over data.horizon's {recipe.data.horizon} steps"
        return text

    def patience_ran_out(self) -> bool:
        stopping = self.train.early_stopping
        return stopping is not None and self.bad_evals >= stopping.patience

    def record(self) -> dict:
        """The metric and its best value as the user reads it (checkpoints, summary.json)."""
        value = None if self.best is None else self.signed(self.best)
        return {"metric": self.train.monitor, "value": value}

    def state_dict(self) -> dict:
        return {
            "best": self.best,
            "bad_evals": self.bad_evals,
            "best_step": self.best_step,
            "best_loss": self.best_loss,
        }

    def load_state_dict(self, state: dict) -> None:
        self.best = state["best"]
        self.bad_evals = state["bad_evals"]
        self.best_step = state.get("best_step")  # checkpoints before summaries had it kept none
        self.best_loss = state.get("best_loss")  # nor before ties were broken on the loss
