"""Held-out metrics for a language model: loss, perplexity, bits per char, accuracy."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from seqcli.data.batching import evaluation_windows
from seqcli.errors import DataError
from seqcli.models import detach


def language_model_metrics(total_loss: float, correct: int, tokens: int, tokenizer: str) -> dict:
    loss = total_loss / tokens
    metrics = {"loss": loss, "perplexity": math.exp(min(loss, 700)), "accuracy": correct / tokens}
    if tokenizer == "char":
        metrics["bpc"] = loss / math.log(2)
    return metrics


@torch.no_grad()
def evaluate_split(
    run, ids: np.ndarray, *, split: str, max_batches: int | None = None
) -> dict[str, float]:
    """Read the split once as carried windows, summing loss and hits over every token."""
    if len(ids) < 2:
        raise DataError(f"the {split} split is empty; raise data.{split}_fraction")
    train = run.recipe.train
    windows = evaluation_windows(ids, batch_size=train.batch_size, seq_len=train.seq_len)
    run.model.eval()
    total_loss, correct, tokens, state = 0.0, 0, 0, None
    for _ in range(min(len(windows), max_batches or len(windows))):
        batch = next(windows)
        x, y = batch.inputs.to(run.device), batch.targets.to(run.device)
        out = run.model(x, state=state)
        state = detach(out.state)
        logits = out.out.flatten(0, 1)  # (B*T, V)
        total_loss += F.cross_entropy(logits, y.flatten(), reduction="sum").item()
        correct += (logits.argmax(-1) == y.flatten()).sum().item()
        tokens += y.numel()
    return language_model_metrics(total_loss, correct, tokens, run.meta.tokenizer)
