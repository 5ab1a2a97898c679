"""What an arrays run keeps of its training data (labels, feature scaling) and its splits as
model-ready tensors: scaled features, lengths and class ids."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import Field

from seqcli.data.arrays import Arrays
from seqcli.data.forms import Form
from seqcli.data.padding import ordered_batches
from seqcli.data.scaling import Scaler, ScalerForm
from seqcli.engine.contract import Batch, IndexedBatches
from seqcli.engine.run import Run
from seqcli.errors import DataError
from seqcli.models.tagger import IGNORE
from seqcli.recipe import Recipe


class ArraysForm(Form):
    labels: list[str] = Field(min_length=1)
    scaler: ScalerForm


@dataclass(frozen=True)
class ArraysMeta:
    labels: tuple[str, ...]  # training labels, sorted; a label's class id is its position
    scaler: Scaler  # per feature, fitted on the training split's real steps

    @property
    def features(self) -> int:
        return len(self.scaler.center)

    def to_dict(self) -> dict:
        return {"labels": list(self.labels), "scaler": self.scaler.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> ArraysMeta:
        form = ArraysForm.read(data)
        return cls(tuple(form.labels), Scaler.from_dict(form.scaler.model_dump()))

    def summary(self) -> list[tuple[str, str]]:
        shown = ", ".join(self.labels[:8]) + (", ..." if len(self.labels) > 8 else "")
        return [("classes", f"{shown} ({len(self.labels)})"), ("features", str(self.features))]


def build_meta(train: Arrays, scaling: str) -> ArraysMeta:
    """Labels and scaling from the training split only, so held-out data stays unseen."""
    labels = tuple(sorted(set(train.y[_labelled(train)].tolist()), key=label_order))
    return ArraysMeta(labels, fit_scaler(train, scaling))


def fit_scaler(train: Arrays, scaling: str) -> Scaler:
    """data.scaling fitted on the real steps of the training split, never on padding."""
    return Scaler.fit(scaling, train.x[train.mask].astype(np.float64))


def label_order(label: str) -> tuple:
    """Integer labels by value (2 before 10), then text labels alphabetically."""
    whole = label.removeprefix("-").isdigit()
    return (0, int(label), "") if whole else (1, 0, label)


def _labelled(arrays: Arrays) -> np.ndarray:
    """Where a label belongs to a real step: every label of a sequence, or per real step."""
    return arrays.mask if arrays.y.ndim == 2 else np.ones(len(arrays), dtype=bool)


@dataclass(frozen=True)
class Encoded:
    """A split as tensors: scaled (N, T, F) features, zero past each length, and class ids."""

    values: torch.Tensor  # (N, T, F) float32
    lengths: torch.Tensor  # (N,) int64
    targets: torch.Tensor  # (N,) or (N, T) int64; IGNORE on padding and unseen step labels

    def __len__(self) -> int:
        return len(self.lengths)

    def batch(self, indices: np.ndarray) -> Batch:
        rows = torch.as_tensor(indices, dtype=torch.long)
        lengths = self.lengths[rows]
        longest = int(lengths.max())
        targets = self.targets[rows]
        if targets.ndim == 2:
            targets = targets[:, :longest]
        size = int(lengths.sum()) if targets.ndim == 2 else len(rows)
        inputs = {"values": self.values[rows, :longest], "lengths": lengths}
        return Batch(inputs, targets, size=size)

    def spread(self, count: int) -> Encoded:
        """count examples evenly spaced over the split (a capped validation)."""
        if count >= len(self):
            return self
        rows = torch.as_tensor(np.linspace(0, len(self) - 1, count).round().astype(int))
        return Encoded(self.values[rows], self.lengths[rows], self.targets[rows])


def scaled(arrays: Arrays, meta: ArraysMeta) -> torch.Tensor:
    """(N, T, F) features scaled as in training, padding set to zero."""
    if arrays.x.shape[2] != meta.features:
        raise DataError(
            f"{arrays.source}: x has {arrays.x.shape[2]} feature(s) per step; the run reads "
            f"{meta.features}"
        )
    values = meta.scaler.apply(arrays.x.reshape(-1, meta.features)).reshape(arrays.x.shape)
    return torch.from_numpy(values * arrays.mask[..., None])


def class_ids(arrays: Arrays, meta: ArraysMeta) -> torch.Tensor:
    """(N,) or (N, T) ids. A sequence's label the run never saw is an error, as in the text
    classifier; a step's is IGNORE (no loss, not scored), as in the text tagger."""
    index = {label: i for i, label in enumerate(meta.labels)}
    distinct, where = np.unique(arrays.y, return_inverse=True)
    known = np.asarray([index.get(label, IGNORE) for label in distinct], dtype=np.int64)
    ids = known[where].reshape(arrays.y.shape)
    ids[~_labelled(arrays)] = IGNORE
    if arrays.y.ndim == 1 and (ids == IGNORE).any():
        row = int(np.flatnonzero(ids == IGNORE)[0])
        raise DataError(
            f"{arrays.source}: y[{row}] is '{arrays.y[row]}', not a label the model "
            f"knows ({', '.join(meta.labels[:8])})"
        )
    return torch.from_numpy(ids)


def encode(arrays: Arrays, meta: ArraysMeta) -> Encoded:
    return Encoded(scaled(arrays, meta), torch.from_numpy(arrays.lengths), class_ids(arrays, meta))


def training_batches(train: Encoded, recipe: Recipe) -> IndexedBatches:
    return IndexedBatches(
        train.lengths.tolist(),
        partial(Encoded.batch, train),
        batch_size=recipe.train.batch_size,
        seed=recipe.seed,
    )


@torch.no_grad()
def outputs_of(run: Run, encoded: Encoded) -> torch.Tensor:
    """The model's (N, K) or (N, T, K) scores in the split's order, batched by length."""
    was_training = run.model.training
    run.model.eval()
    order = ordered_batches(encoded.lengths.tolist(), batch_size=run.recipe.train.batch_size)
    steps = encoded.values.shape[1]
    parts = []
    for rows in order:
        batch = encoded.batch(rows).to(run.device)
        scores = run.model(**batch.inputs).out.float().cpu()
        if scores.ndim == 3:  # back to the split's length, so batches stack
            scores = F.pad(scores, (0, 0, 0, steps - scores.shape[1]))
        parts.append(scores)
    run.model.train(was_training)
    return torch.cat(parts)[torch.as_tensor(np.argsort(np.concatenate(order)))]
