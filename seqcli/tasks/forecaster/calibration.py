"""The bands a quantile forecaster makes, calibrated on the validation split (model.calibrate):
quantile heads learn the training part's spread, and on a short series that grew or turned
wilder the test's values fall outside them far more often than the levels say."""

from __future__ import annotations

import numpy as np
import torch

from seqcli.data.forecast_data import SeriesSplit
from seqcli.metrics.conformal import conformal_offsets
from seqcli.models.forecaster import window_spread
from seqcli.tasks.forecaster.batches import scaled_forecast, windows


def calibration_origins(val: SeriesSplit, steps: int, lookback: int) -> np.ndarray:
    """Every origin whose forecast lands at least one step on a validation point: its window
    may read earlier rows, as a validation origin's does, while the values it is scored on
    are unseen. Each step ahead then has a score per validation point, not only per origin
    whose whole horizon fits (airline's 14 validation months: 14 scores a step, not 3)."""
    origins = np.unique(val.points[:, None] - np.arange(steps))  # (P,)
    starts = val.panel.starts[val.panel.of_row[np.maximum(origins, 0)]]
    return origins[origins - lookback >= starts]


def validation_values(val: SeriesSplit, origins: np.ndarray, steps: int, values: int):
    """(P, H, V) the scaled values each origin's steps land on, NaN off the validation points
    (before them, past them, or in another series)."""
    rows = origins[:, None] + np.arange(steps)  # (P, H)
    inside = np.isin(rows, val.points)
    inside &= (
        val.panel.of_row[np.minimum(rows, len(val.scaled) - 1)] == val.panel.of_row[origins, None]
    )
    actual = val.scaled[np.minimum(rows, len(val.scaled) - 1), :values].astype(float)
    actual[~inside] = np.nan
    return actual


@torch.no_grad()
def calibrate_bands(run, val: SeriesSplit) -> None:
    """Set the model's band offsets from its raw forecasts of the validation points, in units
    of each window's spread; the offsets travel with the weights in the checkpoint."""
    config = run.recipe.model
    if not config.quantiles or config.calibrate == "none":
        return
    steps, lookback = run.recipe.data.horizon, run.recipe.data.lookback
    offsets = run.model.band.offsets_per_sd
    origins = calibration_origins(val, steps, lookback)
    offsets.zero_()  # the scores are of the raw bands
    raw = scaled_forecast(run, val, origins, steps)  # (P, H, V, Q)
    actual = validation_values(val, origins, steps, raw.shape[2])  # (P, H, V)
    spread = window_spread(windows(val, origins, lookback), raw.shape[2]).double().numpy()
    fitted = conformal_offsets(actual / spread[..., 0], raw / spread, config.quantiles)
    offsets.copy_(torch.from_numpy(fitted).to(offsets))
