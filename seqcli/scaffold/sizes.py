"""Sizes scaled to the data: a small model for a small file, so the first run neither
memorises it nor takes long; and the training keys every task shares."""

from __future__ import annotations

import math

from seqcli.scaffold.draft import Draft

# (fewer examples than this, hidden units): larger models only when there is data to fill them.
HIDDEN = ((2_000, 32), (50_000, 64), (math.inf, 128))
BATCHES = ((1_000, 16), (100_000, 32), (math.inf, 64))


def hidden_size(count: int) -> int:
    return next(size for limit, size in HIDDEN if count < limit)


def batch_size(count: int) -> int:
    return next(size for limit, size in BATCHES if count < limit)


def per_epoch(count: int, batch: int, val_fraction: float) -> int:
    """Optimizer steps in one pass over the training split."""
    return max(1, math.ceil(count * (1 - val_fraction) / batch))


def add_model(draft: Draft, count: int, *, unit: str, embedding: bool = True) -> None:
    """The recurrent core every guess starts from; the task adds its own keys after."""
    hidden = hidden_size(count)
    draft.add("model", "cell", "lstm", "the usual first choice; gru is a little faster on CPU")
    draft.add("model", "layers", 1, "one layer first; add a second when validation stalls")
    draft.add("model", "hidden_size", hidden, f"scaled to {count:,} {unit}: larger memorises")
    if embedding:
        draft.add("model", "embedding_size", min(hidden, 64), "the width of a token's vector")


def add_training(
    draft: Draft, *, batch: int, steps: int, every: int, monitor: str, why: str = ""
) -> None:
    """Adam, a clipped gradient, and a validation about as often as the data warrants."""
    draft.add("train", "batch_size", batch, "examples per step")
    draft.add("train", "steps", steps, "a first run; raise it while validation still improves")
    draft.add("train", "optimizer", "adam", "forgiving of the learning rate")
    draft.add("train", "lr", 3.0e-3, "Adam's usual range for a small recurrent model")
    draft.add("train", "clip_norm", 1.0, "recurrent gradients can spike; clipping tames them")
    draft.add("train", "eval_every", every, "steps between validations (and best.pt updates)")
    draft.add("train", "monitor", monitor, why or MONITOR_WHY[monitor])


MONITOR_WHY = {
    "accuracy": "classes are about balanced, so accuracy picks best.pt",
    "macro_f1": "classes are unbalanced: accuracy would hide a model that misses the rare ones",
    "mae": "in the label's units: how far off a prediction is, on average",
    "mase": "the mean over the horizon, in units of the naive forecast's error in training",
    "bleu": "best.pt is the checkpoint that translates best, not the lowest loss",
    "exact_match": "the whole output right or wrong: the score that matters for codes",
    "loss": "the validation loss picks best.pt",
}


def steps_for(count: int, batch: int, val_fraction: float, *, epochs: int) -> tuple[int, int]:
    """(steps, eval_every): about `epochs` passes, validated about twice a pass."""
    epoch = per_epoch(count, batch, val_fraction)
    steps = min(max(epochs * epoch, 200), 20_000)
    return steps, max(1, min(epoch // 2 or 1, 500))
