"""The recipe's model section: what every recurrent task shares (cell, size, depth, direction)
and, per task, the options only it reads; a task without a recurrent stack (the Hopfield
network) has a section of its own. The task's spec (recipe/tasks.py) names its section class."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from seqcli.recipe.cells import CELL_NAMES, CELL_OPTIONS, CELL_SPECS
from seqcli.recipe.data_base import resolve_path
from seqcli.recipe.quantile_head import QuantileHead
from seqcli.recipe.residual_head import ResidualHead
from seqcli.recipe.schedule import Section

CellName = Literal[CELL_NAMES]
# Injected into the raw model section by the recipe (which knows the task) so the union below
# can pick the task's section; never written out.
TASK_KEY = "task"
# What "not set" meant for task options when one model section held every task's options:
# such a key, left at it, is ignored where its task is not this one.
UNSET = (None, False)


class ModelSection(Section):
    """What every task's model section is: the task's own keys, nothing assumed about them.
    Recurrent tasks derive from ModelConfig below; a Hopfield network has no cell, depth or
    hidden size, so its section derives from this directly rather than faking them."""

    @model_validator(mode="before")
    @classmethod
    def _own_keys(cls, raw: Any) -> Any:
        """Drop the task tag, other tasks' options left unset, and own options set to null
        (their default)."""
        if not isinstance(raw, dict):
            return raw
        own = set(cls.model_fields) & set(TASK_OPTIONS)
        return {
            key: value
            for key, value in raw.items()
            if key != TASK_KEY
            and not (key in TASK_OPTIONS and key not in own and value in UNSET)
            and not (key in own and value is None and cls.model_fields[key].default is not None)
        }


class ModelConfig(ModelSection):
    """What every recurrent task's model has: the recurrent stack and the layers around it."""

    cell: CellName = Field(
        "lstm",
        description="recurrent cell: "
        + ", ".join(f"{s.name} ({s.description})" for s in CELL_SPECS.values()),
    )
    nonlinearity: Literal["tanh", "relu"] | None = Field(
        None, description="rnn only: the cell's activation; null means tanh"
    )
    layers: int = Field(1, ge=1, le=32, description="stacked recurrent layers")
    direction: Literal["uni", "bi"] = Field(
        "uni",
        description="uni reads left to right; bi also right to left (rejected where the model "
        "writes left to right: language models, generators, the autoregressive forecaster; an "
        "encoder_decoder's decoder stays uni and only its encoder reads both ways)",
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
    forget_bias: float | None = Field(
        None,
        description="lstm only: initial forget-gate bias (1.0 is Keras' unit_forget_bias); "
        "null keeps PyTorch's small uniform init",
    )
    memory: Literal["before_activation", "after_activation", "through_network"] | None = Field(
        None,
        description="rnn only: where the previous state enters. before_activation (Elman, "
        "null): tanh(W x + U h + b); after_activation: tanh(W x + b) + U h; through_network: "
        "tanh(W x + U tanh(V h) + b). Only before_activation runs on torch's fused kernel",
    )
    gate_activation: Literal["sigmoid", "hard_sigmoid"] | None = Field(
        None,
        description="lstm and gru only: the gates' squashing function. sigmoid (null) runs on "
        "torch's fused kernel; hard_sigmoid, clamp(x / 6 + 1/2, 0, 1), is piecewise linear "
        "and runs step by step. A gate must stay in [0, 1]: relu would not",
    )
    leak: Literal["learned"] | Annotated[float, Field(gt=0, lt=1)] | None = Field(
        None,
        description="leaky only: the share a of the previous state kept at each step; "
        "learned (null): one value per unit, starting at 0.5; a number in (0, 1): fixed",
    )

    @model_validator(mode="after")
    def _options_fit_the_cell(self) -> ModelConfig:
        for option, cells in CELL_OPTIONS.items():
            if getattr(self, option) is not None and self.cell not in cells:
                raise ValueError(
                    f"{option} applies to cell {' and '.join(cells)} only, not {self.cell}"
                )
        return self

    @property
    def directions(self) -> int:
        return 2 if self.direction == "bi" else 1


class TokenModelConfig(ModelConfig):
    """A recurrent model that reads tokens through an embedding table."""

    pretrained_embeddings: Annotated[Path | None, AfterValidator(resolve_path)] = Field(
        None,
        description="word2vec/GloVe text vectors (.gz too) to start the token embeddings from, "
        "each token from its word's row or else its lowercase form's; embedding_size must match",
    )
    freeze_embeddings: bool | Annotated[int, Field(ge=1)] = Field(
        False,
        description="true: pretrained vectors stay fixed; N >= 1: fixed for N steps, then trained",
    )

    @model_validator(mode="after")
    def _freeze_needs_vectors(self) -> TokenModelConfig:
        if self.freeze_embeddings is not False and self.pretrained_embeddings is None:
            raise ValueError("freeze_embeddings needs pretrained_embeddings (or nothing is frozen)")
        return self


class LanguageModelConfig(TokenModelConfig):
    tie_weights: bool = Field(
        False,
        description="one matrix for the input embedding and the output head; needs "
        "embedding_size equal to hidden_size",
    )

    @model_validator(mode="after")
    def _tied_shapes(self) -> LanguageModelConfig:
        if self.tie_weights and self.embedding_size != self.hidden_size:
            raise ValueError(
                "tie_weights needs embedding_size equal to the head's input size "
                f"({self.hidden_size}), got {self.embedding_size}"
            )
        return self


class PooledConfig(ModelConfig):
    pooling: Literal["last", "mean", "max", "attention"] = Field(
        "last",
        description="how the sequence becomes one vector. last: the final state (each "
        "direction's, when bi); mean/max over the real tokens; attention: a learned weighted "
        "average",
    )


class TranscriberConfig(ModelConfig):
    subsample: int = Field(
        1,
        ge=1,
        le=16,
        description="frames stacked into one step before the stack reads them (a transcriber, "
        "CTC): 3 reads a third as many steps, each three frames wide, so long recordings are "
        "cheap; the output must still have a step per label",
    )


class TextPooledConfig(PooledConfig, TokenModelConfig):
    """A classifier or regressor of text: pooled, reading tokens."""


class TaggerConfig(TokenModelConfig):
    char_features: int | None = Field(
        None,
        ge=1,
        le=4096,
        description="width of a character CNN word encoder concatenated to the word embedding, "
        "so unknown and rare words are tagged by their spelling; null: none",
    )
    feature_embedding_size: int = Field(
        16, ge=1, le=4096, description="embedding width of each data.feature_columns column"
    )
    crf: bool = Field(
        False,
        description="a linear-chain CRF output layer: the sentence's labels are chosen together "
        "(Viterbi), and with BIO/BIOES labels never in an order the scheme forbids",
    )


class TranslatorConfig(TokenModelConfig):
    attention: Literal["none", "dot", "general", "additive"] = Field(
        "general",
        description="how the decoder looks at the source; dot and general are Luong's (2015), "
        "additive is Bahdanau's (2015)",
    )
    bridge: Literal["concat_project", "sum"] = Field(
        "concat_project",
        description="encoder final states to decoder initial state; concat_project: both "
        "directions concatenated, linear + tanh; sum: the directions added",
    )

    @model_validator(mode="after")
    def _dot_needs_equal_sizes(self) -> TranslatorConfig:
        if self.attention == "dot" and self.direction == "bi":
            raise ValueError(
                "attention 'dot' needs the source states (2 x hidden_size with direction bi) "
                "as wide as the decoder's (hidden_size); use general or additive"
            )
        return self


class GeneratorConfig(ModelConfig):
    condition: Literal["none", "init", "every_step", "both"] = Field(
        "both",
        description="where the input enters the decoder: its initial state (init), its input "
        "at every step (every_step), both, or none (an unconditioned baseline)",
    )


class ForecasterConfig(ModelConfig, QuantileHead, ResidualHead):
    window_norm: bool = Field(
        False,
        description="rescale each input window by its own mean and standard deviation and "
        "undo it on the forecast (RevIN, Kim et al. 2022), so a series that grew past its "
        "training range stays in range",
    )
    decomposition: Literal["none", "multiplicative", "additive"] = Field(
        "none",
        description="many_to_one: a per-series exponential-smoothing level (and data.season, "
        "when the lookback holds two) is taken out of each window and put back on the "
        "forecast, its coefficients learned per series (ES-RNN, Smyl 2020); multiplicative "
        "(values above zero) or additive",
    )
    initial_season: Literal["window", "learned"] = Field(
        "window",
        description="decomposition: each window's first season starts its seasonal "
        "indices (window), or each series' own indices per phase, learned (Smyl 2020)",
    )

    @model_validator(mode="after")
    def _one_window_rescaling(self) -> ForecasterConfig:
        if self.window_norm and self.decomposition != "none":
            raise ValueError("window_norm and decomposition both rescale each window; set one")
        if self.residual_of is not None and self.decomposition != "none":
            raise ValueError("residual_of and decomposition both set what the network corrects")
        return self


class HopfieldConfig(ModelSection):
    """An associative memory: stored patterns and an update rule, no recurrent stack."""

    kind: Literal["classical", "modern"] = Field(
        "classical",
        description="classical: Hebbian weights W = X^T X / N with a zero diagonal, each unit "
        "set to the sign of its input (Hopfield 1982); modern: the state becomes X^T "
        "softmax(beta X state), one attention step over the stored patterns X (Ramsauer et al. "
        "2020)",
    )
    update: Literal["async", "sync"] = Field(
        "async",
        description="classical: async sets one unit at a time, every unit once per sweep in a "
        "seeded random order, so the energy never rises; sync sets every unit at once and may "
        "swing between two states",
    )
    max_iterations: int = Field(
        100,
        ge=1,
        le=100_000,
        description="sweeps (classical) or update steps (modern) before recall stops, settled "
        "or not",
    )
    beta: float = Field(
        1.0,
        gt=0,
        le=1_000_000,
        description="modern: inverse temperature of the softmax; large picks the nearest "
        "stored pattern, small blends them. evaluate --capacity reads it for a classical run too",
    )


SECTIONS = (
    ModelConfig,
    LanguageModelConfig,
    PooledConfig,
    TextPooledConfig,
    TaggerConfig,
    TranslatorConfig,
    GeneratorConfig,
    ForecasterConfig,
    HopfieldConfig,
)
# Every task-only option and the section classes that take it.
TASK_OPTIONS = {
    option: tuple(section for section in SECTIONS if option in section.model_fields)
    for section in SECTIONS
    for option in section.model_fields
    if option not in ModelConfig.model_fields
}
