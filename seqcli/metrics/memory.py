"""Associative-memory arithmetic: noisy probes, how close a recall came, and the counts of the
capacity experiment."""

from __future__ import annotations

import math

import torch

# Capacity: a pattern counts as recalled when the network settles with at most this share of
# its units wrong. Below the classical limit of 0.138 N patterns the retrieval states keep
# under 2% wrong (Amit, Gutfreund & Sompolinsky 1985); past it recall lands on spurious
# states about half wrong, so the count does not hinge on the exact tolerance.
RECALL_TOLERANCE = 0.05
CLASSICAL_CAPACITY = 0.138  # patterns per unit (Amit et al. 1985; Hopfield 1982 saw ~0.15)
MIN_RECALLS = 100  # capacity: fresh draws of P patterns until this many recalls count


SORTED = 1 << 20  # keys per argsort: a few milliseconds


def flip(patterns: torch.Tensor, share: float, generator: torch.Generator) -> torch.Tensor:
    """Each row (B, N) with round(share * N) of its units, picked at random, negated."""
    rows, units = patterns.shape
    keys = torch.rand(rows, units, generator=generator)
    # Sorted a few rows at a time: one argsort of a large batch held Ctrl-C off for seconds.
    parts = keys.split(max(1, SORTED // units))
    picked = torch.cat([part.argsort(dim=1)[:, : round(share * units)] for part in parts])
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


def pattern_counts(units: int) -> range:
    """The capacity experiment's P: from 1 to twice the units."""
    return range(1, 2 * units + 1)


def draws(count: int) -> int:
    """Draws of `count` patterns that give at least MIN_RECALLS recalls: small counts repeat,
    so each point of the curve rests on as many recalls."""
    return math.ceil(MIN_RECALLS / count)


def recalled_share(states: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """1 for each row that settled within RECALL_TOLERANCE of its target, else 0 (B,)."""
    return (units_wrong(states, targets) <= RECALL_TOLERANCE).float()
