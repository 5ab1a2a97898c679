"""The bands a quantile forecaster makes, calibrated on the validation split (model.calibrate):
quantile heads learn the training part's spread, and on a short series that grew or turned
wilder the test's values fall outside them far more often than the levels say."""

from __future__ import annotations

import numpy as np
import torch

from seqcli.data.forecast_data import SeriesSplit
from seqcli.metrics.conformal import conformal_offsets
from seqcli.tasks.forecaster.batches import windows
from seqcli.tasks.forecaster.evaluation import forecast_origins, scaled_forecast


@torch.no_grad()
def calibrate_bands(run, val: SeriesSplit) -> None:
    """Set the model's band offsets from its raw forecasts of every validation origin, in units
    of each window's spread; the offsets travel with the weights in the checkpoint."""
    config = run.recipe.model
    if not config.quantiles or config.calibrate == "none":
        return
    steps, offsets = run.recipe.data.horizon, run.model.band.offsets
    origins = forecast_origins(val, steps, 1)
    offsets.zero_()  # the scores are of the raw bands
    raw = scaled_forecast(run, val, origins, steps)  # (P, H, V, Q)
    actual = val.scaled[origins[:, None] + np.arange(steps), : raw.shape[2]]  # (P, H, V)
    lookback = run.recipe.data.lookback
    spread = run.model.norm.spread(windows(val, origins, lookback)).double().numpy()
    spread = np.broadcast_to(spread[..., 0], (len(origins), 1, raw.shape[2]))  # (P, 1, V)
    fitted = conformal_offsets(actual / spread, raw / spread[..., None], config.quantiles)
    offsets.copy_(torch.from_numpy(fitted).to(offsets))
