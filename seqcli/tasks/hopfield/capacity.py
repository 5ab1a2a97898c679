"""The capacity experiment: store P random patterns of N units, recall each from a copy with
data.noise of its units flipped, for P = 1 .. 2N, in a classical and a modern network built
with the run's settings. The classical one collapses near 0.138 N patterns (Amit, Gutfreund
& Sompolinsky 1985; Hopfield 1982); the modern one's capacity grows exponentially with N
(Ramsauer et al. 2020), so it holds over the whole range."""

from __future__ import annotations

from collections.abc import Callable

import torch

from seqcli.metrics.memory import (
    CLASSICAL_CAPACITY,
    draws,
    flip,
    overlap,
    pattern_counts,
    random_patterns,
    recalled_share,
)
from seqcli.models.hopfield import KINDS
from seqcli.recipe import Recipe
from seqcli.ui.figures import CapacityFigure

TABLE_ROWS = 20  # the table shows about this many counts; the PNG shows every one


@torch.no_grad()
def capacity_curves(
    recipe: Recipe, *, units: int, advance: Callable[[], None] = lambda: None
) -> CapacityFigure:
    """Recall shares and mean overlaps per P, for every kind of network; seeded by the recipe.
    advance() is called after each P: the experiment grows faster than the square of the
    units (64 units: 11 s on one thread; 1,000 units ran over ten minutes), and a silent one
    looks hung."""
    generator = torch.Generator().manual_seed(recipe.seed)
    counts = tuple(pattern_counts(units))
    recalled: dict[str, list[float]] = {kind: [] for kind in KINDS}
    overlaps: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for count in counts:
        for kind, (share, mean) in _point(recipe, count, units, generator).items():
            recalled[kind].append(share)
            overlaps[kind].append(mean)
        advance()
    noise = recipe.data.noise
    return CapacityFigure(units, noise, counts, recalled, overlaps, CLASSICAL_CAPACITY)


def _point(recipe: Recipe, count: int, units: int, generator) -> dict[str, tuple[float, float]]:
    """(share recalled, mean overlap) per kind over fresh draws of `count` patterns; both kinds
    recall the same patterns from the same probes."""
    shares: dict[str, list[torch.Tensor]] = {kind: [] for kind in KINDS}
    overlaps: dict[str, list[torch.Tensor]] = {kind: [] for kind in KINDS}
    for _ in range(draws(count)):
        patterns = random_patterns(count, units, generator)  # (P, N)
        probes = flip(patterns, recipe.data.noise, generator)
        for kind, network in KINDS.items():
            memory = network(patterns, recipe.model, seed=recipe.seed)
            recalled = memory(probes, generator=generator).out  # (P, N), +1/-1
            shares[kind].append(recalled_share(recalled, patterns))
            overlaps[kind].append(overlap(recalled, patterns))
    return {
        kind: (torch.cat(shares[kind]).mean().item(), torch.cat(overlaps[kind]).mean().item())
        for kind in KINDS
    }


def capacity_details(curves: CapacityFigure) -> dict:
    """A table for seqcli evaluate: every so many P, and the count nearest the classical limit."""
    step = max(1, len(curves.counts) // TABLE_ROWS)
    marked = round(curves.limit * curves.units)
    shown = sorted({1, marked, *curves.counts[step - 1 :: step]} & set(curves.counts))
    kinds = list(curves.recalled)
    columns = ["P", "P / N", *(f"{k} recalled" for k in kinds), *(f"{k} overlap" for k in kinds)]
    rows = [
        [
            count,
            count / curves.units,
            *(curves.recalled[k][count - 1] for k in kinds),
            *(curves.overlap[k][count - 1] for k in kinds),
        ]
        for count in shown
    ]
    title = (
        f"capacity at N = {curves.units} units, {curves.noise:.0%} of each probe flipped "
        f"({curves.limit} N = {marked})"
    )
    return {"capacity": {"title": title, "columns": columns, "rows": rows}}
