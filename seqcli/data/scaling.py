"""Per-column scaling, fitted on the training rows only and stored with the run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
from pydantic import Field, model_validator

from seqcli.data.forms import Form


def standard(train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return train.mean(axis=0), train.std(axis=0)


def minmax(train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    low = train.min(axis=0)
    return low, train.max(axis=0) - low


def identity(train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(train.shape[1]), np.ones(train.shape[1])


FITS = {"standard": standard, "minmax": minmax, "none": identity}


class ScalerForm(Form):
    center: list[float]
    scale: list[Annotated[float, Field(gt=0)]]  # a constant column is kept at scale 1

    @model_validator(mode="after")
    def _a_scale_per_center(self) -> ScalerForm:
        if len(self.scale) != len(self.center):
            raise ValueError(f"scale: {len(self.scale)} columns, center {len(self.center)}")
        return self


@dataclass(frozen=True)
class Scaler:
    """x -> (x - center) / scale per column; a constant column keeps scale 1."""

    center: tuple[float, ...]
    scale: tuple[float, ...]

    @classmethod
    def fit(cls, kind: str, train: np.ndarray) -> Scaler:
        center, spread = FITS[kind](train)
        # A constant column would divide by zero; leaving it unscaled keeps it constant.
        spread = np.where(spread > 0, spread, 1.0)
        return cls(tuple(float(c) for c in center), tuple(float(s) for s in spread))

    def apply(self, features: np.ndarray) -> np.ndarray:
        """(N, F) in data units -> (N, F) scaled float32, for the model."""
        return ((features - self.center) / self.scale).astype(np.float32)

    def invert(self, scaled: np.ndarray) -> np.ndarray:
        """(..., V) scaled values -> data units; value columns come first, so they align."""
        width = scaled.shape[-1]
        return scaled * np.asarray(self.scale[:width]) + np.asarray(self.center[:width])

    def invert_outputs(self, scaled: np.ndarray) -> np.ndarray:
        """(..., V, Q) scaled outputs, Q per value column -> data units."""
        return np.swapaxes(self.invert(np.swapaxes(scaled, -1, -2)), -1, -2)

    def to_dict(self) -> dict:
        return {"center": list(self.center), "scale": list(self.scale)}

    @classmethod
    def from_dict(cls, data: dict) -> Scaler:
        form = ScalerForm.read(data)
        return cls(tuple(form.center), tuple(form.scale))


class TargetScaleForm(Form):
    """A regressor meta's stored target scaling (the keys sit beside the meta's others)."""

    mean: float
    scale: float = Field(gt=0)


@dataclass(frozen=True)
class TargetScale:
    """A regressor's targets standardized by the training split's mean and deviation: the
    model learns (y - mean) / scale at unit size whatever the data's units; predictions and
    metrics are turned back into those units."""

    mean: float
    scale: float

    @classmethod
    def fit(cls, targets: np.ndarray) -> TargetScale:
        # Constant targets have no spread to divide by: they are only shifted.
        return cls(float(targets.mean()), float(targets.std()) or 1.0)

    @classmethod
    def of(cls, form: TargetScaleForm) -> TargetScale:
        return cls(form.mean, form.scale)

    def apply(self, targets: np.ndarray) -> np.ndarray:
        return (targets - self.mean) / self.scale

    def values(self, scaled: np.ndarray) -> np.ndarray:
        return scaled * self.scale + self.mean

    def to_dict(self) -> dict:
        return {"mean": self.mean, "scale": self.scale}

    def summary(self) -> tuple[str, str]:
        return ("target mean / sd", f"{self.mean:.4g} / {self.scale:.4g}")


def seasonal_mae(train: np.ndarray, season: int) -> np.ndarray:
    """(V,) in-sample MAE of the seasonal-naive forecast on the training rows (Hyndman &
    Koehler 2006), the denominator of MASE; a training part that repeats itself exactly gives
    1 (no scaling) rather than a rounding error to divide by."""
    if len(train) <= season:
        return np.ones(train.shape[1])
    scale = np.abs(train[season:] - train[:-season]).mean(axis=0)
    exact = scale <= 1e-9 * (np.abs(train).max(axis=0) + 1)
    return np.where(exact, 1.0, scale)
