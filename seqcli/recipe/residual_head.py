"""A residual forecaster in the recipe: the baseline its network corrects, and how much of
that correction its forecast keeps."""

from __future__ import annotations

from pydantic import Field, model_validator

from seqcli.recipe.schedule import Section


class ResidualHead(Section):
    residual_of: str | None = Field(
        None,
        description="many_to_one: the network corrects this baseline's forecast (naive, "
        "seasonal_naive, holt_winters_multiplicative, ...), starting from none; auto: the "
        "baseline best on rolling origins of training and validation",
    )
    correction_weight: float = Field(
        1.0,
        ge=0,
        le=1,
        description="with residual_of: the share of the network's correction the forecast "
        "keeps; training learns all of it. 0.5: the mean of the network's forecast and its "
        "baseline's (M4's combination); the band moves with the median, its width kept",
    )

    @model_validator(mode="after")
    def _weight_needs_a_correction(self) -> ResidualHead:
        if self.correction_weight != 1 and self.residual_of is None:
            raise ValueError(
                f"correction_weight {self.correction_weight:g}: only a residual model "
                "(residual_of) has a correction to weigh"
            )
        return self
