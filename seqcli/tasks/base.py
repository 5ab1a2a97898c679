"""What a task gives the engine. A task is one (mapping, data format) pair — a language
model, a classifier, a tagger, a translator, a conditioned generator, a forecaster — and the
engine (train, evaluate, predict, generate) drives every one of them through these hooks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch
from torch import nn

from seqcli.data.padding import BucketBatches
from seqcli.recipe.tasks import TaskSpec


@dataclass
class Batch:
    """One training or evaluation batch."""

    inputs: dict[str, torch.Tensor]  # keyword arguments of model.forward
    targets: torch.Tensor | None  # the forward's `targets`
    size: int  # units of work, for the speed readout (tokens or examples)
    fresh_state: bool = True  # language models: False when this continues the last batch
    extra: dict[str, Any] = field(default_factory=dict)  # for metrics; never sent to the model

    def to(self, device: torch.device) -> Batch:
        moved = {name: tensor.to(device) for name, tensor in self.inputs.items()}
        targets = None if self.targets is None else self.targets.to(device)
        return Batch(moved, targets, self.size, self.fresh_state, self.extra)


@dataclass(frozen=True)
class TaskData:
    meta: Any  # what the model and predictions need from the data (vocabularies, labels, scaler)
    splits: dict[str, Any]  # "train" / "val" / "test" -> the task's examples


class Batches(Protocol):
    """An endless, resumable stream of training batches."""

    def __next__(self) -> Batch: ...
    def __len__(self) -> int: ...  # batches per epoch
    def state_dict(self) -> dict: ...
    def load_state_dict(self, state: dict) -> None: ...


class IndexedBatches:
    """Endless training batches of examples: BucketBatches picks the indices (length-bucketed,
    reshuffled per epoch), `collate` turns them into a Batch. Resumable through the index
    stream's (epoch, position) alone."""

    def __init__(self, lengths, collate, *, batch_size: int, seed: int, bucket: bool = True):
        self.collate = collate  # indices (np.ndarray) -> Batch
        self.order = BucketBatches(lengths, batch_size=batch_size, seed=seed, bucket=bucket)

    def __next__(self) -> Batch:
        return self.collate(next(self.order))

    def __len__(self) -> int:
        return len(self.order)

    def state_dict(self) -> dict:
        return self.order.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.order.load_state_dict(state)


class Task(Protocol):
    spec: TaskSpec  # what the recipe knows of it: metrics, unit, model section, ...

    def prepare(self, recipe, meta=None) -> TaskData:
        """Read and split the data; build the meta unless given (a stored run's)."""

    def meta_to_dict(self, meta) -> dict:
        """Plain data (lists, dicts, str, numbers): checkpoints load with weights_only=True."""

    def meta_from_dict(self, data: dict): ...

    def meta_summary(self, meta: dict) -> list[tuple[str, str]]:
        """(key, value) rows describing the stored meta, for `seqcli inspect`."""

    def build_model(self, recipe, meta) -> nn.Module: ...
    def batches(self, data: TaskData, recipe) -> Batches: ...

    def evaluate(self, run, examples, *, max_batches: int | None = None) -> dict[str, float]:
        """Metrics over a split's examples; always includes "loss". Optional key "details":
        tables for `seqcli evaluate`, {title: {"columns": [...], "rows": [[...], ...]}}
        (baselines, per-class scores, a confusion matrix); training logs only the floats."""

    def examples_from_file(self, run, path):
        """Another data file's examples, read with the run's meta (`evaluate --data`)."""

    def sample(self, run, step: int) -> str | None:
        """A short text shown at each validation during training, or None."""

    def generate(self, run, flags: dict) -> Iterator[str]:
        """Text chunks for stdout. flags: the `seqcli generate` options the user gave (None
        and False left out); a flag the task does not take is a UsageError (flags.py)."""

    # Optional: tasks that map an input line to an output define both.
    # def predict(self, run, lines: list[str]) -> list[dict]: one JSON-ready row per line
    # def prediction_lines(self, rows: list[dict]) -> Iterator[str]: their text form
