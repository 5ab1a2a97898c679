"""Pretrained token embeddings: copied into a new model's tables, and held fixed while the
recipe's model.freeze_embeddings says so.

A task names its token tables with the optional hook HasTokenTables (engine/contract.py),
the tokens in id order; one file feeds every table it names (a translator's source and
target alike), each aligned to its own vocabulary."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from seqcli.data.word_vectors import Aligned, read_vectors
from seqcli.engine.contract import HasTokenTables

if TYPE_CHECKING:  # for annotations: engine/run.py imports this module
    from seqcli.engine.run import Run

WHAT = "model.pretrained_embeddings"


def token_tables(run: Run) -> dict[str, tuple[nn.Embedding, tuple[str, ...]]]:
    """The run's token embedding tables by name; none for a task that reads no tokens."""
    return run.task.token_embeddings(run) if isinstance(run.task, HasTokenTables) else {}


def load_pretrained(run: Run) -> tuple[dict, ...]:
    """Copy the recipe's word vectors into the run's token tables; what each table found,
    as plain data (a record per table) for the train output and the checkpoint."""
    path = getattr(run.recipe.model, "pretrained_embeddings", None)
    tables = token_tables(run)
    if path is None or not tables:
        return ()
    every = {token for _, tokens in tables.values() for token in tokens}
    dim = next(iter(tables.values()))[0].embedding_dim
    vectors = read_vectors(path, every, dim=dim, what=WHAT)
    return tuple(
        _copied(name, embed, vectors.align(tokens)) for name, (embed, tokens) in tables.items()
    )


def _copied(name: str, embed: nn.Embedding, aligned: Aligned) -> dict:
    # The padding row stays zero: nn.Embedding never trains it and padded steps read it.
    found = [
        (index, row)
        for index, row in enumerate(aligned.rows)
        if row is not None and index != embed.padding_idx
    ]
    if found:
        weight = embed.weight
        rows = torch.from_numpy(np.stack([row for _, row in found]))
        with torch.no_grad():
            weight[[index for index, _ in found]] = rows.to(weight.device, weight.dtype)
    return {
        "table": name,
        "tokens": len(aligned.rows),
        "found": aligned.exact + aligned.folded,
        "by_lowercase": aligned.folded,
    }


class Freeze:
    """Keeps the token tables fixed for the recipe's first N steps (all of them with true).

    Their gradients are dropped before the optimizer step, so no optimizer moves them (Adam's
    weight decay included) and their moments start when they do; the rule reads the step
    alone, so a resumed run freezes and thaws where an unbroken one would."""

    def __init__(self, run: Run):
        freeze = getattr(run.recipe.model, "freeze_embeddings", False)
        self.until = math.inf if freeze is True else int(freeze)
        self.weights = [embed.weight for embed, _ in token_tables(run).values()]

    def hold(self, step: int) -> None:
        """Before the optimizer's step number `step` (0-based): drop the tables' gradients
        while they are frozen."""
        if step < self.until:
            for weight in self.weights:
                weight.grad = None
