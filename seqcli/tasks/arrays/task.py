"""Tasks over sequences of numbers (data.format arrays): what they share (ArrayTask), and a
class per sequence (many_to_one) or a label per step (many_to_many), both scored by loss,
accuracy and macro F1. A number per sequence is regressor.py's."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import torch
import torch.nn.functional as F

from seqcli.data.arrays import TARGETS, Arrays, padded, parse_steps, read_arrays
from seqcli.data.labelled import stratified_split
from seqcli.data.vectors import random_split
from seqcli.engine.contract import Given, Meta, StackInput, TaskData
from seqcli.engine.run import Run
from seqcli.errors import DataError
from seqcli.metrics.classification import (
    accuracy,
    classification_details,
    confusion_matrix,
    macro_f1,
)
from seqcli.models.arrays import ArrayClassifier, ArrayTagger
from seqcli.models.tagger import IGNORE
from seqcli.recipe import Recipe
from seqcli.recipe.tasks import SPECS
from seqcli.tasks.arrays.examples import (
    ArraysMeta,
    Encoded,
    build_meta,
    encode,
    outputs_of,
    scaled,
    training_batches,
)


@dataclass(frozen=True)
class Row:
    """An example as the stratified split reads it: its label, and where it is for messages."""

    index: int
    label: str
    where: str


def split_rows(arrays: Arrays, config, seed: int, *, stratified: bool) -> dict[str, list[int]]:
    """Row indices per split: per class for a label per sequence, else at random."""
    fractions = {"val_fraction": config.val_fraction, "test_fraction": config.test_fraction}
    if not stratified:
        return random_split(list(range(len(arrays))), **fractions, seed=seed)
    rows = [Row(i, label, f"{arrays.source}: y") for i, label in enumerate(arrays.y)]
    # stratified_split reads each item's label and place, and hands the same items back
    picked = cast(dict[str, list[Row]], stratified_split(rows, **fractions, seed=seed))
    return {name: [row.index for row in split] for name, split in picked.items()}


class ArrayTask:
    """What every arrays task shares: reading, splitting, batching, predicting and gates.
    Each task says what y holds (target), builds its meta, encodes a split, scores it and
    turns a model output into a prediction row."""

    target: str  # data/arrays.py's TARGETS: a label per sequence, per step, or a number

    def read(self, path: Path, *, labelled: bool = True) -> Arrays:
        return read_arrays(Path(path), target=self.target if labelled else None)

    def prepare(self, recipe: Recipe, meta: Meta | None = None) -> TaskData:
        config = recipe.data
        arrays = self.read(config.path)
        rows = split_rows(arrays, config, recipe.seed, stratified=self.target == "class")
        splits = {name: arrays.take(indices) for name, indices in rows.items()}
        meta = meta or self.build_meta(splits["train"], config.scaling)
        return TaskData(meta, {name: self.encode(split, meta) for name, split in splits.items()})

    def batches(self, data: TaskData, recipe: Recipe):
        return training_batches(data.splits["train"], recipe)

    def examples_from_file(self, run: Run, path: Path) -> Encoded:
        """Another .npz, read with the run's training scaling (and labels, or target scale)."""
        return self.encode(self.read(path), run.meta)

    def sample(self, run: Run, step: int) -> str | None:
        return None  # answers for validation sequences say less than the metrics beside them

    def predict(self, run: Run, lines: list[str]) -> list[dict]:
        """Each line one sequence: steps apart, a step's features comma-separated."""
        sequences = [
            parse_steps(line, features=run.meta.features, source=f"input line {number}")
            for number, line in enumerate(lines, start=1)
        ]
        return self._predicted(run, padded(sequences))

    def predict_file(self, run: Run, path: Path) -> list[dict]:
        """Every sequence of an .npz, numbered from 0 as x holds them; its y is not read."""
        return self._predicted(run, self.read(path, labelled=False))

    def stack_input(self, run: Run, given: Given) -> StackInput:
        """One sequence (steps apart, features comma-separated), scaled as in training."""
        rows = parse_steps(given.text, features=run.meta.features, source=given.source)
        values = torch.from_numpy(run.meta.scaler.apply(rows))[None]  # (1, T, F)
        steps = [",".join(f"{value:.6g}" for value in row) for row in rows]
        inputs = {"values": values, "lengths": torch.tensor([len(rows)])}
        return StackInput(inputs, steps, "values")

    def _predicted(self, run: Run, arrays: Arrays) -> list[dict]:
        per_step = TARGETS[self.target].per_step
        shape = arrays.x.shape[:2] if per_step else arrays.x.shape[:1]
        unlabelled = Encoded(
            scaled(arrays, run.meta),
            torch.from_numpy(arrays.lengths),
            torch.full(shape, IGNORE, dtype=torch.long),
        )
        outputs = outputs_of(run, unlabelled)  # (N, [T,] K) or (N,)
        lengths = arrays.lengths.tolist()
        return [
            self.row(number, output[:length] if per_step else output, run.meta)
            for number, (output, length) in enumerate(zip(outputs, lengths, strict=True))
        ]


class LabelTask(ArrayTask):
    """A class per sequence or a label per step: cross-entropy, accuracy, macro F1."""

    model_class: type
    meta = ArraysMeta

    def build_meta(self, train: Arrays, scaling: str) -> ArraysMeta:
        return build_meta(train, scaling)

    def encode(self, arrays: Arrays, meta: ArraysMeta) -> Encoded:
        return encode(arrays, meta)

    def build_model(self, recipe: Recipe, meta: ArraysMeta):
        return self.model_class(recipe.model, features=meta.features, num_classes=len(meta.labels))

    def evaluate(self, run: Run, examples: Encoded, *, max_batches: int | None = None) -> dict:
        """Loss, accuracy and macro F1 over the sequences (or the labelled steps), with the
        per-class scores, the confusion matrix and the majority-class baseline."""
        if not len(examples):
            raise DataError("nothing to evaluate: the split is empty; raise data.val_fraction")
        if max_batches is not None:
            examples = examples.spread(max_batches * run.recipe.train.batch_size)
        scores = outputs_of(run, examples)  # (N, K) or (N, T, K)
        known = examples.targets != IGNORE  # (N,) or (N, T)
        scores, targets = scores[known], examples.targets[known]  # (M, K), (M,)
        matrix = confusion_matrix(targets, scores.argmax(1), classes=len(run.meta.labels))
        return {
            "loss": F.cross_entropy(scores, targets).item(),
            "accuracy": accuracy(matrix),
            "macro_f1": macro_f1(matrix),
            "details": classification_details(matrix, run.meta.labels),
        }


class ArrayClassifierTask(LabelTask):
    spec = SPECS["array_classifier"]
    target = "class"
    model_class = ArrayClassifier

    @staticmethod
    def row(number: int, scores: torch.Tensor, meta: ArraysMeta) -> dict:
        probabilities = torch.softmax(scores, dim=-1)  # (K,)
        best = int(probabilities.argmax())
        return {
            "example": number,
            "label": meta.labels[best],
            "probability": round(probabilities[best].item(), 6),
        }

    def prediction_lines(self, rows: list[dict]) -> Iterator[str]:
        """example<TAB>label<TAB>probability, the example numbered from 0 as in the file."""
        for row in rows:
            yield f"{row['example']}\t{row['label']}\t{row['probability']:.4f}"


class ArrayTaggerTask(LabelTask):
    spec = SPECS["array_tagger"]
    target = "step"
    model_class = ArrayTagger

    @staticmethod
    def row(number: int, scores: torch.Tensor, meta: ArraysMeta) -> dict:
        """scores: (T, K) over the example's real steps."""
        return {"example": number, "labels": [meta.labels[i] for i in scores.argmax(-1).tolist()]}

    def prediction_lines(self, rows: list[dict]) -> Iterator[str]:
        """example<TAB>the labels of its steps, space-separated."""
        for row in rows:
            yield f"{row['example']}\t{' '.join(row['labels'])}"
