"""Next-token metrics from summed counts: loss (mean nats per token), perplexity, accuracy and,
for character models, bits per character."""

from __future__ import annotations

import math

MAX_EXPONENT = 700  # e^700 is near float64's limit; a loss past it has no finite perplexity


def token_metrics(total_loss: float, correct: int, tokens: int, *, chars: bool) -> dict:
    """total_loss: summed cross-entropy in nats; correct: argmax hits; over `tokens` tokens."""
    loss = total_loss / tokens
    metrics = {
        "loss": loss,
        "perplexity": math.exp(min(loss, MAX_EXPONENT)),
        "accuracy": correct / tokens,
    }
    if chars:
        metrics["bpc"] = loss / math.log(2)
    return metrics
