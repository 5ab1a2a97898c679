"""The recipe's model section: cell, size, depth, direction and per-task options."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from seqcli.recipe.cells import CELL_NAMES, CELL_OPTIONS, CELL_SPECS
from seqcli.recipe.schedule import Section

CellName = Literal[CELL_NAMES]


class ModelConfig(Section):
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
        for option, cells in CELL_OPTIONS.items():
            if getattr(self, option) is not None and self.cell not in cells:
                raise ValueError(
                    f"{option} applies to cell {' and '.join(cells)} only, not {self.cell}"
                )
        if self.tie_weights and self.embedding_size != self.hidden_size * self.directions:
            raise ValueError(
                "tie_weights needs embedding_size equal to the head's input size "
                f"({self.hidden_size * self.directions}), got {self.embedding_size}"
            )
        return self

    @property
    def directions(self) -> int:
        return 2 if self.direction == "bi" else 1
