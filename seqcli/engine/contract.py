"""What a task gives the engine. A task (its spec in recipe/tasks.py, its implementation in
seqcli/tasks/) is driven by train, evaluate, predict and generate through these hooks alone;
the engine never asks which task it holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
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
        moved = {name: to_device(tensor, device) for name, tensor in self.inputs.items()}
        targets = None if self.targets is None else to_device(self.targets, device)
        return Batch(moved, targets, self.size, self.fresh_state, self.extra)


def to_device(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    """A CPU tensor on `device`. To CUDA it goes from pinned memory without blocking: the
    host goes on queueing the step's kernels while the copy runs (the stream keeps the order)."""
    if device.type != "cuda" or tensor.device.type != "cpu":
        return tensor.to(device)
    return tensor.pin_memory().to(device, non_blocking=True)


@dataclass(frozen=True)
class TaskData:
    meta: Meta  # what the model and predictions need from the data (vocabularies, labels, scaler)
    splits: dict[str, Any]  # "train" / "val" / "test" -> the task's examples


@dataclass(frozen=True)
class Given:
    """A user's input for `seqcli gates` to read through a model."""

    text: str
    source: str  # how a message names it: "--text", "--file notes.txt", "stdin"
    path: Path | None = None  # the file --file named, for a task that reads a file (CSV) itself


@dataclass(frozen=True)
class StackInput:
    """A user's input as one model call on a batch of one: the keyword arguments of the model's
    forward and a label per step its first recurrent stack reads. The tensor that stack gets is
    taken from the call itself, so no task restates how its model feeds the stack."""

    inputs: dict[str, torch.Tensor]
    steps: list[str]  # as the model reads them: normalized tokens, or a row's numbers
    kind: Literal["char", "word", "values"]  # which features of the steps make sense


class Meta(Protocol):
    """What a task took from the data, kept with the run as plain data: checkpoints load with
    weights_only=True, so to_dict gives lists, dicts, str and numbers only."""

    def to_dict(self) -> dict: ...

    @classmethod
    def from_dict(cls, data: dict) -> Meta: ...

    def summary(self) -> list[tuple[str, str]]:
        """(key, value) rows for `seqcli inspect`."""


class Batches(Protocol):
    """An endless, resumable stream of training batches."""

    def __next__(self) -> Batch: ...
    def __len__(self) -> int: ...  # batches per epoch
    def state_dict(self) -> dict: ...
    def load_state_dict(self, state: dict) -> None: ...

    def shard(self, pieces: range, parts: int) -> None:
        """From now on cut every batch into `parts` near-equal pieces by rows and give back
        the pieces numbered `pieces`, one per call (data-parallel ranks, accumulation)."""

    def reshard(self, state: dict, scale: float) -> dict:
        """A state saved when batches were `scale` times as large as now, as the same place
        in its epoch for batches of this size."""


def cut(rows, pieces: range, parts: int) -> list:
    """Pieces of a batch's rows (an index array), as np.array_split numbers them; a batch of
    fewer rows than parts repeats its first rows, so that no piece is empty."""
    rows = np.resize(rows, max(len(rows), parts))
    return [np.array_split(rows, parts)[piece] for piece in pieces]


class IndexedBatches:
    """Endless training batches of examples: BucketBatches picks the indices (length-bucketed,
    reshuffled per epoch), `collate` turns them into a Batch. Resumable through the index
    stream's (epoch, position) alone."""

    def __init__(
        self, lengths, collate: Callable, *, batch_size: int, seed: int, bucket: bool = True
    ):
        self.collate = collate  # indices (np.ndarray) -> Batch
        self.order = BucketBatches(lengths, batch_size=batch_size, seed=seed, bucket=bucket)

        self.pieces, self.parts, self.pending = range(1), 1, []

    def __next__(self) -> Batch:
        if self.parts == 1:
            return self.collate(next(self.order))
        if not self.pending:
            self.pending = cut(next(self.order), self.pieces, self.parts)
        return self.collate(self.pending.pop(0))

    def __len__(self) -> int:
        return len(self.order)

    def state_dict(self) -> dict:
        return self.order.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.order.load_state_dict(state)

    def shard(self, pieces: range, parts: int) -> None:
        self.pieces, self.parts = pieces, parts

    def reshard(self, state: dict, scale: float) -> dict:
        return self.order.reshard(state, scale)


class Task(Protocol):
    spec: TaskSpec  # what the recipe knows of it: metrics, unit, model section, requests
    meta: type[Meta]  # the class of what prepare() takes from the data

    def prepare(self, recipe, meta: Meta | None = None) -> TaskData:
        """Read and split the data; build the meta unless given (a stored run's)."""

    def build_model(self, recipe, meta: Meta) -> nn.Module: ...
    def batches(self, data: TaskData, recipe) -> Batches: ...

    def evaluate(self, run, examples, *, max_batches: int | None = None) -> dict[str, float]:
        """Metrics over a split's examples; always includes "loss". Optional key "details":
        tables for `seqcli evaluate`, {title: {"columns": [...], "rows": [[...], ...]}}
        (baselines, per-class scores, a confusion matrix); training logs only the floats."""

    def examples_from_file(self, run, path):
        """Another data file's examples, read with the run's meta (`evaluate --data`)."""

    def sample(self, run, step: int) -> str | None:
        """A short text shown at each validation during training, or None."""

    # Optional, as the spec says: generate(run, request) -> Iterator[str] | rows, for
    # `seqcli generate`; predict(run, lines) -> rows and prediction_lines(rows) -> text;
    # predict_file(run, path) -> rows, for `predict --file` of a suffix in spec.predict_files;
    # stack_input(run, given: Given) -> StackInput, for `seqcli gates`.
