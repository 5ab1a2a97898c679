"""K direct forecasters trained side by side from different initial weights, forecasting
their median (train.ensemble): on small series the members' errors differ more than their
skill, and the median keeps what they agree on (M4's winners ensembled; N-BEATS, 180 members).

The members see the same batches in the same order: they differ in their starting weights and
dropout draws, not in the data they are shown (a cheaper ensemble than K separate runs)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from seqcli.models.forecaster import ConformalBand, DirectForecaster, ordered
from seqcli.models.language_model import Output


def median(made: torch.Tensor) -> torch.Tensor:
    """(K, ...) -> (...): the middle member, or the mean of the middle two (by sorting: ONNX
    has no quantile)."""
    ranked = made.sort(dim=0).values
    count = len(made)
    return (ranked[(count - 1) // 2] + ranked[count // 2]) / 2


class Ensemble(nn.Module):
    """Members with one forward contract; the band is the ensemble's, fitted on its median."""

    rows_per_window = 1

    def __init__(self, members: list[DirectForecaster]):
        super().__init__()
        first = members[0]
        self.members = nn.ModuleList(members)
        self.horizon = first.horizon
        self.band = ConformalBand(*first.shape, window_norm=first.band.window_norm)
        self.chosen: int | None = None  # a member forecasting alone (evaluate scores each)

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
        members = self.members if self.chosen is None else [self.members[self.chosen]]
        given = {
            "series": series,
            "baseline": baseline,
            "future": future,
            "start": start,
            "targets": targets,
        }
        outs = [member(values, **given) for member in members]
        made = torch.stack([out.out for out in outs])  # (K, B, S, V, Q)
        # Each member's gradient comes from its own loss alone: they train independently.
        loss = None if targets is None else torch.stack([out.loss for out in outs]).mean()
        return Output(median(made), loss, None)

    def forecast(
        self, values: torch.Tensor, steps: int, series=None, baseline=None, future=None, start=None
    ):
        """(B, steps, V, Q): the members' median, each quantile on its own, then the band."""
        given = {"series": series, "baseline": baseline, "future": future, "start": start}
        return self.band(ordered(self(values, **given).out[:, :steps]), values)

    def rollout(
        self, values: torch.Tensor, steps: int, series=None, baseline=None, future=None, start=None
    ):
        yield self.forecast(values, steps, series, baseline, future, start)

    @contextmanager
    def alone(self, member: int) -> Iterator[None]:
        """Forecast with one member only for a while."""
        self.chosen = member
        try:
            yield
        finally:
            self.chosen = None
