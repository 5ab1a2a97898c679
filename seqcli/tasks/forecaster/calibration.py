"""The bands a quantile forecaster makes, calibrated on the validation split (model.calibrate):
quantile heads learn the training part's spread, and on a short series that grew or turned
wilder the test's values fall outside them far more often than the levels say."""

from __future__ import annotations

import numpy as np
import torch

from seqcli.data.forecast_data import SeriesSplit
from seqcli.engine.run import Run
from seqcli.errors import DataError
from seqcli.metrics.conformal import offsets_of_scores
from seqcli.runs.foreign import trained_on
from seqcli.tasks.forecaster.rolling import LastPools, latest_offsets, pool_start


def calibrate_bands(run: Run, val: SeriesSplit) -> None:
    """Set the model's band offsets from its raw forecasts of every validation value, of every
    series, in units of each window's spread: each step ahead is scored once per value it lands
    on, from origins inside the split or before it (their windows read earlier rows, as a
    validation origin's do; the values are unseen), so airline's 14 validation months give 14
    scores a step rather than the 3 of whole horizons. The offsets travel with the weights."""
    if not run.recipe.model.calibrated:
        return
    steps = run.recipe.data.horizon
    numbers = np.unique(val.panel.of_row[val.points])
    scores = [
        LastPools.get(run, val, int(n), steps, pool_start(val, int(n), steps)).by_row
        for n in numbers
    ]
    fitted = offsets_of_scores(np.concatenate(scores), run.recipe.model.quantiles)
    offsets = run.model.band.offsets_per_sd
    offsets.copy_(torch.from_numpy(fitted).to(offsets))


def calibrate_to_the_end(run: Run, prepare, series: str | None) -> str | None:
    """Set the bands to the calibration after the last row of the series generate continues
    (named, or the last): on every value validation and test hold, its shares adapting from
    the test's first origin, as an evaluate origin after the end would be (Darts' conformal
    models calibrate up to the series' end too); the checkpoint's offsets were fitted before
    the test's values were known, and would repeat the misses evaluate corrects. A note when
    the run's data is gone or no longer reads, and the checkpoint's offsets stay."""
    if not run.recipe.model.calibrated:
        return None
    path = run.recipe.data.path
    if not path.exists():
        return f"{path}: not found, so the band is calibrated on the validation split only"
    if not trained_on(run.recipe.data, run.checkpoint):  # a checkpoint may name any file
        return (
            f"{path}: not the data the run was trained on, so the band is calibrated on the "
            "validation split only"
        )
    try:
        test = prepare(run.recipe, run.meta).splits["test"]
    except DataError as err:  # changed since training: the forecast itself needs none of it
        return f"{err}; so the band is calibrated on the validation split only"
    names = test.panel.names
    fitted = latest_offsets(run, test, len(names) - 1 if series is None else names.index(series))
    offsets = run.model.band.offsets_per_sd
    offsets.copy_(torch.from_numpy(fitted).to(offsets))
    return None
