"""What a task gives the engine. A task (its spec in recipe/tasks.py, its implementation in
seqcli/tasks/) is driven by train, evaluate, predict and generate through these hooks alone;
the engine never asks which task it holds. `Task` is what every task provides; each optional
hook is a small Protocol below, asked one way only: `isinstance(task, Calibrates)`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, runtime_checkable

import numpy as np
import torch
from torch import nn

from seqcli.data.padding import BucketBatches
from seqcli.decoding.requests import Generated, Request
from seqcli.recipe import Recipe
from seqcli.recipe.tasks import TaskSpec

if TYPE_CHECKING:  # engine/run.py imports this module for the Task a Run holds
    from seqcli.engine.run import Run

Rows = list[dict]  # what predict gives: a row of plain data per input, for --json or lines


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


TaskMeta = TypeVar("TaskMeta", bound=Meta)


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

        self.pieces, self.parts = range(1), 1
        self.pending: list[np.ndarray] = []

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


@runtime_checkable
class Task(Protocol[TaskMeta]):
    """What every task provides; TaskMeta is the class of what it takes from the data."""

    @property
    def spec(self) -> TaskSpec:
        """What the recipe knows of it: metrics, unit, model section, requests."""

    @property
    def meta(self) -> type[TaskMeta]:
        """The class of what prepare() takes from the data."""

    def prepare(self, recipe: Recipe, meta: TaskMeta | None = None) -> TaskData:
        """Read and split the data; build the meta unless given (a stored run's)."""

    def build_model(self, recipe: Recipe, meta: TaskMeta) -> nn.Module: ...
    def batches(self, data: TaskData, recipe: Recipe) -> Batches: ...

    def evaluate(self, run: Run, examples, *, max_batches: int | None = None) -> dict[str, Any]:
        """Metrics over a split's examples; always includes "loss". Optional key "details":
        tables for `seqcli evaluate`, {title: {"columns": [...], "rows": [[...], ...]}}
        (baselines, per-class scores, a confusion matrix); training logs only the floats."""

    def examples_from_file(self, run: Run, path: Path) -> Any:
        """Another data file's examples, read with the run's meta (`evaluate --data`)."""

    def sample(self, run: Run, step: int) -> str | None:
        """A short text shown at each validation during training, or None."""


# The optional hooks. A spec fact that says the same thing is tested against its hook for
# every task (tests/test_contract.py), so the two cannot disagree.


@runtime_checkable
class Generates(Protocol):
    """`seqcli generate`; spec.generate names the groups of flags the request carries."""

    def generate(self, run: Run, request: Request) -> Generated: ...


@runtime_checkable
class Predicts(Protocol):
    """`seqcli predict`: an answer per input line, and those answers as text lines."""

    def predict(self, run: Run, lines: list[str]) -> Rows: ...
    def prediction_lines(self, rows: Rows) -> Iterable[str]: ...


@runtime_checkable
class PredictsFiles(Protocol):
    """`predict --file` of a whole file whose suffix is in spec.predict_files."""

    def predict_file(self, run: Run, path: Path) -> Rows: ...


@runtime_checkable
class ReadsStackInput(Protocol):
    """`seqcli gates`: a user's input as the steps the model's first recurrent stack reads."""

    def stack_input(self, run: Run, given: Given) -> StackInput: ...


@runtime_checkable
class HasTokenTables(Protocol):
    """Token embedding tables that model.pretrained_embeddings fills and freeze_embeddings
    holds: {name: (table, its tokens in id order)}."""

    def token_embeddings(self, run: Run) -> dict[str, tuple[nn.Embedding, tuple[str, ...]]]: ...


@runtime_checkable
class Calibrates(Protocol):
    """Something fitted on the validation split after the weights (a forecaster's conformal
    bands); training calls it before each validation, so the checkpoint holds it."""

    def calibrate(self, run: Run, val: Any) -> None: ...
