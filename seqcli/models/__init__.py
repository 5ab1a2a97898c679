"""Models for every task; each answers forward(..., *, targets) -> Output(out, loss, state)."""

from __future__ import annotations

from torch import nn

from seqcli.models.language_model import Output
from seqcli.models.state import detach

__all__ = ["Output", "count_parameters", "detach"]


def count_parameters(model: nn.Module) -> int:
    """Distinct parameters: a tied matrix counts once."""
    return sum(p.numel() for p in model.parameters())
