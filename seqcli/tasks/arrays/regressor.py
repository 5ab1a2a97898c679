"""A number per sequence of numbers (data.format arrays, data.label_type number): the
sequence read and pooled as the classifier reads it, one output. Targets are standardized
with the training split's mean and deviation, as the text regressor's are; metrics are in
the data's units."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from seqcli.data.arrays import Arrays
from seqcli.data.scaling import Scaler, ScalerForm, TargetScale, TargetScaleForm
from seqcli.engine.run import Run
from seqcli.errors import DataError
from seqcli.metrics.regression import mean_baseline_table, regression_errors
from seqcli.models.arrays import ArrayRegressor
from seqcli.recipe import Recipe
from seqcli.recipe.tasks import SPECS
from seqcli.tasks.arrays.examples import Encoded, fit_scaler, outputs_of, scaled
from seqcli.tasks.arrays.task import ArrayTask


class RegressorForm(TargetScaleForm):
    scaler: ScalerForm


@dataclass(frozen=True)
class ArrayRegressorMeta:
    scaler: Scaler  # per feature, fitted on the training split's real steps
    target: TargetScale

    @property
    def features(self) -> int:
        return len(self.scaler.center)

    def to_dict(self) -> dict:
        return {"scaler": self.scaler.to_dict(), **self.target.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> ArrayRegressorMeta:
        form = RegressorForm.read(data)
        return cls(Scaler.from_dict(form.scaler.model_dump()), TargetScale.of(form))

    def summary(self) -> list[tuple[str, str]]:
        return [("features", str(self.features)), self.target.summary()]

    def values(self, scaled_targets: np.ndarray) -> np.ndarray:
        return self.target.values(scaled_targets)


class ArrayRegressorTask(ArrayTask):
    spec = SPECS["array_regressor"]
    meta = ArrayRegressorMeta
    target = "number"

    def build_meta(self, train: Arrays, scaling: str) -> ArrayRegressorMeta:
        """Feature scaling and target scaling from the training split only."""
        return ArrayRegressorMeta(fit_scaler(train, scaling), TargetScale.fit(train.y))

    def encode(self, arrays: Arrays, meta: ArrayRegressorMeta) -> Encoded:
        targets = torch.from_numpy(meta.target.apply(arrays.y).astype(np.float32))
        return Encoded(scaled(arrays, meta), torch.from_numpy(arrays.lengths), targets)

    def build_model(self, recipe: Recipe, meta: ArrayRegressorMeta) -> ArrayRegressor:
        return ArrayRegressor(recipe.model, features=meta.features)

    def evaluate(self, run: Run, examples: Encoded, *, max_batches: int | None = None) -> dict:
        """Loss (MSE of the standardized targets, as in training), then MSE, MAE and R² in
        the data's units beside always predicting the training mean."""
        if not len(examples):
            raise DataError("nothing to evaluate: the split is empty; raise data.val_fraction")
        if max_batches is not None:
            examples = examples.spread(max_batches * run.recipe.train.batch_size)
        predicted = outputs_of(run, examples)  # (N,)
        meta = run.meta
        actual = meta.values(examples.targets.double().numpy())
        values = meta.values(predicted.double().numpy())
        details = mean_baseline_table(actual, values, meta.target.mean)
        loss = F.mse_loss(predicted, examples.targets).item()
        return {"loss": loss, **regression_errors(actual, values), "details": details}

    @staticmethod
    def row(number: int, output: torch.Tensor, meta: ArrayRegressorMeta) -> dict:
        return {"example": number, "value": float(meta.values(output.double().numpy()))}

    def prediction_lines(self, rows: list[dict]) -> Iterator[str]:
        """example<TAB>value, the example numbered from 0 as in the file."""
        for row in rows:
            yield f"{row['example']}\t{row['value']:.6g}"
