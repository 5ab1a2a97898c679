"""Labelled texts as token batches: the vocabulary from the training texts, padded ids, and the
model's outputs for many texts at once, batched by length."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from seqcli.data.labelled import Example, normalise
from seqcli.data.padding import ordered_batches, pad
from seqcli.data.vocab import Vocab, token_ids
from seqcli.engine.contract import Batch, Given, IndexedBatches, StackInput
from seqcli.engine.run import Run
from seqcli.models.pooled import PAD_ID
from seqcli.recipe import Recipe


@dataclass(frozen=True)
class Encoded:
    """A split ready for batching: token ids and targets, beside the examples they came from."""

    tokens: list[list[int]]
    targets: list  # class ids, or (scaled) numbers
    examples: list[Example]

    def __len__(self) -> int:
        return len(self.targets)

    def spread(self, count: int) -> Encoded:
        """count examples evenly spaced over the split: a folder's split is sorted by class,
        so its first examples would all be one or two classes."""
        if count >= len(self):
            return self
        rows = np.linspace(0, len(self) - 1, count).round().astype(int)
        return Encoded(
            *([part[i] for i in rows] for part in (self.tokens, self.targets, self.examples))
        )


def tokenize(text: str, vocab: Vocab) -> list[int]:
    return token_ids(vocab, vocab.tokenize(text))


def text_stack_input(run: Run, given: Given) -> StackInput:
    """One text, normalized as predict reads it, as the classifier's or regressor's input;
    a token outside the vocabulary is read as <unk>, and labelled as written."""
    vocab = run.meta.vocab
    tokens = vocab.tokenize(normalise(given.text, run.recipe.data))
    ids = torch.tensor([token_ids(vocab, tokens)])  # (1, T)
    return StackInput(
        {"tokens": ids, "lengths": torch.tensor([len(tokens)])}, tokens, vocab.tokenizer
    )


def token_batches(train: Encoded, recipe: Recipe, *, dtype: torch.dtype) -> IndexedBatches:
    """Length-bucketed training batches of a split, targets as dtype."""
    return IndexedBatches(
        [len(tokens) for tokens in train.tokens],
        partial(tensors, train, dtype=dtype),
        batch_size=recipe.train.batch_size,
        seed=recipe.seed,
    )


def tensors(encoded: Encoded, rows: np.ndarray, *, dtype: torch.dtype) -> Batch:
    tokens, lengths = pad([encoded.tokens[i] for i in rows], value=PAD_ID)  # (B, T), (B,)
    targets = torch.tensor([encoded.targets[i] for i in rows], dtype=dtype)  # (B,)
    return Batch({"tokens": tokens, "lengths": lengths}, targets, size=len(rows))


@torch.no_grad()
def outputs_of(run: Run, tokens: list[list[int]]) -> torch.Tensor:
    """The model's outputs, (N, K) scores or (N,) numbers, in the input order, batched by
    length to cut padding."""
    was_training = run.model.training
    run.model.eval()
    rows_out = []
    order = ordered_batches([len(t) for t in tokens], batch_size=run.recipe.train.batch_size)
    for rows in order:
        ids, lengths = pad([tokens[i] for i in rows], value=PAD_ID)  # (B, T), (B,)
        rows_out.append(run.model(ids.to(run.device), lengths).out.float().cpu())
    run.model.train(was_training)
    out = torch.cat(rows_out)
    return out[torch.as_tensor(np.argsort(np.concatenate(order)))]  # back in input order
