"""The Hopfield network as a seqcli task: training stores the file's patterns (the spec says
there is nothing to optimize), validation recalls each one from noisy copies."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Literal

import torch
from pydantic import Field, model_validator

from seqcli.data.forms import Form
from seqcli.data.patterns import Patterns, read_patterns
from seqcli.decoding.requests import Generated, Request
from seqcli.engine.contract import Batch, IndexedBatches, TaskData
from seqcli.engine.run import Run
from seqcli.metrics.memory import flip, pattern_counts, recall_scores, units_wrong
from seqcli.models.hopfield import build_hopfield, polarise
from seqcli.recipe import Recipe
from seqcli.recipe.tasks import SPECS
from seqcli.tasks.hopfield.capacity import capacity_curves, capacity_details
from seqcli.tasks.hopfield.recall import fitting, recall_lines, recall_summary
from seqcli.ui.counting import counting

HELD_OUT = ("val", "test")  # each draws its probes from its own seed


class MemoryForm(Form):
    rows: int = Field(ge=1)
    columns: int = Field(ge=1)
    ink: str = Field(pattern=r"^\S$")
    paper: str = Field(pattern=r"^\S$")
    patterns: list[list[Literal[1, -1]]] = Field(min_length=1)

    @model_validator(mode="after")
    def _patterns_fit_the_glyph(self) -> MemoryForm:
        units = self.rows * self.columns
        for index, pattern in enumerate(self.patterns):
            if len(pattern) != units:
                raise ValueError(
                    f"patterns.{index}: {len(pattern)} units; rows x columns is {units}"
                )
        return self


@dataclass(frozen=True)
class MemoryMeta:
    """The stored patterns (what a Hopfield network takes from its data) and how to draw one."""

    rows: int
    columns: int
    ink: str
    paper: str
    patterns: list[list[int]]  # (P, N) of +1 and -1, in file order

    @classmethod
    def of(cls, patterns: Patterns) -> MemoryMeta:
        return cls(
            patterns.rows, patterns.columns, patterns.ink, patterns.paper, patterns.vectors.tolist()
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> MemoryMeta:
        return cls(**MemoryForm.read(data).model_dump())

    def summary(self) -> list[tuple[str, str]]:
        return [
            ("patterns x units", f"{len(self.patterns)} x {self.rows * self.columns}"),
            ("drawn as", f"{self.rows} x {self.columns} of {self.ink!r} (+1), {self.paper!r} (-1)"),
        ]

    def stored(self) -> torch.Tensor:
        return torch.tensor(self.patterns, dtype=torch.float32)  # (P, N)


@dataclass(frozen=True)
class Probes:
    """A held-out split: the stored patterns, recalled from copies with `noise` of their units
    flipped, drawn from a fixed seed so that every evaluation sees the same probes."""

    patterns: torch.Tensor  # (P, N)
    noise: float
    copies: int  # probes per pattern
    seed: int

    def __len__(self) -> int:
        return len(self.patterns) * self.copies

    def draw(self, noise: float) -> tuple[torch.Tensor, torch.Tensor, torch.Generator]:
        """(probes, targets) of (P * copies, N), and the generator that goes on to order the
        asynchronous updates."""
        generator = torch.Generator().manual_seed(self.seed)
        targets = self.patterns.repeat(self.copies, 1)
        return flip(targets, noise, generator), targets, generator


class HopfieldTask:
    spec = SPECS["hopfield"]
    meta = MemoryMeta

    def prepare(self, recipe: Recipe, meta: MemoryMeta | None = None) -> TaskData:
        """A stored run's patterns come from its meta: the file is read for a new run only."""
        meta = meta or MemoryMeta.of(read_patterns(recipe.data))
        patterns, data = meta.stored(), recipe.data
        splits = {
            split: Probes(patterns, data.noise, data.probes, 2 * recipe.seed + i)
            for i, split in enumerate(HELD_OUT)
        }
        return TaskData(meta, {"train": patterns, **splits})

    def build_model(self, recipe: Recipe, meta: MemoryMeta):
        return build_hopfield(recipe.model, meta.stored(), seed=recipe.seed)

    def batches(self, data: TaskData, recipe: Recipe) -> IndexedBatches:
        """The stored patterns as their own probes: nothing trains on them, but a dry run
        shows the shapes of a recall."""
        patterns = data.splits["train"]
        return IndexedBatches(
            [patterns.shape[1]] * len(patterns),
            lambda rows: Batch({"x": patterns[rows]}, patterns[rows], size=len(rows)),
            batch_size=recipe.train.batch_size,
            seed=recipe.seed,
            bucket=False,
        )

    @torch.no_grad()
    def evaluate(
        self, run: Run, probes: Probes, *, max_batches=None, noise=(), capacity=None
    ) -> dict:
        """accuracy and loss at the split's noise; a table per noise level (evaluate --noise);
        with `capacity` units, the capacity experiment's curves and table."""
        levels = dict.fromkeys((probes.noise, *noise))
        scores = {level: _recall_scores(run, probes, level, max_batches) for level in levels}
        rows = [[level, *scores[level].values()] for level in (noise or (probes.noise,))]
        columns = ["noise", "accuracy", "units wrong", "units wrong before", "iterations"]
        details = {"recall by noise": {"columns": columns, "rows": rows}}
        metrics = {key: scores[probes.noise][key] for key in self.spec.metric_names}
        if capacity is None:
            return {**metrics, "details": details}
        counts = len(pattern_counts(capacity))
        with counting(f"capacity at {capacity} units: P", counts) as advance:
            curves = capacity_curves(run.recipe, units=capacity, advance=advance)
        return {**metrics, "details": {**details, **capacity_details(curves)}, "capacity": curves}

    def sample(self, run: Run, step: int) -> str:
        return recall_summary(run)

    def examples_from_file(self, run: Run, path) -> Probes:
        """Another file's patterns (the run's format, one or more) as probes of themselves."""
        vectors = fitting(run, read_patterns(run.recipe.data, path, minimum=1), str(path))
        data = run.recipe.data
        return Probes(vectors, data.noise, data.probes, 2 * run.recipe.seed)

    def generate(self, run: Run, request: Request) -> Generated:
        """The recall, step by step: each iteration's state drawn, with its energy."""
        return Generated(recall_lines(run, request.recall, seed=request.draw.seed))


def _recall_scores(run: Run, probes: Probes, noise: float, max_batches: int | None) -> dict:
    """accuracy, loss (units wrong after recall), units wrong before, and mean iterations that
    changed a probe, over the split's probes at this noise."""
    inputs, targets, generator = probes.draw(noise)
    size = run.recipe.train.batch_size
    starts = range(0, len(inputs), size)[:max_batches]
    finals, iterations = [], []
    for start in starts:
        batch = inputs[start : start + size].to(run.device)
        states = list(run.model.recall(batch, generator=generator))
        finals.append(polarise(states[-1]))
        changes = [(polarise(a) != polarise(b)).any(-1) for a, b in pairwise(states)]
        iterations.append(torch.stack(changes).sum(0) if changes else torch.zeros(len(batch)))
    recalled = torch.cat(finals).cpu()
    seen = len(recalled)
    return {
        **recall_scores(recalled, targets[:seen]),
        "before": units_wrong(inputs[:seen], targets[:seen]).mean().item(),
        "iterations": torch.cat(iterations).float().mean().item(),
    }
