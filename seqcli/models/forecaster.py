"""Forecasters: real-valued rows (values, then covariates) -> fused recurrent stack -> head.

Both read (B, T, F) scaled rows whose first V columns are the forecast values, and answer
forward(values, *, targets=None) -> Output(predictions, loss, None) and
forecast(values, steps) -> (B, steps, V, Q): Q outputs per value, the quantiles of
model.quantiles or one point forecast."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn

from seqcli.models.cells import make_stack
from seqcli.models.language_model import Output
from seqcli.models.paths import paths_for, rows_per_window
from seqcli.models.stack import top_state
from seqcli.models.window_norm import WindowNorm, window_spread
from seqcli.recipe.model import ForecasterConfig


def masked_mse(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """MSE of (..., V, 1) point forecasts over the known (..., V) targets: NaN marks a target
    past the end of its split."""
    known = ~targets.isnan()
    return F.mse_loss(predictions[..., 0][known], targets[known])


class PinballLoss:
    """Mean pinball loss of (..., V, Q) quantile forecasts over the known (..., V) targets:
    q (y - f) under the forecast's level, (1 - q)(f - y) over it (Koenker & Bassett 1978)."""

    def __init__(self, levels: tuple[float, ...]):
        self.levels = torch.tensor(levels)  # (Q,)

    def __call__(self, predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        known = ~targets.isnan()
        under = targets[known][:, None] - predictions[known]  # (K, Q)
        levels = self.levels.to(under)
        return torch.maximum(levels * under, (levels - 1) * under).mean()


def loss_of(config: ForecasterConfig) -> Callable:
    return PinballLoss(config.quantiles) if config.quantiles else masked_mse


def ordered(quantiles: torch.Tensor) -> torch.Tensor:
    """(..., Q) quantiles sorted, so no two cross (rearrangement, Chernozhukov et al. 2010)."""
    return quantiles.sort(dim=-1).values


ROLLOUT_CHUNK = 1024  # forecast steps handed on at once by rollout


class ConformalBand(nn.Module):
    """Offsets each quantile moves by, per step ahead, in units of the window's spread; the
    task fits them on the validation split (model.calibrate). Zeros: the raw bands."""

    def __init__(self, horizon: int, values: int, levels: int, *, window_norm: bool):
        super().__init__()
        self.register_buffer("offsets_per_sd", torch.zeros(horizon, values, levels))  # (H, V, Q)
        self.values, self.window_norm = values, window_norm

    def forward(self, forecast: torch.Tensor, window: torch.Tensor, first: int = 0) -> torch.Tensor:
        """(B, S, V, Q) forecasts of steps first+1.. of the (B, T, F) windows moved; steps past
        the horizon a roll-out reaches take the last step's offsets."""
        offsets = self.offsets_per_sd
        steps = torch.arange(first, first + forecast.shape[1], device=forecast.device)
        moved = offsets[steps.clamp_max(len(offsets) - 1)]  # (S, V, Q)
        return ordered(forecast + moved * window_spread(window, self.values))

    @contextmanager
    def holding(self, offsets: torch.Tensor | None = None):
        """These (H, V, Q) offsets for a while (None: zeros, the raw bands), then its own."""
        stored = self.offsets_per_sd.clone()
        held = torch.zeros_like(stored) if offsets is None else offsets
        self.offsets_per_sd.copy_(held.to(stored))
        try:
            yield
        finally:
            self.offsets_per_sd.copy_(stored)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # Runs saved before calibration existed keep their bands as trained; so do runs whose
        # offsets were in the data scaling's units (band.offsets without window_norm), which
        # no window's spread converts. With window_norm that unit was the window's spread.
        old = state_dict.pop(prefix + "offsets", None)
        kept = (
            old if old is not None and self.window_norm else torch.zeros_like(self.offsets_per_sd)
        )
        state_dict.setdefault(prefix + "offsets_per_sd", kept)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


class DirectForecaster(nn.Module):
    """many_to_one: read the lookback window, emit all horizon steps at once."""

    rows_per_window = 1  # a forecast is one row through the network

    def __init__(
        self,
        config: ForecasterConfig,
        *,
        features: int,
        values: int,
        horizon: int,
        future: int = 0,
        norm: nn.Module | None = None,
    ):
        super().__init__()
        self.shape = (horizon, values, len(config.levels))  # (S, V, Q)
        self.horizon, self.directions = horizon, config.directions
        # norm: what the network's windows and forecasts are relative to (models/smoothing.py)
        self.norm = norm or WindowNorm(config.window_norm, values)
        self.rnn = make_stack(config, input_size=features)
        self.drop = nn.Dropout(config.dropout)
        # The head also reads the columns known ahead for every step of the horizon.
        self.head = nn.Linear(self.rnn.output_size + horizon * future, math.prod(self.shape))
        # The untrained model forecasts what the norm (or the corrected baseline) alone does.
        if norm is not None or config.residual_of is not None:
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)
        self.band = ConformalBand(*self.shape, window_norm=config.window_norm)
        self.loss = loss_of(config)
        self.correction_weight, self.point = config.correction_weight, config.point

    def forward(
        self,
        values: torch.Tensor,
        *,
        series: torch.Tensor | None = None,
        baseline: torch.Tensor | None = None,
        future: torch.Tensor | None = None,
        start: torch.Tensor | None = None,
        targets: torch.Tensor | None = None,
    ) -> Output:
        """series: (B,) the series of each window, for the norm's per-series parts;
        baseline: (B, S, V) the forecast a residual model corrects, in scaled units;
        future: (B, S, K) the columns known ahead over the horizon, in scaled units;
        start: (B,) each window's first row in its series, for a learned initial season."""
        window, restore = self.norm(values, series, start)  # (B, T, F)
        _, state = self.rnn(window)
        summary = self.drop(top_state(state, self.directions))  # (B, D*H)
        if future is not None:
            summary = torch.cat([summary, future[:, : self.horizon].flatten(1)], -1)
        scaled = self.head(summary).unflatten(-1, self.shape)  # (B, S, V, Q)
        predictions = restore(scaled)
        if baseline is not None:  # the output is a correction, in the window's own scale
            correction = predictions - restore(torch.zeros_like(scaled))  # (B, S, V, Q)
            predictions = baseline[..., None] + correction - self.withheld(correction)
        loss = None if targets is None else self.loss(predictions, targets)
        return Output(predictions, loss, None)

    def withheld(self, correction: torch.Tensor) -> torch.Tensor:
        """(B, S, V, 1) what the forecast leaves out of the correction: training learns all of
        it, and the forecast keeps model.correction_weight of the median's (with 0.5, the mean
        of the network's and the baseline's forecasts, M4's combination). Every quantile moves
        by the same amount, so the band follows its median with its width kept."""
        # The median of the ordered outputs: what the forecast reports, crossing or not.
        median = ordered(correction)[..., self.point : self.point + 1]  # (B, S, V, 1)
        if self.training or self.correction_weight == 1:
            return torch.zeros_like(median)
        return (1 - self.correction_weight) * median

    def forecast(
        self, values: torch.Tensor, steps: int, series=None, baseline=None, future=None, start=None
    ):
        """(B, steps, V, Q) for steps up to the trained horizon."""
        assert steps <= self.horizon, "the task checks the horizon before asking"
        given = {"series": series, "baseline": baseline, "future": future, "start": start}
        return self.band(ordered(self(values, **given).out[:, :steps]), values)

    def rollout(
        self, values: torch.Tensor, steps: int, series=None, baseline=None, future=None, start=None
    ):
        """The forecast as chunks of (B, <= ROLLOUT_CHUNK, V, Q); the horizon is short, so
        one."""
        yield self.forecast(values, steps, series, baseline, future, start)


class AutoregressiveForecaster(nn.Module):
    """many_to_many: predict row t+1 from rows up to t at every position; roll out by
    feeding each forecast back in as the next row's values."""

    def __init__(
        self, config: ForecasterConfig, *, features: int, values: int, horizon: int, future: int = 0
    ):
        super().__init__()
        self.values, self.features = values, features
        self.future = future  # the last input columns, known ahead
        self.outputs, self.point = (values, len(config.levels)), config.point  # (V, Q)
        self.norm = WindowNorm(config.window_norm, values)
        self.rnn = make_stack(config, input_size=features)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, math.prod(self.outputs))
        self.levels = config.levels
        self.rows_per_window = rows_per_window(config.levels)
        self.band = ConformalBand(horizon, *self.outputs, window_norm=config.window_norm)
        self.loss = loss_of(config)

    def forward(
        self,
        values: torch.Tensor,
        *,
        series=None,
        future=None,
        start=None,
        targets: torch.Tensor | None = None,
    ) -> Output:
        """series, start: unread, every series is forecast alike; future: unread, each window
        row already carries the next row's columns known ahead."""
        window, restore = self.norm(values)  # (B, T, F)
        h, _ = self.rnn(window)  # (B, T, H)
        scaled = self.head(self.drop(h)).unflatten(-1, self.outputs)  # (B, T, V, Q)
        predictions = restore(scaled)  # row t+1 predicted at t
        loss = None if targets is None else self.loss(predictions, targets)
        return Output(predictions, loss, None)

    def forecast(
        self, values: torch.Tensor, steps: int, series=None, baseline=None, future=None, start=None
    ):
        """(B, steps, V, Q); past the first step only the columns known ahead are, so the task
        only asks for more than one step when every covariate is one of them."""
        rolled = self.rollout(values, steps, future=future)
        return torch.cat(list(rolled), dim=1)  # (B, steps, V, Q)

    def rollout(
        self, values: torch.Tensor, steps: int, series=None, baseline=None, future=None, start=None
    ) -> Iterator[torch.Tensor]:
        """The forecast as chunks of (B, <= ROLLOUT_CHUNK, V, Q), the point forecast fed back
        in as it is made: a horizon of any length takes the memory of one chunk. A quantile
        head's later steps take their spread from sample paths (models/paths.py)."""
        known = self.values + (self.future if future is not None else 0)
        assert steps == 1 or self.features == known, "covariates end with the data"
        window, restore = self.norm(values)  # (B, T, F)
        ahead = None if future is None else self.norm.ahead(values, future)  # (B, S, K)
        h, state = self.rnn(window)  # (B, T, H)
        step = self._quantiles(h[:, -1:])  # (B, 1, V, Q)
        paths = paths_for(step, state, self.levels, self.point)
        chunk, done = [step], 0
        for step_number in range(1, steps):
            if len(chunk) == ROLLOUT_CHUNK:
                yield self.band(restore(torch.cat(chunk, dim=1)), values, done)
                chunk, done = [], done + len(chunk)
            # Fed back in the window's own scale: the rows it was rescaled with.
            feed = self._feeding(ahead, step_number)
            step, state = feed(step[..., self.point], state)  # (B, 1, V, Q)
            chunk.append(paths.around(step, feed))
        yield self.band(restore(torch.cat(chunk, dim=1)), values, done)  # (B, <=CHUNK, V, Q)

    def _quantiles(self, h: torch.Tensor) -> torch.Tensor:
        """(B, S, V, Q) ordered outputs of (B, S, H) hidden states."""
        return ordered(self.head(h).unflatten(-1, self.outputs))

    def _next(self, row: torch.Tensor, state: tuple) -> tuple[torch.Tensor, tuple]:
        """The next step's quantiles after the (B, 1, F) row, and the state after it."""
        h, state = self.rnn(row, state)  # (B, 1, H)
        return self._quantiles(h), state

    def _feeding(self, ahead: torch.Tensor | None, step: int) -> Callable:
        """_next for a (B', 1, V) row of values: with the columns known ahead of the row after
        it joined on (B' may be B x the sample paths, each origin's paths together)."""
        if ahead is None:
            return self._next
        known = ahead[:, step : step + 1]  # (B, 1, K)

        def feed(row: torch.Tensor, state: tuple) -> tuple[torch.Tensor, tuple]:
            joined = known.repeat_interleave(row.shape[0] // known.shape[0], dim=0)
            return self._next(torch.cat([row, joined], -1), state)

        return feed
