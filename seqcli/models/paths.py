"""Bands of a rolled-out quantile forecaster, read from sample paths as DeepAR's are (Salinas
et al. 2020): each path draws its next value from the quantiles of the step before and feeds
it back, so the spread at step h holds the uncertainty of the h - 1 values before it, which
feeding back the median alone leaves out (sunspots' 80% band held 65% of the test, not 80%)."""

from __future__ import annotations

from collections.abc import Callable

import torch

# Per origin: 200 read the bands 2-4% closer to what 3000 do, but once calibrated covered the
# same share of the test (sunspots, airline; three seeds) at twice the cost.
PATHS = 100
SEED = 0  # the same draws for every origin and every call: a forecast is reproducible

Predict = Callable[[torch.Tensor, tuple], tuple[torch.Tensor, tuple]]


def inverse_cdf(quantiles: torch.Tensor, levels: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """(..., Q) ordered quantiles at `levels` and (...) uniform draws -> (...) values: the
    quantile function drawn straight between the levels and carried on along its first and
    last pieces beyond them."""
    piece = torch.searchsorted(levels, u.contiguous()).clamp(1, len(levels) - 1)
    below, above = levels[piece - 1], levels[piece]
    low = quantiles.gather(-1, (piece - 1).unsqueeze(-1)).squeeze(-1)
    high = quantiles.gather(-1, piece.unsqueeze(-1)).squeeze(-1)
    return low + (u - below) / (above - below) * (high - low)


class SamplePaths:
    """PATHS paths per origin, started from the first step's quantiles and the state after the
    window; `spread` advances them a step and reads the quantiles of their draws."""

    def __init__(self, first: torch.Tensor, state: tuple, levels: tuple[float, ...], point: int):
        self.origins, self.point = first.shape[0], point
        self.levels = torch.tensor(levels, device=first.device, dtype=first.dtype)
        self.generator = torch.Generator().manual_seed(SEED)
        self.state = tuple(part.repeat_interleave(PATHS, dim=1) for part in state)  # (L, BN, H)
        self.draw = self._draw(first.repeat_interleave(PATHS, dim=0))  # (BN, 1, V)

    def _draw(self, quantiles: torch.Tensor) -> torch.Tensor:
        """(BN, 1, V, Q) -> (BN, 1, V); path n of every origin takes the same uniform draw."""
        u = torch.rand((PATHS, 1, quantiles.shape[2]), generator=self.generator)
        u = u.to(quantiles).repeat(self.origins, 1, 1)
        return inverse_cdf(quantiles, self.levels, u)

    def around(self, step: torch.Tensor, predict: Predict) -> torch.Tensor:
        """(B, 1, V, Q) the median path's step with the spread of the paths' draws around their
        own median: the point forecast stays the median path's (fed back without noise, it
        scored 12% lower MAE on airline than the paths' median)."""
        quantiles, self.state = predict(self.draw, self.state)
        self.draw = self._draw(quantiles)
        draws = self.draw.unflatten(0, (self.origins, PATHS))  # (B, N, 1, V)
        read = torch.quantile(draws, self.levels, dim=1).movedim(0, -1)  # (B, 1, V, Q)
        centre = self.point
        return step[..., centre : centre + 1] + read - read[..., centre : centre + 1]


class NoPaths:
    """A point forecaster's roll-out: its one output per step is the forecast."""

    def around(self, step: torch.Tensor, predict: Predict) -> torch.Tensor:
        return step


def rows_per_window(levels: tuple[float, ...]) -> int:
    """The rows a window's roll-out runs: its median path and, with quantiles, the sample
    paths."""
    return 1 + PATHS if len(levels) > 1 else 1


def paths_for(first: torch.Tensor, state: tuple, levels: tuple[float, ...], point: int):
    return SamplePaths(first, state, levels, point) if len(levels) > 1 else NoPaths()
