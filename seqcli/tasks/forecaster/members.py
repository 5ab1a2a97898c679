"""An ensemble forecaster's members scored one by one beside their median (train.ensemble)."""

from __future__ import annotations

import numpy as np

from seqcli.data.forecast_data import SeriesSplit
from seqcli.engine.run import Run
from seqcli.metrics.forecast import horizon_errors, mean_over_horizon
from seqcli.models.ensemble import Ensemble
from seqcli.tasks.forecaster.batches import scaled_forecast
from seqcli.tasks.forecaster.evaluation import MODEL, Scored, mean_errors


def member_forecasts(run: Run, split: SeriesSplit, origins: np.ndarray, steps: int):
    """(K, P, H, V) each member's point forecast in data units, its band as trained."""
    model, point = run.model, run.recipe.model.point
    made = []
    for member in range(len(model.members)):
        with model.alone(member), model.band.holding():
            scaled = scaled_forecast(run, split, origins, steps)
        made.append(run.meta.scaler.invert_outputs(scaled)[..., point])
    return np.stack(made)


def member_table(run: Run, split: SeriesSplit, scored: Scored) -> dict:
    """Each member's mean MASE, the median's, and how far apart the members forecast."""
    if not isinstance(run.model, Ensemble):
        return {}
    steps = scored.actual.shape[1]
    members = member_forecasts(run, split, scored.origins, steps)
    rows = [
        [
            f"member {number}",
            mean_over_horizon(horizon_errors(scored.actual, made, scored.scale))["mase"],
        ]
        for number, made in enumerate(members)
    ]
    rows.append(["median (the forecast)", mean_errors(scored)[MODEL]["mase"]])
    spread = float(members.std(axis=0).mean())
    note = (
        f"spread: the members' standard deviation around their mean forecast, {spread:.4g} "
        "on average (data units)"
    )
    title = f"the ensemble's {len(members)} members, MASE means over h = 1..{steps}"
    return {
        "ensemble": {"title": title, "columns": ["forecast", "mase"], "rows": rows, "note": note}
    }
