"""A forecaster's quantile head in the recipe: its levels and how its bands are calibrated."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from seqcli.recipe.schedule import Section


class QuantileHead(Section):
    quantiles: tuple[Annotated[float, Field(gt=0, lt=1)], ...] | None = Field(
        None,
        min_length=2,
        max_length=99,
        description="train a quantile head with the pinball loss instead of one value per "
        "step, e.g. [0.1, 0.5, 0.9]: increasing, each level with its mirror 1 - q, and 0.5, the "
        "median, as the point forecast; "
        "generate writes a column per quantile and evaluate the coverage of each interval. "
        "null: a point forecast trained on the squared error",
    )
    calibrate: Literal["conformal", "none"] = Field(
        "conformal",
        description="how the quantiles' intervals are calibrated: conformal moves each one, "
        "per step ahead, so it holds its nominal share of the validation split's values "
        "(conformalized quantile regression, Romano et al. 2019), and evaluate recalibrates it "
        "at each origin on every value known before it, at a share that moves with the bands' "
        "own misses (DtACI, Gibbs & Candes 2022), and generate up to the series' end; "
        "none keeps the bands as trained",
    )

    @model_validator(mode="after")
    def _quantiles_increase_around_the_median(self) -> QuantileHead:
        levels = self.quantiles
        if levels is None:
            return self
        if any(low >= high for low, high in zip(levels, levels[1:], strict=False)):
            raise ValueError(f"quantiles {list(levels)}: list them increasing, each once")
        if 0.5 not in levels:
            raise ValueError(
                f"quantiles {list(levels)}: include 0.5, the median, which is the point forecast"
            )
        # The bands are the central intervals (q, 1 - q): calibration moves both ends of each
        # apart, and paired by position an unmatched level would move the median.
        unmatched = [q for q in levels if not any(math.isclose(q, 1 - p) for p in levels)]
        if unmatched:
            raise ValueError(
                f"quantiles {list(levels)}: {unmatched[0]:g} has no {1 - unmatched[0]:g}; list "
                "each level with its mirror around the median, e.g. [0.1, 0.5, 0.9]"
            )
        return self

    @property
    def calibrated(self) -> bool:
        """Whether the head has bands that conformal calibration moves."""
        return bool(self.quantiles) and self.calibrate != "none"

    @property
    def levels(self) -> tuple[float, ...]:
        """What the head's outputs per value are read as; a point model's one output stands
        where the median would."""
        return self.quantiles or (0.5,)

    @property
    def point(self) -> int:
        """Which output is the point forecast: the median's."""
        return self.levels.index(0.5)
