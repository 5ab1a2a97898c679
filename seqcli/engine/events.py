"""What training reports as it goes; ui.py renders these, tests collect them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Started:
    run_dir: Path
    total_steps: int
    start_step: int
    parameters: int
    device: str
    unit: str  # what the speed counts: tok (tokens) or ex (examples)
    warnings: tuple[str, ...] = ()  # what in the recipe will not do what it says, for the user
    embeddings: tuple[dict, ...] = ()  # pretrained vectors found, per token table (Run's)
    columns: tuple[tuple[str, str], ...] = ()  # (role, columns) of the data (data/roles.py)
    ranks: int = 1  # processes of a data-parallel job
    effective_batch: int | None = None  # rows a step reads over every rank and micro-batch
    monitor: str = ""  # what picks best.pt (train.monitor), in words


@dataclass(frozen=True)
class Step:
    step: int
    total: int
    loss: float
    lr: float
    grad_norm: float  # before clipping
    speed: float  # units per second, smoothed
    skipped: bool = False  # non-finite loss or gradient, window dropped (on_nonfinite: skip)
    epoch: float | None = None  # passes over the training data so far, if the recipe counts them


@dataclass(frozen=True)
class Validating:
    """A validation begins: on a large split it can take a while, and the display says so."""

    step: int
    batches: int | None  # at most this many batches of the split; None: the whole split


@dataclass(frozen=True)
class Evaluated:
    step: int
    split: str
    metrics: dict[str, float]
    improved: bool


@dataclass(frozen=True)
class Sample:
    step: int
    text: str


@dataclass(frozen=True)
class Saved:
    step: int
    path: Path


@dataclass(frozen=True)
class Stopped:
    """Training ended before its last step; `reason` is a sentence for the user."""

    step: int
    reason: str
    resume_command: str | None = None
    failed: bool = False


@dataclass(frozen=True)
class Finished:
    step: int
    summary: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ComparePlanned:
    """compare-cells' grid: variant name -> parameters, and the names already finished."""

    parameters: dict[str, int]
    finished: tuple[str, ...]
    unit: str
    monitor: str


@dataclass(frozen=True)
class VariantProgress:
    """One variant's step (loss set) or validation (metric set)."""

    name: str
    step: int
    total: int
    loss: float | None
    metric: float | None
    speed: float


@dataclass(frozen=True)
class VariantDone:
    name: str
    result: dict


@dataclass(frozen=True)
class CompareFinished:
    groups: list[dict]  # per variant without seed: means and spreads (compare_report.summarize)
    files: list[Path]


@dataclass(frozen=True)
class Diagnosed:
    """train --diagnose: diagnostics of a fixed batch at a validation step."""

    step: int
    report: dict


@dataclass(frozen=True)
class TrialUpdate:
    """A tune trial began, validated or ended; state: running, complete, pruned or failed."""

    number: int
    params: dict
    state: str
    step: int
    value: float | None = None  # the monitored metric: the last validation's, or the trial's
    note: str = ""  # pruned at a step, resumed from one, why it failed


@dataclass(frozen=True)
class WorkerSaid:
    """A line a tune worker process would have printed: its parent shows each line once."""

    line: str
