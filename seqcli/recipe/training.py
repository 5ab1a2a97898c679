"""The recipe's train and generate sections: how to train, and sampling defaults."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from seqcli.recipe.durations import Duration
from seqcli.recipe.schedule import ConstantSchedule, EarlyStopping, Schedule, Section
from seqcli.recipe.tasks import LOWER_IS_BETTER

Metric = Literal[tuple(LOWER_IS_BETTER)]


class TrainConfig(Section):
    batch_size: int = Field(
        32, ge=1, description="windows per step; with carried windows, the parallel streams"
    )
    accumulate: int = Field(
        1,
        ge=1,
        description="micro-batches of batch_size whose gradients make one optimizer step: "
        "the effective batch is batch_size x ranks x accumulate",
    )
    seq_len: int = Field(
        128, ge=1, description="tokens per window: how far back gradients flow (truncated BPTT)"
    )
    windows: Literal["carried", "random"] = Field(
        "carried",
        description="carried: each stream continues the previous window with its hidden state; "
        "random: windows at random offsets, each from a zero state",
    )
    steps: int | None = Field(
        None, ge=1, description="optimizer steps; 1000 when neither steps nor epochs is set"
    )
    epochs: float | None = Field(
        None, gt=0, description="passes over the training split (fractions allowed); not with steps"
    )
    max_time: Duration | None = Field(
        None,
        description="wall-clock budget of each training session (a train, or a --resume): "
        "when it runs out, the run saves last.pt and stops, to be resumed; 90s, 10m, 2h, "
        "1h30m; null: none",
    )
    optimizer: Literal["adam", "adamw", "sgd", "rmsprop"] = Field(
        "adam", description="torch.optim Adam, AdamW, SGD or RMSprop"
    )
    lr: float = Field(2e-3, gt=0, description="peak learning rate; the schedule scales it")
    weight_decay: float = Field(
        0.0, ge=0, description="weight decay (decoupled in adamw, an L2 term in the others)"
    )
    momentum: float | None = Field(
        None, ge=0, lt=1, description="sgd and rmsprop only; null means 0"
    )
    schedule: Schedule = Field(
        default_factory=ConstantSchedule,
        description="learning-rate schedule, chosen by name; its keys are in the tables below",
    )
    clip_norm: float | None = Field(
        1.0, gt=0, description="clip the global gradient norm to this; null: no clipping"
    )
    precision: Literal["fp32", "bf16", "fp16"] = Field(
        "fp32",
        description="arithmetic of forward passes (autocast; weights stay float32): bf16 on "
        "CPUs and GPUs that support it, fp16 on CUDA only (with a gradient scaler)",
    )
    eval_every: int = Field(
        200,
        ge=1,
        description="steps between validations (and the last step); each saves last.pt, and "
        "best.pt when the monitor improved",
    )
    eval_batches: int | None = Field(
        None,
        ge=1,
        description="validation batches read during training; null: the whole split up to "
        "max(50, eval_every / 4) batches (seqcli evaluate always reads the whole split)",
    )
    monitor: Metric = Field(
        "loss",
        description="validation metric that picks best.pt and drives plateau and early stopping",
    )
    early_stopping: EarlyStopping | None = Field(
        None, description="stop when train.monitor stops improving; null: train every step"
    )
    on_nonfinite: Literal["stop", "skip"] = Field(
        "stop",
        description="a NaN/inf loss or gradient: stop (last good checkpoint kept) or skip "
        "that window and go on",
    )
    loggers: list[Literal["jsonl", "csv", "tensorboard"]] = Field(
        ["jsonl"],
        description="where the numbers go: jsonl (metrics.jsonl, written whether listed or "
        "not), csv (metrics.csv), tensorboard (tensorboard/; pip install 'seqcli[tensorboard]')",
    )
    teacher_forcing: float | None = Field(
        None,
        ge=0,
        le=1,
        description="encoder_decoder only (default 1.0): chance that the decoder is fed the "
        "true previous token rather than its own guess, drawn per step",
    )
    folds: int | None = Field(
        None,
        ge=2,
        description="k-fold cross-validation (classifier, text regressor): train k runs, "
        "each validated on one fold, into RUN_DIR/fold-i/, and report mean and std of each "
        "metric; a test split stays out of every fold",
    )
    fold: int | None = Field(
        None,
        ge=0,
        description="with folds: train only this fold (0-based) as the validation split; "
        "train --folds sets it for each run",
    )

    @model_validator(mode="before")
    @classmethod
    def _fill_defaults(cls, raw: Any) -> Any:
        """1000 steps when neither length is given; a schedule without a name is constant."""
        if not isinstance(raw, dict):
            return raw
        if raw.get("steps") is None and raw.get("epochs") is None:
            raw = {**raw, "steps": 1000}
        schedule = raw.get("schedule")
        if isinstance(schedule, dict) and "name" not in schedule:
            raw = {**raw, "schedule": {"name": "constant", **schedule}}
        return raw

    @model_validator(mode="after")
    def _one_length(self) -> TrainConfig:
        if self.epochs is not None and self.steps is not None:
            raise ValueError(
                "set steps or epochs, not both (to switch with --set, add train.steps=null)"
            )
        if self.momentum is not None and self.optimizer not in ("sgd", "rmsprop"):
            raise ValueError(f"momentum applies to sgd and rmsprop, not {self.optimizer}")
        if self.fold is not None and (self.folds is None or self.fold >= self.folds):
            raise ValueError(f"fold {self.fold} needs folds greater than it (folds: {self.folds})")
        return self


class Sampling(Section):
    """How each next token is picked, the same for every task that writes tokens; seqcli
    generate's flags of the same names override these."""

    temperature: float = Field(
        1.0, gt=0, description="divides the scores before softmax; below 1 is safer, above wilder"
    )
    top_k: int | None = Field(
        None, ge=1, description="sample among the k likeliest tokens; null: all"
    )
    top_p: float | None = Field(
        None,
        gt=0,
        le=1,
        description="sample among the likeliest tokens that hold this much probability "
        "(nucleus); null: all",
    )
    greedy: bool = Field(False, description="always take the likeliest token")
    repetition_penalty: float = Field(
        1.0,
        gt=0,
        description="divide the (positive) score of every token already in the context by "
        "this, multiply a negative one (CTRL, Keskar et al. 2019); 1: off, above 1 repeats less",
    )
    min_length: int = Field(
        0,
        ge=0,
        description="tasks that end their output (generators, translators): tokens written "
        "before the end token is allowed",
    )


class GenerateConfig(Sampling):
    prime: str = Field("\n", description="text the model reads before sampling")
    length: int = Field(500, ge=1, description="tokens seqcli generate writes after the prime")
    sample_length: int = Field(
        200, ge=0, description="tokens sampled at each validation while training; 0: none"
    )


ENDING = ("min_length",)
# `seqcli generate`'s flags by what they ask for; a task's spec names the groups it reads, and
# a flag outside them is refused. Sampling flags are the Sampling section's keys.
GENERATE_OPTIONS = {
    "prompt": ("prime", "prime_file", "unknown"),
    "length": ("length",),
    "sampling": tuple(key for key in Sampling.model_fields if key not in ENDING),
    "ending": ENDING,
    "seed": ("seed",),
    "samples": ("num_samples",),
    "condition": ("condition",),
    "lines": ("input", "input_file"),
    "search": ("beam_size", "n_best", "length_penalty"),
    "attention": ("attention",),
    "forecast": ("horizon", "input_file", "series", "output", "plot"),
    "recall": ("input_file", "noise", "pattern"),
}
