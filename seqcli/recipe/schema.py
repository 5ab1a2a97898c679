"""The recipe schema: pydantic models, validated once, frozen. Nothing here imports torch."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from seqcli.recipe.schedule import ConstantSchedule, EarlyStopping, Schedule, Section

Mapping = Literal["many_to_many", "many_to_one", "one_to_many", "encoder_decoder"]
BUILT_MAPPINGS = ("many_to_many",)
Metric = Literal["loss", "perplexity", "bpc", "accuracy"]
MAX_SEED = 2**63 - 1  # torch seeds are 64-bit; the headroom lets samplers add the step


class DataConfig(Section):
    path: Path = Field(
        description="UTF-8 text file; a relative path resolves against the recipe file's folder"
    )
    format: Literal["text"] = Field(
        "text", description="text: one corpus for next-token prediction (the only format so far)"
    )
    tokenizer: Literal["char", "word"] = Field(
        "char",
        description="char: one token per Unicode code point, newlines included; "
        "word: whitespace-split words, <eos> at each line end",
    )
    val_fraction: float = Field(
        0.1, ge=0, lt=1, description="share of tokens for validation, just before the test split"
    )
    test_fraction: float = Field(
        0.0, ge=0, lt=1, description="share of tokens for test, at the very end of the file"
    )

    @field_validator("path")
    @classmethod
    def _resolve_against_recipe(cls, path: Path, info: ValidationInfo) -> Path:
        base = (info.context or {}).get("base_dir")
        return path if path.is_absolute() or base is None else (Path(base) / path).resolve()

    @model_validator(mode="after")
    def _room_for_training(self) -> DataConfig:
        if self.val_fraction + self.test_fraction >= 1:
            raise ValueError(
                f"val_fraction + test_fraction = {self.val_fraction + self.test_fraction:g}"
                " leaves nothing to train on; keep the sum below 1"
            )
        return self


class ModelConfig(Section):
    cell: Literal["rnn", "lstm", "gru"] = Field(
        "lstm", description="recurrent cell: vanilla (Elman) rnn, lstm or gru"
    )
    nonlinearity: Literal["tanh", "relu"] | None = Field(
        None, description="rnn only: the cell's activation; null means tanh"
    )
    layers: int = Field(1, ge=1, le=32, description="stacked recurrent layers")
    direction: Literal["uni", "bi"] = Field(
        "uni",
        description="uni reads left to right; bi also right to left (rejected for a language "
        "model: it would see the token it predicts)",
    )
    hidden_size: int = Field(256, ge=1, le=65536, description="units per layer and direction")
    embedding_size: int = Field(64, ge=1, le=65536, description="token embedding width")
    dropout: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="drop probability on the embeddings, between recurrent layers and before "
        "the output head",
    )
    tie_weights: bool = Field(
        False,
        description="one matrix for the input embedding and the output head; needs "
        "embedding_size equal to hidden_size",
    )
    forget_bias: float | None = Field(
        None,
        description="lstm only: initial forget-gate bias (1.0 is Keras' unit_forget_bias); "
        "null keeps PyTorch's small uniform init",
    )

    @model_validator(mode="after")
    def _options_fit_the_cell(self) -> ModelConfig:
        if self.nonlinearity is not None and self.cell != "rnn":
            raise ValueError(f"nonlinearity applies to cell rnn only, not {self.cell}")
        if self.forget_bias is not None and self.cell != "lstm":
            raise ValueError(f"forget_bias applies to cell lstm only, not {self.cell}")
        if self.tie_weights and self.embedding_size != self.hidden_size * self.directions:
            raise ValueError(
                "tie_weights needs embedding_size equal to the head's input size "
                f"({self.hidden_size * self.directions}), got {self.embedding_size}"
            )
        return self

    @property
    def directions(self) -> int:
        return 2 if self.direction == "bi" else 1


class TrainConfig(Section):
    batch_size: int = Field(
        32, ge=1, description="windows per step; with carried windows, the parallel streams"
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
    eval_every: int = Field(
        200,
        ge=1,
        description="steps between validations (and the last step); each saves last.pt, and "
        "best.pt when the monitor improved",
    )
    eval_batches: int | None = Field(
        None, ge=1, description="cap on validation batches; null: the whole split"
    )
    monitor: Metric = Field(
        "loss",
        description="validation metric that picks best.pt and drives plateau and early "
        "stopping; bpc needs tokenizer char",
    )
    early_stopping: EarlyStopping | None = Field(
        None, description="stop when train.monitor stops improving; null: train every step"
    )
    on_nonfinite: Literal["stop", "skip"] = Field(
        "stop",
        description="a NaN/inf loss or gradient: stop (last good checkpoint kept) or skip "
        "that window and go on",
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
        return self


class GenerateConfig(Section):
    prime: str = Field("\n", description="text the model reads before sampling")
    length: int = Field(500, ge=1, description="tokens seqcli generate writes after the prime")
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
    sample_length: int = Field(
        200, ge=0, description="tokens sampled at each validation while training; 0: none"
    )


class Recipe(Section):
    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="the run folder is runs/<name>/; letters, digits, '_', '.' and '-'",
    )
    seed: int = Field(
        0,
        ge=0,
        le=MAX_SEED,
        description="seeds weight init, dropout, random windows and the samples shown in training",
    )
    mapping: Mapping = Field(
        "many_to_many",
        description="input/output shape of the task; only many_to_many (next-token prediction) "
        "is built so far",
    )
    data: DataConfig = Field(description="the text, its tokenizer and its splits")
    model: ModelConfig = Field(
        default_factory=ModelConfig, description="the network: cell, size, depth, dropout"
    )
    train: TrainConfig = Field(
        default_factory=TrainConfig,
        description="windows, length, optimizer, schedule, validation and early stopping",
    )
    generate: GenerateConfig = Field(
        default_factory=GenerateConfig,
        description="sampling defaults for seqcli generate and the samples shown in training",
    )

    @field_validator("mapping")
    @classmethod
    def _mapping_is_built(cls, mapping: str) -> str:
        if mapping not in BUILT_MAPPINGS:
            raise ValueError(
                f"'{mapping}' is not built yet; available: {', '.join(BUILT_MAPPINGS)}"
            )
        return mapping

    @model_validator(mode="after")
    def _bpc_needs_characters(self) -> Recipe:
        if self.train.monitor == "bpc" and self.data.tokenizer != "char":
            raise ValueError(
                "train.monitor: 'bpc' (bits per character) needs data.tokenizer 'char'; "
                "monitor loss or perplexity instead"
            )
        return self

    @model_validator(mode="after")
    def _language_model_reads_the_past(self) -> Recipe:
        if self.data.format == "text" and self.model.direction == "bi":
            raise ValueError(
                "model.direction: 'bi' would let a next-token language model read the token "
                "it must predict; use 'uni'"
            )
        return self
