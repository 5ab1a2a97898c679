"""A forecaster scored as forecasters are: every step of the horizon from many origins, beside
baselines forecasting from exactly the same origins over the same horizons."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqcli.data.forecast_data import SeriesSplit
from seqcli.engine.run import Run
from seqcli.errors import DataError
from seqcli.metrics.baselines import Past, baseline_forecasts
from seqcli.metrics.forecast import (
    METRICS,
    forecast_errors,
    horizon_errors,
    interval_rows,
    mean_over_horizon,
    pinball,
)
from seqcli.recipe.training import monitored
from seqcli.tasks.forecaster.batches import scaled_forecast
from seqcli.tasks.forecaster.ranking import (
    MODEL,
    against_model,
    outcome,
    p_text,
    ranking_table,
    scaled_losses,
    step_verdicts,
)
from seqcli.tasks.forecaster.rolling import rolling_forecast


@dataclass(frozen=True)
class Scored:
    """Forecasts of the rows after each origin, from the rows before it, in data units."""

    origins: np.ndarray  # (P,) the first row each forecast covers
    scale: np.ndarray  # (P, V) MASE's denominator: that of each origin's series
    actual: np.ndarray  # (P, H, V)
    forecasts: dict[str, np.ndarray]  # the model's point forecast, then each baseline's: (P, H, V)
    quantiles: np.ndarray  # (P, H, V, Q) the model's outputs (Q = 1: its point forecast)

    def losses(self) -> dict[str, np.ndarray]:
        """Name -> (P, H) each origin's absolute scaled error at each step."""
        return scaled_losses(self.forecasts, self.actual, self.scale)


def forecast_origins(split: SeriesSplit, steps: int, stride: int) -> np.ndarray:
    """Every stride-th point of the split whose whole horizon lies inside it: each step h is
    then scored on the same origins, so the rows of the table differ by horizon alone."""
    origins = split.points[split.points + steps <= split.end_of(split.points)][::stride]
    if not len(origins):
        raise DataError(
            f"no forecast origin: the split's {len(split)} row(s) are fewer than the horizon "
            f"{steps}; lower the horizon or enlarge the split"
        )
    return origins


def model_forecast(run: Run, split: SeriesSplit, origins: np.ndarray, steps: int) -> np.ndarray:
    """(P, H, V, Q) the model's forecasts in data units; a calibrated band recalibrated at
    each origin on the values before it (rolling.py)."""
    config = run.recipe.model
    made = CALIBRATIONS[config.calibrate][0] if config.quantiles else scaled_forecast
    return run.meta.scaler.invert_outputs(made(run, split, origins, steps))


CALIBRATIONS = {  # model.calibrate: how the bands are forecast, and how evaluate says so
    "conformal": (
        rolling_forecast,
        "each origin's band calibrated on every value known before it, at a share that moves "
        "with the misses of the bands before (adaptive conformal, DtACI)",
    ),
    "none": (scaled_forecast, "the bands as trained"),
}


def score(run: Run, split: SeriesSplit, origins: np.ndarray, steps: int) -> Scored:
    """The model's and every baseline's forecasts of the same rows."""
    config, panel = run.recipe.data, split.panel
    past = Past(
        split.raw,
        panel.of_row,
        panel.starts,
        split.train_ends,
        config.season_rows,
        config.moving_window,
        config.auto_ets,
        config.auto_arima,
    )
    actual = split.raw[origins[:, None] + np.arange(steps)]  # (P, H, V)
    quantiles = model_forecast(run, split, origins, steps)
    point: int = run.recipe.model.point  # the median's column, or a point model's one
    forecasts = {MODEL: quantiles[..., point]}
    forecasts |= baseline_forecasts(past, origins, steps)
    scale = split.scales[panel.of_row[origins]]
    return Scored(origins, scale, actual, forecasts, quantiles)


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


def horizon_table(scored: Scored, scale_note: str) -> dict:
    """The model's errors at each step, beside the best baseline there and the DM verdict."""
    per_step = horizon_errors(scored.actual, scored.forecasts[MODEL], scored.scale)
    mean = mean_over_horizon(per_step)
    losses = scored.losses()
    steps = step_verdicts(losses)
    pairs = enumerate(zip(per_step, steps, strict=True), 1)
    rows = [[h, *errors.values(), *step] for h, (errors, step) in pairs]
    title = f"the model's errors at each step ahead, from {len(scored.origins)} origins"
    return {
        "per_step": {
            "title": title,
            "columns": ["h", *mean, "best baseline", "it vs model"],
            "rows": [*rows, [f"mean 1-{len(per_step)}", *mean.values(), *_mean_verdict(losses)]],
            "note": f"data units; {scale_note}; a baseline wins or loses only when the "
            "Diebold-Mariano test (HLN-corrected) finds the difference at 5%, else it ties",
        }
    }


def _mean_verdict(losses: dict) -> list[str]:
    """The baseline with the lowest mean MASE, and its result over the horizon's mean."""
    baselines = [name for name in losses if name != MODEL]
    if not baselines:
        return ["-", "-"]
    best = min(baselines, key=lambda name: losses[name].mean())
    found = against_model(losses, best)
    return [best, f"{outcome(found)} ({p_text(found)})"]


def monitored_step(scored: Scored, monitor: str) -> dict[str, float]:
    """{"rmse@1": the model's rmse at step 1} when train.monitor names a step the forecasts
    reach; else nothing (the means are always reported)."""
    name, step = monitored(monitor)
    if step is None or step > scored.actual.shape[1]:
        return {}
    forecast = scored.forecasts[MODEL][:, step - 1]
    return {monitor: forecast_errors(scored.actual[:, step - 1], forecast, scored.scale)[name]}


def mean_errors(scored: Scored, rows: np.ndarray | slice = slice(None)) -> dict[str, dict]:
    """Each forecast's errors, means over the horizon, on some (or all) of the origins."""
    return {
        name: mean_over_horizon(
            horizon_errors(scored.actual[rows], forecast[rows], scored.scale[rows])
        )
        for name, forecast in scored.forecasts.items()
    }


def ranked(scored: Scored) -> dict:
    """The ranking table of the model among the baselines (ranking.py)."""
    return ranking_table(mean_errors(scored), scored.losses())


def interval_table(scored: Scored, config) -> tuple[float, dict]:
    """The pinball loss of the model's quantiles and how often each interval they make holds
    the actual value, against its nominal share."""
    levels = config.quantiles
    loss = pinball(scored.actual, scored.quantiles, levels)
    title = f"intervals of the quantiles {', '.join(f'{q:g}' for q in levels)}"
    note = (
        f"{CALIBRATIONS[config.calibrate][1]}; pinball loss {loss:.4g} (data units, mean over the "
        "quantiles, steps and origins)"
    )
    columns = ["nominal", "coverage", "mean width"]
    rows = interval_rows(scored.actual, scored.quantiles, levels)
    return loss, {"intervals": {"title": title, "columns": columns, "rows": rows, "note": note}}


def series_table(scored: Scored, split: SeriesSplit) -> dict:
    """Each series' own errors, and the baseline that does best on it."""
    of_origin = split.panel.of_row[scored.origins]
    rows = []
    for number, name in enumerate(split.panel.names):
        means = mean_errors(scored, of_origin == number)
        model = means.pop(MODEL)
        best = min(means, key=lambda baseline: means[baseline]["mase"])
        count = int((of_origin == number).sum())
        rows.append([name, count, *model.values(), best, means[best]["mase"]])
    columns = ["series", "origins", *METRICS, "best baseline", "its mase"]
    title = "the model on each series, means over the horizon"
    return {"series": {"title": title, "columns": columns, "rows": rows}}


def origin_label(split: SeriesSplit, origin: int) -> str:
    label = split.dates[origin] if split.dates is not None else f"row {origin}"
    series = split.panel.names[split.panel.of_row[origin]]
    return f"{series} {label}" if series else label


def backtest_table(scored: Scored, split: SeriesSplit) -> dict:
    """One row per origin: where in the split the model wins and loses."""
    names = [name.split(" (")[0] for name in scored.forecasts]  # the sizes are in the ranking
    rows = []
    for index, origin in enumerate(scored.origins):
        label = origin_label(split, origin)
        errors = [
            float(np.abs(forecast[index] - scored.actual[index]).mean())
            for forecast in scored.forecasts.values()
        ]
        rows.append([label, *errors])
    steps = scored.actual.shape[1]
    title = f"backtest: MAE over the {steps} step(s) forecast from each origin"
    return {"backtest": {"title": title, "columns": ["forecast from", *names], "rows": rows}}
