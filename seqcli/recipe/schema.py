"""The recipe schema: pydantic models, validated once, frozen. Nothing here imports torch."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    Field,
    model_validator,
)

from seqcli.recipe.data import SYNTHETIC_MAPPINGS, Data, fill_format
from seqcli.recipe.schedule import ConstantSchedule, EarlyStopping, Schedule, Section
from seqcli.recipe.tasks import LOWER_IS_BETTER, METRICS, task_of

# Model options only some tasks use: field -> those tasks.
FORECASTERS = ("direct_forecaster", "autoregressive_forecaster")
TASK_OPTIONS = {
    "condition": ("conditioned_text", "conditioned_values"),
    "window_norm": FORECASTERS,
    "char_features": ("tagger",),
    "pooling": ("classifier",),
}
# Tasks whose output head writes the tokens their embedding reads (model.tie_weights).
TIED_WEIGHTS = ("language_model",)
# Tasks that write left to right, and why reading right to left would be wrong for them.
WRITES_AHEAD = "writes left to right and cannot read what it has not written yet"
LEFT_TO_RIGHT = {
    "language_model": "would let a next-token language model read the token it must predict",
    "conditioned_text": f"would not fit a generator: it {WRITES_AHEAD}",
    "conditioned_values": f"would not fit a generator: it {WRITES_AHEAD}",
    "autoregressive_forecaster": "cannot roll a forecast out one step at a time: the backward "
    "pass would read values not yet forecast (mapping many_to_one, a direct head, takes 'bi')",
    "music": "would let a next-frame music model read the frame it must predict",
}

Mapping = Literal["many_to_many", "many_to_one", "one_to_many", "encoder_decoder"]
Metric = Literal[tuple(LOWER_IS_BETTER)]
MAX_SEED = 2**63 - 1  # torch seeds are 64-bit; the headroom lets samplers add the step
# What a null translator option means; filled in before validation so it shows when printed.
ENCODER_DECODER_DEFAULTS = {
    "model": {"attention": "general", "bridge": "concat_project"},
    "train": {"teacher_forcing": 1.0},
}


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
        "model: it would see the token it predicts; an encoder_decoder's decoder stays uni, "
        "since it writes left to right, and only its encoder reads both ways)",
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
    char_features: int | None = Field(
        None,
        ge=1,
        le=4096,
        description="tagger only: width of a character CNN word encoder concatenated to the "
        "word embedding, so unknown and rare words are tagged by their spelling; null: none",
    )
    pooling: Literal["last", "mean", "max", "attention"] | None = Field(
        None,
        description="classifier only: how the sequence becomes one vector. last: the final "
        "state (each direction's, when bi); mean/max over the real tokens; attention: a "
        "learned weighted average. null means last",
    )
    attention: Literal["none", "dot", "general", "additive"] | None = Field(
        None,
        description="encoder_decoder only (default general): how the decoder looks at the "
        "source; dot and general are Luong's (2015), additive is Bahdanau's (2015)",
    )
    bridge: Literal["concat_project", "sum"] | None = Field(
        None,
        description="encoder_decoder only (default concat_project): encoder final states to "
        "decoder initial state; concat_project: both directions concatenated, linear + tanh; "
        "sum: the directions added",
    )

    condition: Literal["none", "init", "every_step", "both"] | None = Field(
        None,
        description="one_to_many only: where the input enters the decoder: its initial state "
        "(init), its input at every step (every_step), both, or none (an unconditioned "
        "baseline); null means both",
    )

    window_norm: bool | None = Field(
        None,
        description="forecasters only: rescale each input window by its own mean and standard "
        "deviation and undo it on the forecast (RevIN, Kim et al. 2022), so a series that grew "
        "past its training range stays in range; null: off",
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
    teacher_forcing: float | None = Field(
        None,
        ge=0,
        le=1,
        description="encoder_decoder only (default 1.0): chance that the decoder is fed the "
        "true previous token rather than its own guess, drawn per step",
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
        description="input/output shape: with data.format it picks the task "
        "(many_to_many + text: a language model)",
    )
    data: Data = Field(description="the data, its format, tokenizer and splits")
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

    @model_validator(mode="before")
    @classmethod
    def _text_by_default(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and "data" in raw:
            return {**raw, "data": fill_format(raw["data"])}
        return raw

    @model_validator(mode="before")
    @classmethod
    def _encoder_decoder_defaults(cls, raw: Any) -> Any:
        """Fill the translator's options so the resolved recipe shows what runs."""
        if not isinstance(raw, dict) or raw.get("mapping") != "encoder_decoder":
            return raw
        raw = dict(raw)
        for section, defaults in ENCODER_DECODER_DEFAULTS.items():
            values = raw.get(section, {})
            if isinstance(values, dict):
                filled = {k: v for k, v in defaults.items() if values.get(k) is None}
                raw[section] = {**values, **filled}
        return raw

    @model_validator(mode="after")
    def _encoder_decoder_options_fit(self) -> Recipe:
        used = {
            "model.attention": self.model.attention,
            "model.bridge": self.model.bridge,
            "train.teacher_forcing": self.train.teacher_forcing,
        }
        if self.mapping != "encoder_decoder":
            for key, value in used.items():
                if value is not None:
                    raise ValueError(f"{key} applies to mapping encoder_decoder only")
            return self
        if self.model.attention == "dot" and self.model.direction == "bi":
            raise ValueError(
                "model.attention: 'dot' needs the source states (2 x hidden_size with direction "
                "bi) as wide as the decoder's (hidden_size); use general or additive"
            )
        return self

    @model_validator(mode="after")
    def _mapping_reads_the_format(self) -> Recipe:
        task = task_of(self.mapping, self.data.format)
        if self.train.monitor not in METRICS[task]:
            raise ValueError(
                f"train.monitor: '{self.train.monitor}' is not reported by a {task}; "
                f"choose {', '.join(METRICS[task])}"
            )
        return self

    @property
    def task(self) -> str:
        """The task this mapping and data format make (see recipe/tasks.py)."""
        return task_of(self.mapping, self.data.format)

    @model_validator(mode="after")
    def _bpc_needs_characters(self) -> Recipe:
        if self.train.monitor == "bpc" and self.data.tokenizer != "char":
            raise ValueError(
                "train.monitor: 'bpc' (bits per character) needs data.tokenizer 'char'; "
                "monitor loss or perplexity instead"
            )
        return self

    @model_validator(mode="after")
    def _options_fit_the_task(self) -> Recipe:
        task = self.task
        for field, tasks in TASK_OPTIONS.items():
            if getattr(self.model, field) is not None and task not in tasks:
                raise ValueError(
                    f"model.{field} applies to {' and '.join(sorted(set(tasks)))}, "
                    f"not to a {task} (mapping {self.mapping}, data.format {self.data.format})"
                )
        if self.model.direction == "bi" and task in LEFT_TO_RIGHT:
            raise ValueError(f"model.direction: 'bi' {LEFT_TO_RIGHT[task]}; use 'uni'")
        if self.model.tie_weights and task not in TIED_WEIGHTS:
            raise ValueError(
                f"model.tie_weights: a {task.replace('_', ' ')} does not write the tokens it "
                "reads, so there is no embedding to share with its head; set it false"
            )
        return self

    @model_validator(mode="after")
    def _synthetic_task_fits_the_mapping(self) -> Recipe:
        if self.data.format == "synthetic":
            mapping = SYNTHETIC_MAPPINGS[self.data.task]
            if self.mapping != mapping:
                raise ValueError(
                    f"mapping: data.task '{self.data.task}' is {mapping}, not {self.mapping}"
                )
        return self
