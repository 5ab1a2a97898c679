"""Smyl's (2020) initial seasonality for the hybrid forecaster (models/smoothing.py): each
series' seasonal indices at phases 0..m-1 of its rows, learned with the network, where each
window would otherwise start from its own first season, a noisy estimate on a short window."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.distributed as dist
from torch import nn

if TYPE_CHECKING:
    from seqcli.models.smoothing import Composition

SHOWN_PHASES = 12  # a longer season's learned indices are summed up by their range


def normalised(raw: torch.Tensor, composition: Composition, scale: torch.Tensor) -> torch.Tensor:
    """(..., m, V) indices of (..., m, V) values in the network's units, with their mean over
    the season taken out (mean 1, or 0): the level alone then says how high the series is."""
    indices = composition.from_network(raw, scale)  # ratios above zero, or differences
    return composition.apart(indices, indices.mean(-2, keepdim=True))


def phases(start: torch.Tensor, season: int) -> torch.Tensor:
    """(B, m) the phase of each of the first m rows of windows whose first row is row (B,)
    start of its series."""
    return (start[:, None] + torch.arange(season, device=start.device)) % season


class InitialSeason(nn.Module):
    """Each series' seasonal indices at phases 0..m-1 of its rows (Smyl 2020's initial
    seasonality), learned with the network: a window whose first row is row r of its series
    starts from them rotated by r mod m. Kept in the network's units (the log of a ratio, or a
    difference over the data's scale) so a multiplicative index stays above zero, and read
    normalised over the season."""

    started: torch.Tensor  # () bool
    multiplicative: torch.Tensor  # () bool

    def __init__(self, composition: Composition, *, series: int, season: int, values: int):
        super().__init__()
        self.raw = nn.Parameter(torch.zeros(series, season, values))  # (S, m, V)
        # False until the first training batch sets the starting values (as Glow's ActNorm
        # starts from its first batch): the mean at each phase of the windows' own first
        # seasons, the estimate each window makes alone.
        self.register_buffer("started", torch.tensor(False))
        self.register_buffer("multiplicative", torch.tensor(composition.positive))  # inspect
        self.composition = composition

    def forward(
        self, series: torch.Tensor | None, start: torch.Tensor, scale: torch.Tensor
    ) -> torch.Tensor:
        """(B, m, V) each window's first indices; series -1 or None (a series not trained on,
        an exported model): the mean over the series of the values in the network's units."""
        table = torch.cat([self.raw, self.raw.mean(0, keepdim=True)])  # (S + 1, m, V)
        chosen = table[-1:].expand(len(start), -1, -1) if series is None else table[series]
        rows = phases(start, self.raw.shape[1])[..., None].expand(-1, -1, self.raw.shape[2])
        return normalised(chosen.gather(1, rows), self.composition, scale)  # (B, m, V)

    @torch.no_grad()
    def start_from(
        self, own: torch.Tensor, series: torch.Tensor | None, start: torch.Tensor, scale
    ) -> None:
        """Set each series' indices to the mean at each phase of (B, m, V) windows' own first
        seasons; a series with no window here takes every series' mean."""
        count, season, values = self.raw.shape
        number = torch.zeros_like(start) if series is None else series.clamp_min(0)
        where = (number[:, None] * season + phases(start, season)).flatten()  # (B * m,)
        units = self.composition.to_network(own, scale).flatten(0, 1)  # (B * m, V)
        sums = units.new_zeros(count * season, values).index_add_(0, where, units)
        seen = units.new_zeros(count * season, 1).index_add_(
            0, where, units.new_ones(len(where), 1)
        )
        if dist.is_available() and dist.is_initialized():  # torchrun: every rank's first batch
            for total in (sums, seen):
                dist.all_reduce(total)
        sums, seen = sums.view(count, season, values), seen.view(count, season, 1)
        everyone = sums.sum(0) / seen.sum(0).clamp_min(1)  # (m, V)
        self.raw.copy_(torch.where(seen > 0, sums / seen.clamp_min(1), everyone))
        self.started.fill_(True)


def season_text(indices: torch.Tensor) -> str:
    """One series' (m, V) indices from phase 0 on, a value column at a time."""
    columns = indices.T.tolist()  # V x m
    if indices.shape[0] <= SHOWN_PHASES:
        return "; ".join(" ".join(f"{x:.3f}" for x in column) for column in columns)
    return "; ".join(
        f"{min(column):.3f} to {max(column):.3f} over {len(column)} phases" for column in columns
    )
