"""Next-token metrics from summed counts: loss (mean nats per token), perplexity, accuracy and
bits per character (of the text the tokens cover, so any tokenizer compares)."""

from __future__ import annotations

import math

MAX_EXPONENT = 700  # e^700 is near float64's limit; a loss past it has no finite perplexity


def token_metrics(total_loss: float, correct: int, tokens: int, *, chars: int | None) -> dict:
    """total_loss: summed cross-entropy in nats; correct: argmax hits; over `tokens` tokens
    that cover `chars` characters of text (None: no bits per character)."""
    loss = total_loss / tokens
    metrics = {
        "loss": loss,
        "perplexity": math.exp(min(loss, MAX_EXPONENT)),
        "accuracy": correct / tokens,
    }
    if chars:
        metrics["bpc"] = total_loss / (chars * math.log(2))
    return metrics
