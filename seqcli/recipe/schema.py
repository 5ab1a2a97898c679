"""The whole recipe and the rules that tie its sections to the task. Nothing here imports torch."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from seqcli.recipe.data import SYNTHETIC_MAPPINGS, Data, fill_format
from seqcli.recipe.model import ModelConfig
from seqcli.recipe.schedule import Section
from seqcli.recipe.tasks import METRICS, task_of
from seqcli.recipe.training import GenerateConfig, TrainConfig

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
MAX_SEED = 2**63 - 1  # torch seeds are 64-bit; the headroom lets samplers add the step
# What a null translator option means; filled in before validation so it shows when printed.
ENCODER_DECODER_DEFAULTS = {
    "model": {"attention": "general", "bridge": "concat_project"},
    "train": {"teacher_forcing": 1.0},
}


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
