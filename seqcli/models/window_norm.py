"""A forecaster's window rescaled into the model's range and its forecasts back out (RevIN),
and the window's spread, the unit of the bands' offsets."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

WINDOW_SD_FLOOR = 0.05  # in scaled units: a flat window is shifted, not blown up by noise


def window_stats(values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, 1, F) mean and standard deviation of each window (RevIN, Kim et al. 2022)."""
    return values.mean(1, keepdim=True), values.std(1, keepdim=True).clamp_min(WINDOW_SD_FLOOR)


def no_window_stats(values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(1, 1, F) zeros and ones: windows pass through as the data scaling left them."""
    ones = values.new_ones(1, 1, values.shape[-1])
    return ones - 1, ones


WINDOW_NORMS = {True: window_stats, False: no_window_stats}


class WindowNorm(nn.Module):
    """Rescale a window into the model's range, and its forecasts back out of it.

    The statistics cover the whole input window. A forecast made after the window's last row
    (evaluation, roll-out) reads only the past; in many_to_many training the earlier positions
    also see the window's later rows through its mean, an easier task than the one evaluated."""

    def __init__(self, enabled: bool, values: int):
        super().__init__()
        self.stats, self.values = WINDOW_NORMS[enabled], values

    def forward(
        self, window: torch.Tensor, series=None, start=None
    ) -> tuple[torch.Tensor, Callable]:
        """The rescaled (B, T, F) window and the function that maps (B, S, V, Q) forecasts
        back; the same statistics for every series and every start."""
        mean, sd = self.stats(window)  # (B, 1, F)
        back_mean = mean[..., : self.values, None]  # (B, 1, V, 1)
        back_sd = sd[..., : self.values, None]
        return (window - mean) / sd, lambda forecast: forecast * back_sd + back_mean

    def ahead(self, window: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        """(B, S, K) rows of the columns known ahead rescaled as the (B, T, F) window's last K
        columns are, to be fed in after it."""
        mean, sd = self.stats(window)  # (B, 1, F)
        known = rows.shape[-1]
        return (rows - mean[..., -known:]) / sd[..., -known:]


def window_spread(window: torch.Tensor, values: int) -> torch.Tensor:
    """(B, 1, V, 1) each (B, T, F) window's standard deviation in scaled units, the unit of the
    band's offsets: a wilder window gets a wider correction, with or without window_norm
    (sunspots' higher test cycles: 80% band 72% -> 75% of the test)."""
    return window_stats(window)[1][..., :values, None]
