"""A residual forecaster's baseline (model.residual_of): which one it corrects, and that
baseline's forecast from each origin, in the model's scaled units, as one of its inputs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from seqcli.data.forecast_data import SeriesMeta, SeriesSplit
from seqcli.errors import RecipeError
from seqcli.metrics.baselines import BASELINES, Past
from seqcli.recipe import Recipe


def past_of(split: SeriesSplit, config) -> Past:
    """What the baselines may read of a split's file: each series up to each origin."""
    panel = split.panel
    return Past(
        split.raw,
        panel.of_row,
        panel.starts,
        split.train_ends,
        config.season_rows,
        config.moving_window,
        config.auto_ets,  # the library fits the recipe asks for, so a model can correct one
        config.auto_arima,
    )


def history_past(history: np.ndarray, config) -> Past:
    """A Past of one series' (T, V) rows, all of them its training part: generate's."""
    rows = len(history)
    return Past(
        history,
        np.zeros(rows + 1, int),  # the origin, one past the last row, is of the series too
        np.array([0]),
        np.array([rows]),
        config.season_rows,
        config.moving_window,
        config.auto_ets,
        config.auto_arima,
    )


def trainable(recipe: Recipe, train: SeriesSplit) -> SeriesSplit:
    """The training split, its windows starting where every baseline has its past (the
    season's rows, the moving average's) when the model corrects one."""
    if recipe.model.residual_of is None:
        return train
    first = recipe.data.first_origin
    points = train.points[
        train.points >= train.panel.starts[train.panel.of_row[train.points]] + first
    ]
    if not len(points):
        raise RecipeError(
            f"model.residual_of {recipe.model.residual_of}: no training window has the "
            f"{first} rows the baselines read before an origin (data.season, data.lookback or "
            "data.baseline_window); lower them or lengthen the series"
        )
    return replace(train, points=points)


def mean_mase(past: Past, name: str, split: SeriesSplit, origins: np.ndarray, steps: int) -> float:
    forecast = BASELINES[name].forecast(past, origins, steps)  # (P, H, V)
    actual = split.raw[origins[:, None] + np.arange(steps)]
    scale = split.scales[split.panel.of_row[origins]][:, None]  # (P, 1, V)
    return float((np.abs(actual - forecast) / scale).mean())


def rolling_origins(val: SeriesSplit, config) -> tuple[Past, np.ndarray]:
    """The baselines refitted on each series' first half of training, and every origin from
    there on whose horizon ends by the validation split's end: dozens of origins instead of
    the two or three validation alone holds (airline's), so the choice is not noise."""
    starts, ends = val.panel.starts, val.ends
    first = starts + config.first_origin
    cut = np.maximum(first, starts + (val.train_ends - starts) // 2)
    cut = np.where(cut < val.train_ends, cut, val.train_ends)  # too short: validation only
    past = replace(past_of(val, config), train_ends=cut)
    spans = [np.arange(c, e - config.horizon + 1) for c, e in zip(cut, ends, strict=True)]
    return past, np.concatenate(spans).astype(int)


def chosen(recipe: Recipe, val: SeriesSplit) -> str | None:
    """The baseline a new run corrects: the one named, or (auto) the applicable one with the
    lowest mean MASE over the horizon on the rolling origins of training and validation."""
    name, steps = recipe.model.residual_of, recipe.data.horizon
    past = past_of(val, recipe.data)
    if name is not None and name != "auto" and name not in BASELINES:
        raise RecipeError(
            f"model.residual_of {name!r}: choose auto or one of {', '.join(BASELINES)}"
        )
    if name != "auto":
        if name is not None and not BASELINES[name].applies(past):
            raise RecipeError(
                f"model.residual_of {name}: does not apply to this series (its season or "
                "length; ets and arima also need data.auto_ets or data.auto_arima)"
            )
        return name
    rolling, origins = rolling_origins(val, recipe.data)
    errors = {
        key: mean_mase(rolling, key, val, origins, steps)
        for key, spec in BASELINES.items()
        if spec.applies(past) and spec.applies(rolling)
    }
    return min(errors, key=errors.__getitem__)


def scaled(made: np.ndarray, meta: SeriesMeta) -> torch.Tensor:
    """(P, H, V) forecasts in data units -> float32 in the model's scaled units."""
    values = made.shape[-1]
    center = np.asarray(meta.scaler.center[:values])
    return torch.from_numpy(
        ((made - center) / np.asarray(meta.scaler.scale[:values])).astype(np.float32)
    )


def baseline_ahead(
    split: SeriesSplit, points: np.ndarray, config, meta: SeriesMeta
) -> torch.Tensor | None:
    """(B, horizon, V) the corrected baseline's forecast from each point; None: no baseline."""
    if meta.baseline is None:
        return None
    made = BASELINES[meta.baseline].forecast(past_of(split, config), points, config.horizon)
    return scaled(made, meta)


def baseline_after(history: np.ndarray, config, meta: SeriesMeta) -> torch.Tensor | None:
    """(1, horizon, V) the baseline's forecast after (T, F) rows of one series."""
    if meta.baseline is None:
        return None
    values = np.asarray(history)[:, : len(meta.columns.values)]  # (T, V)
    made = BASELINES[meta.baseline].forecast(
        history_past(values, config), np.array([len(values)]), config.horizon
    )
    return scaled(made, meta)
