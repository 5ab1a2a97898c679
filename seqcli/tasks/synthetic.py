"""The adding problem and copy memory as seqcli tasks: data generated on the fly."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

from seqcli.data.forms import Form
from seqcli.data.synthetic import DELIMITER, MEMORY, SYMBOLS, make_batch
from seqcli.engine.contract import Batch, Given, IndexedBatches, StackInput, TaskData
from seqcli.engine.run import Run
from seqcli.errors import UsageError
from seqcli.metrics.long_range import memoryless_adding_mse, memoryless_copy_loss
from seqcli.models.long_range import LastStateRegressor, SymbolTagger
from seqcli.recipe import Recipe
from seqcli.recipe.tasks import SPECS

# Validation and test sets do not move with the recipe seed, so runs with different seeds
# (compare-cells' --seeds) are scored on the very same examples.
HELD_OUT_SEED = 0
ADDING_FEATURES = 2  # value, marker


class SyntheticForm(Form):
    task: Literal["adding", "copy"]
    length: int = Field(ge=1)


@dataclass(frozen=True)
class SyntheticMeta:
    task: str
    length: int

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SyntheticMeta:
        return cls(**SyntheticForm.read(data).model_dump())

    def summary(self) -> list[tuple[str, str]]:
        return [("synthetic task / T", f"{self.task} / {self.length}")]


@dataclass(frozen=True)
class Generated:
    """A fixed held-out set, generated once."""

    inputs: torch.Tensor
    targets: torch.Tensor

    def __len__(self) -> int:
        return len(self.inputs)


class SyntheticTask:
    """What adding and copy share: generated splits, fixed held-out sets, no files."""

    name: str
    meta = SyntheticMeta

    def prepare(self, recipe: Recipe, meta: SyntheticMeta | None = None) -> TaskData:
        data = recipe.data
        meta = meta or SyntheticMeta(data.task, data.length)
        sizes = {"val": data.val_examples, "test": data.test_examples}
        splits: dict[str, range | Generated] = {"train": range(data.train_examples)}
        for split, size in sizes.items():
            x, y = make_batch(
                self.name, range(size), length=meta.length, seed=HELD_OUT_SEED, split=split
            )
            splits[split] = Generated(x, y)
        return TaskData(meta, splits)

    def batches(self, data: TaskData, recipe: Recipe) -> IndexedBatches:
        """Shuffled example indices, each example generated from its index: resumable from
        the index order's small state with nothing stored."""
        config, seed = recipe.data, recipe.seed

        def collate(indices) -> Batch:
            x, y = make_batch(self.name, indices, length=config.length, seed=seed, split="train")
            return Batch({"x": x}, y, size=len(indices))

        return IndexedBatches(
            [config.length] * config.train_examples,
            collate,
            batch_size=recipe.train.batch_size,
            seed=seed,
            bucket=False,
        )

    @torch.no_grad()
    def outputs(self, run: Run, examples: Generated, max_batches: int | None):
        """(inputs, targets, model outputs) per evaluation batch, on the run's device."""
        run.model.eval()
        size = run.recipe.train.batch_size
        starts = range(0, len(examples), size)[:max_batches]
        for start in starts:
            x = examples.inputs[start : start + size].to(run.device)
            y = examples.targets[start : start + size].to(run.device)
            yield x, y, run.model(x).out

    def examples_from_file(self, run: Run, path):
        raise UsageError(
            f"{path}: {self.name} data is generated, not read; evaluate uses its test split"
        )


class AddingTask(SyntheticTask):
    name = "adding"
    spec = SPECS["adding"]

    def build_model(self, recipe: Recipe, meta: SyntheticMeta) -> nn.Module:
        return LastStateRegressor(recipe.model, input_size=ADDING_FEATURES)

    def evaluate(self, run: Run, examples, *, max_batches=None) -> dict:
        squared, count = 0.0, 0
        for _, y, value in self.outputs(run, examples, max_batches):
            squared += F.mse_loss(value, y, reduction="sum").item()
            count += len(y)
        mse = squared / count
        rows = [["always 1 (remembers nothing)", memoryless_adding_mse()], ["this model", mse]]
        details = {"baseline": {"columns": ["predictor", "mse"], "rows": rows}}
        return {"loss": mse, "mse": mse, "details": details}

    def sample(self, run: Run, step: int) -> str:
        x, y = _first(run, self)
        marked = x[0, x[0, :, 1] > 0, 0].tolist()
        return f"{marked[0]:.3f} + {marked[1]:.3f} = {y.item():.3f}; model: {_value(run, x):.3f}"

    def predict(self, run: Run, lines: list[str]) -> list[dict]:
        """Each line: numbers separated by spaces, the two to add starred (0.2 *0.5 0.1 *0.7)."""
        rows = []
        for number, line in enumerate(lines, 1):
            x = parse_adding_line(line, number)  # (1, T, 2)
            truth = (x[0, :, 0] * x[0, :, 1]).sum().item()
            rows.append({"input": line, "sum": truth, "prediction": _value(run, x)})
        return rows

    def prediction_lines(self, rows: list[dict]):
        for row in rows:
            yield f"{row['prediction']:.4f}\t(true sum {row['sum']:.4f})\t{row['input']}"

    def stack_input(self, run: Run, given: Given) -> StackInput:
        """The whole input as one sequence of numbers, read as predict reads a line."""
        words = given.text.split()
        return StackInput({"x": parse_adding_line(" ".join(words), 1)}, words, "values")


class CopyTask(SyntheticTask):
    name = "copy"
    spec = SPECS["copy"]

    def build_model(self, recipe: Recipe, meta: SyntheticMeta) -> nn.Module:
        return SymbolTagger(recipe.model, num_symbols=SYMBOLS)

    def evaluate(self, run: Run, examples, *, max_batches=None) -> dict:
        total = 0.0
        steps = 0
        hits = 0
        recalled = 0
        for _, y, logits in self.outputs(run, examples, max_batches):
            total += F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="sum").item()
            steps += y.numel()
            # The blanks are free; only the last MEMORY outputs show whether anything was kept.
            hits += (logits[:, -MEMORY:].argmax(-1) == y[:, -MEMORY:]).sum().item()
            recalled += y[:, -MEMORY:].numel()
        loss, accuracy = total / steps, hits / recalled
        rows = [
            [
                "memoryless (blanks, then a guess)",
                memoryless_copy_loss(run.meta.length, MEMORY),
                1 / 8,
            ],
            ["this model", loss, accuracy],
        ]
        details = {"baseline": {"columns": ["predictor", "loss", "last10_accuracy"], "rows": rows}}
        return {"loss": loss, "last10_accuracy": accuracy, "details": details}

    def sample(self, run: Run, step: int) -> str:
        x, _ = _first(run, self)
        return f"remember {_digits(x[0, :MEMORY])}; recalled {_recall(run, x)}"

    def predict(self, run: Run, lines: list[str]) -> list[dict]:
        """Each line: ten digits from 1 to 8 (spaces ignored) for the model to recall."""
        rows = []
        for number, line in enumerate(lines, 1):
            x = copy_input(line, number, length=run.meta.length)  # (1, T+20)
            rows.append({"input": line.strip(), "recalled": _recall(run, x)})
        return rows

    def prediction_lines(self, rows: list[dict]):
        for row in rows:
            yield f"{row['recalled']}\t{row['input']}"

    def stack_input(self, run: Run, given: Given) -> StackInput:
        """Ten digits as predict reads them, then the blanks and delimiters after them: every
        step of one example, labelled by its symbol (0 blank, 9 delimiter)."""
        x = copy_input(" ".join(given.text.split()), 1, length=run.meta.length)  # (1, T+20)
        return StackInput({"x": x}, [str(symbol) for symbol in x[0].tolist()], "values")


def _first(run: Run, task: SyntheticTask) -> tuple[torch.Tensor, torch.Tensor]:
    return make_batch(task.name, [0], length=run.meta.length, seed=HELD_OUT_SEED, split="val")


@torch.no_grad()
def _value(run: Run, x: torch.Tensor) -> float:
    run.model.eval()
    return run.model(x.to(run.device)).out.item()


@torch.no_grad()
def _recall(run: Run, x: torch.Tensor) -> str:
    run.model.eval()
    logits = run.model(x.to(run.device)).out  # (1, T+20, S)
    return _digits(logits[0, -MEMORY:].argmax(-1))


def _digits(ids: torch.Tensor) -> str:
    return "".join(str(int(i)) for i in ids)


def parse_adding_line(line: str, number: int) -> torch.Tensor:
    rows = []
    for word in line.split():
        marked = word.startswith("*")
        try:
            rows.append((float(word.removeprefix("*")), float(marked)))
        except ValueError:
            raise UsageError(f"line {number}: '{word}' is not a number (or *number)") from None
    if len(rows) < 2:
        raise UsageError(f"line {number}: give at least two numbers, e.g. 0.2 *0.5 0.1 *0.7")
    return torch.tensor([rows], dtype=torch.float32)


def copy_input(line: str, number: int, *, length: int) -> torch.Tensor:
    digits = line.replace(" ", "").strip()
    if len(digits) != MEMORY or not all(c in "12345678" for c in digits):
        raise UsageError(f"line {number}: '{line.strip()}' is not ten digits from 1 to 8")
    ids = [int(c) for c in digits] + [0] * (length - 1) + [DELIMITER] * (MEMORY + 1)
    return torch.tensor([ids])
