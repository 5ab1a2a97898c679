"""Associative-memory arithmetic: noisy probes and how close a recall came."""

from __future__ import annotations

import torch


def flip(patterns: torch.Tensor, share: float, generator: torch.Generator) -> torch.Tensor:
    """Each row (B, N) with round(share * N) of its units, picked at random, negated."""
    rows, units = patterns.shape
    picked = torch.rand(rows, units, generator=generator).argsort(dim=1)[:, : round(share * units)]
    signs = torch.ones(rows, units).scatter_(1, picked, -1.0)
    return patterns * signs


def units_wrong(states: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The share of each row's units that differ from the target's (B,)."""
    return (states != targets).float().mean(-1)


def overlap(states: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """m = s . x / N per row (B,): 1 for the pattern itself, -1 for its negative, ~0 unrelated."""
    return (states * targets).mean(-1)


def recall_scores(states: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
    """accuracy: the share of rows recalled exactly; loss: the share of units recalled wrong."""
    wrong = units_wrong(states, targets)
    return {"accuracy": (wrong == 0).float().mean().item(), "loss": wrong.mean().item()}


def random_patterns(count: int, units: int, generator: torch.Generator) -> torch.Tensor:
    """count x units independent fair +1/-1 values."""
    return torch.randint(0, 2, (count, units), generator=generator).float() * 2 - 1
