"""The recipe's train and generate sections: how to train, and sampling defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from seqcli.recipe.durations import Duration
from seqcli.recipe.schedule import ConstantSchedule, EarlyStopping, Schedule, Section
from seqcli.recipe.tasks import METRICS, STEP_METRICS

Metric = Literal[tuple(METRICS)]
# A metric at one step h of a forecaster's horizon: "rmse@1" (the task checks h and the name).
StepMetric = Annotated[str, Field(pattern=rf"^({'|'.join(STEP_METRICS)})@[1-9][0-9]*$")]


def monitored(monitor: str) -> tuple[str, int | None]:
    """train.monitor as (metric, step of the horizon or None for the mean)."""
    name, _, step = monitor.partition("@")
    return name, int(step) if step else None


class TrainConfig(Section):
    batch_size: int = Field(
        32, ge=1, description="windows per step; with carried windows, the parallel streams"
    )
    accumulate: int = Field(
        1,
        ge=1,
        # Ctrl-C saves after the step it arrives in: a step of more micro-batches than this
        # would keep the user waiting for it.
        le=4096,
        description="micro-batches of batch_size whose gradients make one optimizer step: "
        "the effective batch is batch_size x ranks x accumulate",
    )
    seq_len: int | None = Field(
        None,
        ge=1,
        description="language model only (default 128): tokens per window, how far back "
        "gradients flow (truncated BPTT)",
    )
    windows: Literal["carried", "random"] | None = Field(
        None,
        description="language model only (default carried): carried, each stream continues the "
        "previous window with its hidden state; random, windows at random offsets, each from a "
        "zero state",
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
    monitor: Metric | StepMetric = Field(
        "loss",
        description="validation metric that picks best.pt and drives plateau and early "
        "stopping; a forecaster's rmse, mae, smape or mase is the mean over data.horizon's "
        "steps, NAME@h (rmse@1) the value at step h alone",
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
    ensemble: int | None = Field(
        None,
        ge=1,
        le=64,
        description="many_to_one forecasters (default 1): train K members from different "
        "initial weights side by side and forecast their median; evaluate scores each member "
        "and their spread",
    )
    folds: int | None = Field(
        None,
        ge=2,
        # Each fold trains a whole run, planned before the first starts: 1,000 runs is days of
        # the smallest recipe, and 10^9 of them filled memory before any data was read.
        le=1000,
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


@dataclass(frozen=True)
class Acts:
    """Where a sampling key acts, carried in its annotation: seqcli generate groups its flag
    by this, so no list of names says which flags mean sampling."""

    on: str


DRAW = Acts("draw")  # read by a random draw only: giving it asks for sampling, not beams
PICK = Acts("pick")  # how each token is picked, in every search (beam search too)
ENDING = Acts("ending")  # when the end token may come: tasks that end their output


class Sampling(Section):
    """How each next token is picked, the same for every task that writes tokens; seqcli
    generate's flags of the same names override these. A key's rule is in
    decoding/sampling.py; its flag is built from the field (name, type, bounds, help)."""

    temperature: Annotated[float, DRAW] = Field(
        1.0, gt=0, description="divides the scores before softmax; below 1 is safer, above wilder"
    )
    top_k: Annotated[int | None, DRAW] = Field(
        None, ge=1, description="sample among the k likeliest tokens; null: all"
    )
    top_p: Annotated[float | None, DRAW] = Field(
        None,
        gt=0,
        le=1,
        description="sample among the likeliest tokens that hold this much probability "
        "(nucleus); null: all",
    )
    typical_p: Annotated[float | None, DRAW] = Field(
        None,
        gt=0,
        le=1,
        description="sample among the tokens whose surprisal is closest to the entropy, until "
        "they hold this much probability (locally typical sampling, Meister et al. 2022); "
        "null: all",
    )
    greedy: Annotated[bool, PICK] = Field(False, description="always take the likeliest token")
    repetition_penalty: Annotated[float, PICK] = Field(
        1.0,
        gt=0,
        description="divide the (positive) score of every token already in the context by "
        "this, multiply a negative one (CTRL, Keskar et al. 2019); 1: off, above 1 repeats less",
    )
    min_length: Annotated[int, ENDING] = Field(
        0,
        ge=0,
        description="tasks that end their output (generators, translators): tokens written "
        "before the end token is allowed",
    )


def sampling_keys(acts: Acts) -> tuple[str, ...]:
    """The Sampling keys that act where `acts` says, in the section's order."""
    return tuple(name for name, field in Sampling.model_fields.items() if acts in field.metadata)


class GenerateConfig(Sampling):
    prime: str = Field("\n", description="text the model reads before sampling")
    length: int = Field(500, ge=1, description="tokens seqcli generate writes after the prime")
    sample_length: int = Field(
        200, ge=0, description="tokens sampled at each validation while training; 0: none"
    )
