"""A forecaster scored as forecasters are: every step of the horizon from many origins, beside
baselines forecasting from exactly the same origins over the same horizons."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from seqcli.data.forecast_data import SeriesSplit
from seqcli.errors import DataError
from seqcli.metrics.baselines import Past, baseline_forecasts
from seqcli.metrics.forecast import horizon_errors, interval_rows, mean_over_horizon, pinball
from seqcli.tasks.forecaster.batches import windows

MODEL = "model"


@dataclass(frozen=True)
class Scored:
    """Forecasts of the rows after each origin, from the rows before it, in data units."""

    origins: np.ndarray  # (P,) the first row each forecast covers
    actual: np.ndarray  # (P, H, V)
    forecasts: dict[str, np.ndarray]  # the model's point forecast, then each baseline's: (P, H, V)
    quantiles: np.ndarray  # (P, H, V, Q) the model's outputs (Q = 1: its point forecast)


def forecast_origins(split: SeriesSplit, steps: int, stride: int) -> np.ndarray:
    """Every stride-th point of the split whose whole horizon lies inside it: each step h is
    then scored on the same origins, so the rows of the table differ by horizon alone."""
    origins = split.points[split.points + steps <= split.end][::stride]
    if not len(origins):
        raise DataError(
            f"no forecast origin: the split's {len(split)} row(s) are fewer than the horizon "
            f"{steps}; lower the horizon or enlarge the split"
        )
    return origins


@torch.no_grad()
def model_forecast(run, split: SeriesSplit, origins: np.ndarray, steps: int) -> np.ndarray:
    """(P, H, V, Q) the model's forecasts in data units, a batch of origins at a time."""
    lookback, size = run.recipe.data.lookback, run.recipe.train.batch_size
    run.model.eval()
    made = []
    for chunk in np.split(origins, range(size, len(origins), size)):
        values = windows(split, chunk, lookback).to(run.device)  # (B, L, F)
        made.append(run.model.forecast(values, steps).cpu().double().numpy())
    return run.meta.scaler.invert_outputs(np.concatenate(made))


def score(run, split: SeriesSplit, origins: np.ndarray, steps: int) -> Scored:
    """The model's and every baseline's forecasts of the same rows."""
    config = run.recipe.data
    past = Past(split.raw, split.train_rows, config.season_rows, config.moving_window)
    actual = split.raw[origins[:, None] + np.arange(steps)]  # (P, H, V)
    quantiles = model_forecast(run, split, origins, steps)
    forecasts = {MODEL: quantiles[..., run.recipe.model.point]}
    forecasts |= baseline_forecasts(past, origins, steps)
    return Scored(origins, actual, forecasts, quantiles)


def scale_note(config) -> str:
    """Which naive error MASE divides by, and how a fractional season was rounded."""
    season = config.season_rows
    scale = (
        f"MASE divides by the training part's seasonal-naive MAE (lag {season})"
        if season
        else "no season (data.season unset or 1): MASE divides by the training part's "
        "one-step naive MAE"
    )
    if config.season is not None and config.season != round(config.season):
        scale += f"; data.season {config.season:g} rounded to {round(config.season)} rows"
    return scale


def horizon_table(scored: Scored, scale: np.ndarray, scale_note: str) -> dict:
    per_step = horizon_errors(scored.actual, scored.forecasts[MODEL], scale)
    mean = mean_over_horizon(per_step)
    rows = [[h, *errors.values()] for h, errors in enumerate(per_step, 1)]
    title = f"the model's errors at each step ahead, from {len(scored.origins)} origins"
    return {
        title: {
            "columns": ["h", *mean],
            "rows": [*rows, [f"mean 1-{len(per_step)}", *mean.values()]],
            "note": f"data units; {scale_note}",
        }
    }


def ranking_table(scored: Scored, scale: np.ndarray) -> dict:
    """The model among the baselines, best first by the mean MASE over the horizon."""
    means = {
        name: mean_over_horizon(horizon_errors(scored.actual, forecast, scale))
        for name, forecast in scored.forecasts.items()
    }
    order = sorted(means, key=lambda name: means[name]["mase"])
    rows = [[rank, name, *means[name].values()] for rank, name in enumerate(order, 1)]
    steps = scored.actual.shape[1]
    title = f"model and baselines ranked by MASE, each the mean over h = 1..{steps}"
    columns = ["rank", "forecast", *means[MODEL]]
    return {title: {"columns": columns, "rows": rows, "note": verdict(order, means)}}


def verdict(order: list[str], means: dict) -> str:
    """One plain sentence: which baselines beat the model, or that none does."""
    model = means[MODEL]["mase"]
    if order[0] == MODEL:
        runner_up = order[1] if len(order) > 1 else None
        beaten = f" (next: {runner_up}, MASE {means[runner_up]['mase']:.3f})" if runner_up else ""
        return f"the model beats every baseline: MASE {model:.3f}{beaten}"
    winners = order[: order.index(MODEL)]
    return (
        f"a baseline wins: {winners[0]} scores MASE {means[winners[0]]['mase']:.3f} against "
        f"the model's {model:.3f}; {len(winners)} of {len(order) - 1} baselines beat the model"
    )


def interval_table(scored: Scored, levels: tuple[float, ...]) -> tuple[float, dict]:
    """The pinball loss of the model's quantiles and how often each interval they make holds
    the actual value, against its nominal share."""
    loss = pinball(scored.actual, scored.quantiles, levels)
    title = f"intervals of the quantiles {', '.join(f'{q:g}' for q in levels)}"
    note = f"pinball loss {loss:.4g} (data units, mean over the quantiles, steps and origins)"
    columns = ["nominal", "coverage", "mean width"]
    rows = interval_rows(scored.actual, scored.quantiles, levels)
    return loss, {title: {"columns": columns, "rows": rows, "note": note}}


def backtest_table(scored: Scored, split: SeriesSplit) -> dict:
    """One row per origin: where in the split the model wins and loses."""
    names = [name.split(" (")[0] for name in scored.forecasts]  # the sizes are in the ranking
    rows = []
    for index, origin in enumerate(scored.origins):
        label = split.dates[origin] if split.dates is not None else f"row {origin}"
        errors = [
            float(np.abs(forecast[index] - scored.actual[index]).mean())
            for forecast in scored.forecasts.values()
        ]
        rows.append([label, *errors])
    steps = scored.actual.shape[1]
    title = f"backtest: MAE over the {steps} step(s) forecast from each origin"
    return {title: {"columns": ["forecast from", *names], "rows": rows}}
