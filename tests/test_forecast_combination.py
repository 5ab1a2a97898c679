"""model.correction_weight: a residual forecaster's forecast keeps a share of its network's
correction (0.5: M4's combination, the mean of the network's and the baseline's forecasts),
while training learns the whole correction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from seqcli.errors import RecipeError
from seqcli.metrics.baselines import BASELINES
from seqcli.recipe import validate_recipe
from seqcli.tasks.forecaster.evaluation import forecast_origins, score
from seqcli.tasks.forecaster.residual import past_of
from tests.series_helpers import series_recipe, sine_csv, untrained_run


def combined_run(tmp_path, weight: float):
    raw = series_recipe(sine_csv(tmp_path / "s.csv"), mapping="many_to_one")
    raw["model"] |= {
        "residual_of": "seasonal_naive",
        "correction_weight": weight,
        "quantiles": [0.1, 0.5, 0.9],
        "calibrate": "none",
    }
    run, data = untrained_run(raw)
    torch.manual_seed(1)
    for parameter in run.model.head.parameters():  # a network that corrects something
        torch.nn.init.normal_(parameter, std=0.3)
    return run, data


def test_half_the_correction_forecasts_the_mean_of_the_network_and_its_baseline(tmp_path):
    run, data = combined_run(tmp_path, 0.5)
    test = data.splits["test"]
    origins = forecast_origins(test, 3, 1)
    half = score(run, test, origins, 3)
    run.model.correction_weight = 1.0  # the same weights, the whole correction
    whole = score(run, test, origins, 3)
    baseline = whole.forecasts[BASELINES["seasonal_naive"].label(past_of(test, run.recipe.data))]
    assert not np.allclose(whole.forecasts["model"], baseline, atol=0.1)  # it does correct
    assert half.forecasts["model"] == pytest.approx((whole.forecasts["model"] + baseline) / 2)
    # The band moves with its median: each quantile's distance from the median is kept.
    spread = half.quantiles - half.quantiles[..., 1:2]
    assert spread == pytest.approx(whole.quantiles - whole.quantiles[..., 1:2], abs=1e-4)


def test_training_learns_the_whole_correction_whatever_the_forecast_keeps(tmp_path):
    run, data = combined_run(tmp_path, 0.25)
    model = run.model
    values = torch.randn(4, 12, 1)
    baseline = torch.randn(4, 3, 1)
    model.train()
    model.drop.p = 0.0  # the same output in both modes but for the weight
    trained = model(values, baseline=baseline).out
    model.eval()
    forecast = model(values, baseline=baseline).out
    median = trained.sort(dim=-1).values[..., 1:2] - baseline[..., None]  # (B, S, V, 1)
    # the forecast keeps a quarter of the median's correction, every quantile moved alike
    torch.testing.assert_close(forecast, trained - 0.75 * median)


def test_a_correction_weight_without_a_residual_model_is_refused():
    raw = series_recipe(Path("s.csv"), mapping="many_to_one")
    raw["model"]["correction_weight"] = 0.5
    with pytest.raises(RecipeError, match="correction_weight 0.5: only a residual model"):
        validate_recipe(raw, source="test")
