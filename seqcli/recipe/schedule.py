"""Recipe sections for how training paces itself: the lr schedule and early stopping."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from seqcli.recipe.numbers import no_booleans_for_numbers


class Section(BaseModel):
    # YAML reads .inf and .nan as floats; no setting means either (epochs: .inf never ends).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _booleans_are_not_numbers(cls, raw: Any) -> Any:
        return no_booleans_for_numbers(raw, cls.model_fields)


class ConstantSchedule(Section):
    name: Literal["constant"] = Field(
        "constant", description="constant: train.lr throughout, after any warm-up"
    )
    warmup_steps: int = Field(0, ge=0, description="steps of linear warm-up to train.lr")


class CosineSchedule(Section):
    name: Literal["cosine"] = Field(
        description="cosine: warm up, then follow half a cosine from train.lr down to min_lr"
    )
    warmup_steps: int = Field(0, ge=0, description="steps of linear warm-up to train.lr")
    min_lr: float = Field(0.0, ge=0, description="learning rate reached at the last step")


class StepSchedule(Section):
    name: Literal["step"] = Field(
        description="step: multiply the learning rate by gamma every step_size steps"
    )
    step_size: int = Field(1000, ge=1, description="steps between decays")
    gamma: float = Field(0.5, gt=0, le=1, description="learning-rate multiplier at each decay")


class PlateauSchedule(Section):
    name: Literal["plateau"] = Field(
        description="plateau: multiply the learning rate by factor when train.monitor stalls"
    )
    factor: float = Field(0.5, gt=0, lt=1, description="learning-rate multiplier at each decay")
    patience: int = Field(
        2,
        ge=0,
        description="validations without improvement that are tolerated; the next one decays",
    )
    min_lr: float = Field(0.0, ge=0, description="the learning rate never decays below this")


Schedule = Annotated[
    ConstantSchedule | CosineSchedule | StepSchedule | PlateauSchedule,
    Field(discriminator="name"),
]


class EarlyStopping(Section):
    patience: int = Field(
        5, ge=1, description="stop after this many validations in a row without improvement"
    )
    min_delta: float = Field(
        0.0,
        ge=0,
        description="an improvement must beat the best by more than this (also for best.pt)",
    )
