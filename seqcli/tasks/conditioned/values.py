"""one_to_many with numbers: a condition vector in, a sequence of values out (e.g. a sine
wave from its amplitude and frequency)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from pydantic import Field

from seqcli.data.forms import Form
from seqcli.data.padding import ordered_batches, pad_values
from seqcli.data.vectors import random_split, read_vectors
from seqcli.decoding.autoregress import autoregress
from seqcli.decoding.requests import Generated, Request
from seqcli.engine.contract import Batch, IndexedBatches, TaskData
from seqcli.engine.run import Run
from seqcli.errors import DataError, UsageError
from seqcli.models.conditioned import ConditionedDecoder
from seqcli.recipe import Recipe
from seqcli.recipe.tasks import SPECS


class VectorsForm(Form):
    conditions: list[str] = Field(min_length=1)
    length: int = Field(ge=1)


@dataclass(frozen=True)
class VectorsMeta:
    conditions: tuple[str, ...]  # the condition columns, in order
    length: int  # the longest training sequence: generate's default length

    def to_dict(self) -> dict:
        return {"conditions": list(self.conditions), "length": self.length}

    @classmethod
    def from_dict(cls, data: dict) -> VectorsMeta:
        form = VectorsForm.read(data)
        return cls(tuple(form.conditions), form.length)

    def summary(self) -> list[tuple[str, str]]:
        return [("condition", ", ".join(self.conditions)), ("length", str(self.length))]


class ConditionedValues:
    spec = SPECS["conditioned_values"]
    meta = VectorsMeta

    def prepare(self, recipe: Recipe, meta: VectorsMeta | None = None) -> TaskData:
        data = recipe.data
        splits = random_split(
            read_vectors(data),
            val_fraction=data.val_fraction,
            test_fraction=data.test_fraction,
            seed=recipe.seed,
        )
        if meta is None:
            longest = max(len(e.values) for e in splits["train"])
            meta = VectorsMeta(tuple(data.condition_columns), longest)
        size = len(meta.conditions)
        for example in (e for rows in splits.values() for e in rows):
            if len(example.condition) != size:
                raise DataError(f"{example.where}: expected {size} condition value(s)")
        return TaskData(meta, splits)

    def build_model(self, recipe: Recipe, meta: VectorsMeta) -> ConditionedDecoder:
        return ConditionedDecoder(
            recipe.model, num_tokens=0, num_classes=0, condition_size=len(meta.conditions)
        )

    def collate(self, examples) -> Batch:
        targets = pad_values([e.values for e in examples])  # (B, T)
        inputs = torch.cat([torch.zeros_like(targets[:, :1]), targets[:, :-1]], dim=1)
        lengths = torch.tensor([len(e.values) for e in examples])
        condition = torch.tensor([e.condition for e in examples], dtype=torch.float32)
        batch = {"condition": condition, "inputs": inputs, "lengths": lengths}
        return Batch(batch, targets, int(lengths.sum()))

    def batches(self, data: TaskData, recipe: Recipe) -> IndexedBatches:
        train = data.splits["train"]
        return IndexedBatches(
            [len(e.values) for e in train],
            lambda rows: self.collate([train[i] for i in rows]),
            batch_size=recipe.train.batch_size,
            seed=recipe.seed,
        )

    @torch.no_grad()
    def evaluate(self, run: Run, examples, *, max_batches: int | None = None) -> dict[str, float]:
        """Teacher-forced MSE (the training loss) and the MAE of a free roll-out."""
        run.model.eval()
        squared = 0.0
        absolute = 0.0
        count = 0
        batches = ordered_batches([len(e.values) for e in examples], batch_size=256)
        for rows in batches[:max_batches]:
            batch = self.collate([examples[i] for i in rows]).to(run.device)
            out = run.model(**batch.inputs).out  # (B, T)
            mask = torch.arange(out.shape[1], device=out.device) < batch.inputs["lengths"][:, None]
            squared += ((out - batch.targets)[mask] ** 2).sum().item()
            rolled = roll_out(run, batch.inputs["condition"], out.shape[1])
            absolute += (rolled - batch.targets)[mask].abs().sum().item()
            count += int(mask.sum())
        return {"loss": squared / count, "mae": absolute / count}

    def examples_from_file(self, run: Run, path):
        return read_vectors(run.recipe.data.model_copy(update={"path": path}))

    def sample(self, run: Run, step: int) -> str | None:
        return None

    def generate(self, run: Run, request: Request) -> Generated:
        """--condition "a,b" -> the generated values, comma-separated on one line."""
        condition = _parse_condition(request.condition, run.meta.conditions)
        values = roll_out(run, condition.to(run.device), request.length or run.meta.length)
        return Generated([",".join(f"{v:.6g}" for v in values[0].tolist()) + "\n"])


def roll_out(run: Run, condition: torch.Tensor, length: int) -> torch.Tensor:
    """(B, length) values, each step reading the previous prediction."""
    model = run.model.eval()

    def step(value, state):
        out = model(condition, value, state=state)  # values (B, 1)
        return out.out[:, -1:], out.state

    first = torch.zeros(condition.shape[0], 1, device=condition.device)
    picks = autoregress(step, first, steps=length, pick=lambda value: value)
    return torch.cat([picked.token for picked in picks], dim=1)


def _parse_condition(text: str | None, names: tuple[str, ...]) -> torch.Tensor:
    if text is None:
        raise UsageError(f"give --condition with {len(names)} number(s): {', '.join(names)}")
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        raise UsageError(f"--condition {text}: expected numbers separated by commas") from None
    if len(numbers) != len(names):
        raise UsageError(
            f"--condition {text}: expected {len(names)} number(s) ({', '.join(names)})"
        )
    return torch.tensor([numbers])
