"""The classifier: many_to_one over `table` or `folder` data, one class per text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import torch
import torch.nn.functional as F
from pydantic import Field, model_validator

from seqcli.data.folds import recipe_split
from seqcli.data.forms import Form
from seqcli.data.labelled import (
    READERS,
    Example,
    normalise,
    text_vocab,
)
from seqcli.data.quality import checked_examples, held_out_files, leaked, warn_leaks
from seqcli.data.vocab import Vocab, VocabForm
from seqcli.engine.contract import IndexedBatches, TaskData
from seqcli.engine.run import Run
from seqcli.errors import DataError, UsageError
from seqcli.metrics.classification import (
    accuracy,
    classification_details,
    confusion_matrix,
    macro_f1,
)
from seqcli.models.pooled import Classifier
from seqcli.recipe import Recipe
from seqcli.recipe.tasks import SPECS
from seqcli.tasks.labelled.text import (
    Encoded,
    outputs_of,
    text_stack_input,
    token_batches,
    tokenize,
)


class ClassifierForm(Form):
    labels: list[str]
    vocab: VocabForm
    weights: list[Annotated[float, Field(gt=0)]] | None
    quality: dict[str, Annotated[int, Field(ge=0)]] = {}

    @model_validator(mode="after")
    def _a_weight_per_label(self) -> ClassifierForm:
        if self.weights is not None and len(self.weights) != len(self.labels):
            raise ValueError(f"weights: {len(self.weights)} for {len(self.labels)} labels")
        return self


@dataclass(frozen=True)
class ClassifierMeta:
    labels: tuple[str, ...]  # a label's class id is its position
    vocab: Vocab
    class_weights: tuple[float, ...] | None  # loss weight per class id; None: all 1
    quality: dict[str, int] = field(default_factory=dict)  # seqcli.data.quality's counts

    def to_dict(self) -> dict:
        weights = None if self.class_weights is None else list(self.class_weights)
        return {
            "labels": list(self.labels),
            "vocab": self.vocab.to_dict(),
            "weights": weights,
            "quality": dict(self.quality),
        }

    @classmethod
    def from_dict(cls, data: dict) -> ClassifierMeta:
        form = ClassifierForm.read(data)
        weights = None if form.weights is None else tuple(form.weights)
        return cls(tuple(form.labels), Vocab.from_form(form.vocab), weights, form.quality)

    def summary(self) -> list[tuple[str, str]]:
        labels = self.labels
        shown = ", ".join(labels[:8]) + (f", ... ({len(labels)})" if len(labels) > 8 else "")
        weights = "none" if self.class_weights is None else "in the loss"
        rows = [("classes", shown), *self.vocab.summary(), ("class weights", weights)]
        if self.quality:  # checkpoints written before the counts were kept have none
            counts = ", ".join(
                f"{n:,} {name.replace('_', ' ')}" for name, n in self.quality.items()
            )
            rows.append(("data quality", counts))
        return rows


def encode(examples: list[Example], meta: ClassifierMeta) -> Encoded:
    """Ids for every example; a label the run never saw names the example's line."""
    index = {label: i for i, label in enumerate(meta.labels)}
    for example in examples:
        if example.label not in index:
            raise DataError(
                f"{example.where}: label '{example.label}' is not one the model knows "
                f"({', '.join(meta.labels)})"
            )
    tokens = [tokenize(example.text, meta.vocab) for example in examples]
    return Encoded(tokens, [index[example.label] for example in examples], examples)


def balanced_weights(counts: Counter, labels: Sequence[str]) -> tuple[float, ...]:
    """n / (k * count), as scikit-learn's class_weight="balanced"."""
    total = sum(counts.values())
    return tuple(total / (len(labels) * counts[label]) for label in labels)


def given_weights(weights: dict[str, float], labels: Sequence[str]) -> tuple[float, ...]:
    unknown = sorted(set(weights) - set(labels))
    if unknown:
        raise DataError(
            f"data.class_weights: no class {', '.join(map(repr, unknown))} in the data "
            f"(classes: {', '.join(labels)})"
        )
    return tuple(float(weights.get(label, 1.0)) for label in labels)


def class_weights(setting, train: list[Example], labels: Sequence[str]):
    if setting is None:
        return None
    if setting == "balanced":
        return balanced_weights(Counter(example.label for example in train), labels)
    return given_weights(setting, labels)


def build_meta(config, train: list[Example], quality: dict[str, int]) -> ClassifierMeta:
    """Labels and vocabulary from the training split only, so held-out text stays unseen."""
    labels = tuple(sorted({example.label for example in train}))
    weights = class_weights(config.class_weights, train, labels)
    return ClassifierMeta(labels, text_vocab(config, train), weights, quality)


def checked_splits(recipe: Recipe) -> tuple[dict[str, list[Example]], dict[str, int]]:
    """The stratified splits of the data file, with what seqcli.data.quality found in it and
    in the held-out files: the held-out files themselves are read into the run later."""
    config = recipe.data
    examples, quality = checked_examples(config)
    splits = recipe_split(examples, recipe, stratified=True)
    leaks = leaked(splits["train"], {**splits, **held_out_files(config)})
    warn_leaks(leaks)
    return splits, {**quality, "leaked": len(leaks)}


class ClassifierTask:
    spec = SPECS["classifier"]
    meta = ClassifierMeta

    def prepare(self, recipe: Recipe, meta: ClassifierMeta | None = None) -> TaskData:
        splits, quality = checked_splits(recipe)
        meta = meta or build_meta(recipe.data, splits["train"], quality)
        return TaskData(meta, {name: encode(split, meta) for name, split in splits.items()})

    def build_model(self, recipe: Recipe, meta: ClassifierMeta) -> Classifier:
        return Classifier(
            recipe.model,
            num_tokens=len(meta.vocab),
            num_classes=len(meta.labels),
            class_weights=meta.class_weights,
        )

    def token_embeddings(self, run: Run) -> dict:
        return {"tokens": (run.model.embed, run.meta.vocab.tokens)}

    def batches(self, data: TaskData, recipe: Recipe) -> IndexedBatches:
        return token_batches(data.splits["train"], recipe, dtype=torch.long)

    def evaluate(self, run: Run, examples: Encoded, *, max_batches: int | None = None) -> dict:
        """Loss (class-weighted, as in training), accuracy, macro F1 and the per-class details.
        A cap takes examples spread over the split, not its shortest ones nor one class."""
        if not len(examples):
            raise DataError("nothing to evaluate: the split is empty; raise data.val_fraction")
        if max_batches is not None:
            examples = examples.spread(max_batches * run.recipe.train.batch_size)
        logits = outputs_of(run, examples.tokens)  # (N, K)
        targets = torch.tensor(examples.targets)  # (N,)
        weights = run.model.class_weights
        loss = F.cross_entropy(logits, targets, weight=None if weights is None else weights.cpu())
        matrix = confusion_matrix(targets, logits.argmax(1), classes=len(run.meta.labels))
        return {
            "loss": loss.item(),
            "accuracy": accuracy(matrix),
            "macro_f1": macro_f1(matrix),
            "details": classification_details(matrix, run.meta.labels),
        }

    def sample(self, run: Run, step: int) -> str | None:
        return None  # a label per validation text says less than the metrics beside it

    def predict(self, run: Run, lines: list[str], *, top_k: int = 1) -> list[dict]:
        """One row per line: the likeliest label and its probability, plus the top k if k > 1."""
        texts = [normalise(line, run.recipe.data) for line in lines]
        for number, text in enumerate(texts, start=1):
            if not text:
                raise UsageError(f"input line {number} is empty; a classifier needs some text")
        tokens = [tokenize(text, run.meta.vocab) for text in texts]
        probabilities = torch.softmax(outputs_of(run, tokens), dim=1)  # (N, K)
        labels = run.meta.labels
        return [
            prediction_row(text, p, labels, top_k)
            for text, p in zip(texts, probabilities, strict=True)
        ]

    def prediction_lines(self, rows: list[dict]) -> Iterator[str]:
        """label<TAB>probability<TAB>text, so the output sorts and cuts like a TSV."""
        for row in rows:
            yield f"{row['label']}\t{row['probability']:.4f}\t{row['text']}"

    def stack_input(self, run: Run, given):
        return text_stack_input(run, given)

    def examples_from_file(self, run: Run, path: Path) -> Encoded:
        """Another file in the run's data format, read with the run's columns and vocabulary."""
        config = run.recipe.data.model_copy(update={"path": Path(path)})
        examples = READERS[config.format](config)
        if not examples:
            raise DataError(f"{path}: no examples")
        return encode(examples, run.meta)


def prediction_row(text: str, probabilities: torch.Tensor, labels, top_k: int) -> dict:
    values, ids = probabilities.topk(min(top_k, len(labels)))
    row = {"text": text, "label": labels[int(ids[0])], "probability": round(values[0].item(), 6)}
    if top_k > 1:
        row["top"] = [
            {"label": labels[i], "probability": round(v, 6)}
            for v, i in zip(values.tolist(), ids.tolist(), strict=True)
        ]
    return row
