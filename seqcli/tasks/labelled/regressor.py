"""The text regressor: many_to_one over a `table` whose label column holds numbers
(data.label_type number): a number per text, such as a review's rating or a text's
readability score. Targets are standardized with the training split's mean and deviation;
metrics are in the data's units."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from seqcli.data.folds import recipe_split
from seqcli.data.labelled import Example, normalise, number_labels, read_table, text_vocab
from seqcli.data.scaling import TargetScale, TargetScaleForm
from seqcli.data.vocab import Vocab, VocabForm
from seqcli.engine.contract import IndexedBatches, TaskData
from seqcli.engine.run import Run
from seqcli.errors import DataError, UsageError
from seqcli.metrics.regression import mean_baseline_table, regression_errors
from seqcli.models.pooled import Regressor
from seqcli.recipe import Recipe
from seqcli.recipe.tasks import SPECS
from seqcli.tasks.labelled.text import (
    Encoded,
    outputs_of,
    text_stack_input,
    token_batches,
    tokenize,
)


class RegressorForm(TargetScaleForm):
    vocab: VocabForm


@dataclass(frozen=True)
class RegressorMeta:
    vocab: Vocab
    target: TargetScale

    def to_dict(self) -> dict:
        return {"vocab": self.vocab.to_dict(), **self.target.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> RegressorMeta:
        form = RegressorForm.read(data)
        return cls(Vocab.from_form(form.vocab), TargetScale.of(form))

    def summary(self) -> list[tuple[str, str]]:
        return [*self.vocab.summary(), self.target.summary()]

    def values(self, scaled: np.ndarray) -> np.ndarray:
        return self.target.values(scaled)


def build_meta(config, train: list[Example]) -> RegressorMeta:
    """Vocabulary and target scaling from the training split only."""
    targets = np.asarray(number_labels(train))
    return RegressorMeta(text_vocab(config, train), TargetScale.fit(targets))


def encode(examples: list[Example], meta: RegressorMeta) -> Encoded:
    targets = meta.target.apply(np.asarray(number_labels(examples)))
    tokens = [tokenize(example.text, meta.vocab) for example in examples]
    return Encoded(tokens, targets.tolist(), examples)


class RegressorTask:
    spec = SPECS["regressor"]
    meta = RegressorMeta

    def prepare(self, recipe: Recipe, meta: RegressorMeta | None = None) -> TaskData:
        config = recipe.data
        examples = read_table(config)
        if len(examples) < 2:
            raise DataError(f"{config.path}: {len(examples)} example(s); a regressor needs more")
        splits = recipe_split(examples, recipe, stratified=False)
        meta = meta or build_meta(config, splits["train"])
        return TaskData(meta, {name: encode(split, meta) for name, split in splits.items()})

    def build_model(self, recipe: Recipe, meta: RegressorMeta) -> Regressor:
        return Regressor(recipe.model, num_tokens=len(meta.vocab))

    def token_embeddings(self, run: Run) -> dict:
        return {"tokens": (run.model.embed, run.meta.vocab.tokens)}

    def batches(self, data: TaskData, recipe: Recipe) -> IndexedBatches:
        return token_batches(data.splits["train"], recipe, dtype=torch.float32)

    def evaluate(self, run: Run, examples: Encoded, *, max_batches: int | None = None) -> dict:
        """Loss (MSE of the standardized targets, as in training), then MSE, MAE and R² in
        the data's units beside the training mean's."""
        if not len(examples):
            raise DataError("nothing to evaluate: the split is empty; raise data.val_fraction")
        if max_batches is not None:
            examples = examples.spread(max_batches * run.recipe.train.batch_size)
        scaled = outputs_of(run, examples.tokens)  # (N,)
        loss = F.mse_loss(scaled, torch.tensor(examples.targets, dtype=torch.float32))
        meta = run.meta
        actual = meta.values(np.asarray(examples.targets, dtype=np.float64))
        predicted = meta.values(scaled.double().numpy())
        details = mean_baseline_table(actual, predicted, meta.target.mean)
        return {"loss": loss.item(), **regression_errors(actual, predicted), "details": details}

    def sample(self, run: Run, step: int) -> str | None:
        return None  # a number per validation text says less than the metrics beside it

    def predict(self, run: Run, lines: list[str]) -> list[dict]:
        """One row per line: the predicted number, in the data's units."""
        texts = [normalise(line, run.recipe.data) for line in lines]
        for number, text in enumerate(texts, start=1):
            if not text:
                raise UsageError(f"input line {number} is empty; a regressor needs some text")
        scaled = outputs_of(run, [tokenize(text, run.meta.vocab) for text in texts])  # (N,)
        values = run.meta.values(scaled.double().numpy())
        return [{"text": t, "value": float(v)} for t, v in zip(texts, values, strict=True)]

    def prediction_lines(self, rows: list[dict]) -> Iterator[str]:
        """value<TAB>text, so the output sorts and cuts like a TSV."""
        for row in rows:
            yield f"{row['value']:.6g}\t{row['text']}"

    def stack_input(self, run: Run, given):
        return text_stack_input(run, given)

    def examples_from_file(self, run: Run, path: Path) -> Encoded:
        """Another table in the run's layout, scaled as the run's training targets were."""
        examples = read_table(run.recipe.data.model_copy(update={"path": Path(path)}))
        if not examples:
            raise DataError(f"{path}: no examples")
        return encode(examples, run.meta)
