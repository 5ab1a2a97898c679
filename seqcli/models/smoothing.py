"""Exponential smoothing in front of a forecaster's network (Smyl 2020, ES-RNN, the M4 winner):
per-series Holt-Winters level and seasonality whose smoothing coefficients are learned with the
network; the network reads the window with both taken out and forecasts the remainder, which
is put back together with the last level and the season's next indices.

The recursion (Smyl 2020, eq. 1; Hyndman & Athanasopoulos, FPP 8.3 without a trend), with
`apart` a division (multiplicative) or a subtraction (additive):
    l_t = alpha * apart(y_t, s_{t-m}) + (1 - alpha) * l_{t-1}
    s_t = gamma * apart(y_t, l_t) + (1 - gamma) * s_{t-m}
Windows start at any phase of the season. By default the first season of each window
initialises it (s_i = apart(y_i, mean of the first m), l = that mean); with
model.initial_season: learned, each series has its own m starting indices, one per phase, learned
with the network as in Smyl's paper (models/initial_season.py): a window starting at phase k
reads them rotated by k as the season before it, l = the mean of its first season with them
taken out, and the recursion runs from its first row."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from seqcli.models.initial_season import InitialSeason, normalised, season_text

FLOOR = 1e-6  # in units of the data's scale: a multiplicative window's zero is not log(0)
START = 0.3  # both coefficients start here: a level that follows the data, not each value


@dataclass(frozen=True)
class Composition:
    """How a component is taken out of the values and put back, and the network's units for
    what is left: log of a ratio (multiplicative), a difference in data scales (additive)."""

    apart: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    together: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    to_network: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (remainder, scale)
    from_network: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    positive: bool  # the values must stay above zero: they are divided by and logged


COMPOSITIONS = {
    "multiplicative": Composition(
        torch.div, torch.mul, lambda rest, scale: rest.log(), lambda out, scale: out.exp(), True
    ),
    "additive": Composition(
        torch.sub,
        torch.add,
        lambda rest, scale: rest / scale,
        lambda out, scale: out * scale,
        False,
    ),
}


def own_season(y: torch.Tensor, season: int, kind: str) -> torch.Tensor:
    """(B, m, V) the first season of (B, T, V) windows with its mean taken out."""
    first = y[:, :season]
    return COMPOSITIONS[kind].apart(first, first.mean(1, keepdim=True))


def smooth(
    y: torch.Tensor,
    alpha: torch.Tensor,
    gamma: torch.Tensor,
    season: int | None,
    kind: str,
    first: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, V) last level and (B, T, V) seasonal index of each row of (B, T, V) windows, given
    (B, V) coefficients and the (B, m, V) indices of each window's first season (None: its
    own); no season: the index is the identity of the composition."""
    apart = COMPOSITIONS[kind].apart
    if season is None:  # simple exponential smoothing: the level alone
        level = y[:, 0]
        for t in range(1, y.shape[1]):
            level = alpha * y[:, t] + (1 - alpha) * level
        return level, apart(y, y)  # (B, T, V) ones or zeros
    # Given indices are the season's before the window, so its first season is smoothed too;
    # its own first season is not (it is where they came from).
    offset = 0 if first is None else season
    level = y[:, :season].mean(1)  # (B, V)
    if first is None:
        first = own_season(y, season, kind)  # (B, m, V)
    else:  # the first season's mean with the given indices taken out (with its own: the mean)
        level = apart(y[:, :season], first).mean(1)
    indices = list(first.unbind(1))  # m x (B, V), then one per row smoothed
    for t in range(season - offset, y.shape[1]):
        before = indices[t + offset - season]  # the index one season earlier
        level = alpha * apart(y[:, t], before) + (1 - alpha) * level
        indices.append(gamma * apart(y[:, t], level) + (1 - gamma) * before)
    return level, torch.stack(indices[offset:], 1)


def ahead(indices: torch.Tensor, season: int | None, steps: int) -> torch.Tensor:
    """(B, steps, V) the seasonal index of each step after the window: the last season's
    indices repeated."""
    if season is None:
        return indices[:, -1:].expand(-1, steps, -1)
    last = indices[:, -season:]  # (B, m, V)
    return last[:, torch.arange(steps, device=indices.device) % season]


class Smoothing(nn.Module):
    """A window's level and season taken out for the network and put back on its forecast;
    the coefficients are per series (row `series` of a (S, V) table), squashed into (0, 1)."""

    center: torch.Tensor  # (V,) the data scaling's, to read windows in data units
    scale: torch.Tensor  # (V,)

    def __init__(
        self,
        kind: str,
        *,
        series: int,
        season: int | None,
        center: tuple[float, ...],
        scale: tuple[float, ...],
        learned_season: bool = False,
    ):
        super().__init__()
        start = math.log(START / (1 - START))
        values = len(center)
        self.alpha_logit = nn.Parameter(torch.full((series, values), start))  # (S, V)
        self.gamma_logit = nn.Parameter(torch.full((series, values), start))  # (S, V)
        self.register_buffer("center", torch.tensor(center, dtype=torch.float32))  # (V,)
        self.register_buffer("scale", torch.tensor(scale, dtype=torch.float32))  # (V,)
        self.kind = kind
        self.season, self.values = season, values
        learned = learned_season and season is not None
        self.initial = (
            InitialSeason(COMPOSITIONS[kind], series=series, season=season, values=values)
            if learned
            else None
        )

    def coefficients(self, series: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, V) alpha and gamma of each window's series; -1 or None (a series not trained
        on, an exported model): the mean of the series' logits."""
        pairs = []
        for logits in (self.alpha_logit, self.gamma_logit):
            table = torch.cat([logits, logits.mean(0, keepdim=True)])  # (S + 1, V)
            chosen = table[-1:] if series is None else table[series.clamp_min(-1)]
            pairs.append(torch.sigmoid(chosen))
        return pairs[0], pairs[1]

    def first_season(
        self, y: torch.Tensor, series: torch.Tensor | None, start: torch.Tensor | None
    ) -> torch.Tensor | None:
        """(B, m, V) the learned indices each (B, T, V) window starts from; None (its own first
        season) without them, or where a window's row in its series is unknown, or before the
        first training batch has set them."""
        initial = self.initial
        if initial is None or start is None or not (initial.started or self.training):
            return None
        if not initial.started:
            initial.start_from(own_season(y, self.season, self.kind), series, start, self.scale)
        return initial(series, start, self.scale)

    def forward(
        self,
        window: torch.Tensor,
        series: torch.Tensor | None = None,
        start: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, Callable]:
        """The (B, T, F) scaled window with level and season taken out of its values, in the
        network's units, and the function that puts them back on (B, S, V, Q) forecasts;
        start: (B,) each window's first row, counted from its series' first row."""
        composition, V = COMPOSITIONS[self.kind], self.values
        y = window[..., :V] * self.scale + self.center  # (B, T, V) data units
        y = y.clamp_min(FLOOR * self.scale) if composition.positive else y
        alpha, gamma = self.coefficients(series)
        first = self.first_season(y, series, start)  # (B, m, V) | None
        level, indices = smooth(y, alpha, gamma, self.season, self.kind, first)
        base = composition.together(level[:, None], indices)  # (B, T, V)
        rest = composition.to_network(composition.apart(y, base), self.scale)
        normal = torch.cat([rest, window[..., V:]], dim=-1)  # (B, T, F)

        def restore(forecast: torch.Tensor) -> torch.Tensor:
            index = ahead(indices, self.season, forecast.shape[1])  # (B, S, V)
            base = composition.together(level[:, None], index)[..., None]  # (B, S, V, 1)
            out = composition.together(
                base, composition.from_network(forecast, self.scale[:, None])
            )
            return (out - self.center[:, None]) / self.scale[:, None]  # (B, S, V, Q) scaled

        return normal, restore


def coefficient_rows(weights: dict, names: list[str]) -> list[tuple[str, str]]:
    """`seqcli inspect` rows: each series' smoothing coefficients, squashed as the model reads
    them (gamma is unread when the smoothing follows no season), and its learned initial
    seasonal indices, normalised as the model reads them (data units when additive)."""
    found = [key for key in weights if key.endswith("alpha_logit")]
    rows = []
    for key in found:
        alpha = torch.sigmoid(weights[key].float())  # (S, V)
        gamma = torch.sigmoid(weights[key.replace("alpha", "gamma")].float())
        seasons = learned_indices(weights, key.removesuffix("alpha_logit"))  # (S, m, V) | None
        for number, (a, g) in enumerate(zip(alpha.tolist(), gamma.tolist(), strict=True)):
            name = names[number] if number < len(names) else str(number)
            named = f", {name}" if name else ""
            shown = ", ".join(f"{x:.3f} / {y:.3f}" for x, y in zip(a, g, strict=True))
            rows.append((f"smoothing alpha / gamma{named}", shown))
            if seasons is not None:
                rows.append((f"initial season{named}", season_text(seasons[number])))
    return rows


def learned_indices(weights: dict, prefix: str) -> torch.Tensor | None:
    """(S, m, V) the learned initial indices stored under the smoothing's prefix, if any."""
    raw = weights.get(prefix + "initial.raw")
    if raw is None:
        return None
    kind = "multiplicative" if weights[prefix + "initial.multiplicative"] else "additive"
    return normalised(raw.float(), COMPOSITIONS[kind], weights[prefix + "scale"].float())
