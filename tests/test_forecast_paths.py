"""A rolled-out quantile forecaster's bands read from sample paths (models/paths.py): they widen
with the steps ahead as the uncertainty of the values fed back adds up."""

from __future__ import annotations

import math

import pytest
import torch

from seqcli.models.forecaster import AutoregressiveForecaster
from seqcli.models.paths import inverse_cdf
from seqcli.recipe import validate_recipe
from tests.series_helpers import series_recipe

LEVELS = (0.1, 0.5, 0.9)
STEP = 1.0  # the random walk's 10% and 90% points, one step ahead


def test_the_quantile_function_is_drawn_straight_between_and_beyond_the_levels():
    quantiles = torch.tensor([[-1.0, 0.0, 2.0]])
    u = torch.tensor([[0.0, 0.1, 0.3, 0.5, 0.7, 1.0]]).T  # (6, 1)
    drawn = inverse_cdf(quantiles.expand(6, 3), torch.tensor(LEVELS), u[:, 0])
    # below 0.5 the slope is 1 / 0.4, above it 2 / 0.4; the ends carry those slopes on
    assert drawn.tolist() == pytest.approx([-1.25, -1.0, -0.5, 0.0, 1.0, 2.5])


def random_walk_forecaster() -> AutoregressiveForecaster:
    """A one-unit RNN set by hand to forecast 'the last value, give or take STEP': a tiny
    input weight keeps tanh in its straight part and the head scales it back."""
    raw = series_recipe("walk.csv", scaling="none")
    raw["model"] = {"cell": "rnn", "hidden_size": 1, "quantiles": list(LEVELS)}
    config = validate_recipe(raw, source="walk").model
    model = AutoregressiveForecaster(config, features=1, values=1, horizon=3).eval()
    tiny = 1e-4
    with torch.no_grad():
        for name, weight in model.rnn.named_parameters():
            weight.fill_(tiny if "weight_ih" in name else 0.0)
        model.head.weight.fill_(1 / tiny)
        model.head.bias.copy_(torch.tensor([-STEP, 0.0, STEP]))
    return model


def test_a_rolled_out_band_widens_as_a_random_walk_does():
    model = random_walk_forecaster()
    window = torch.full((2, 12, 1), 3.0)
    with torch.no_grad():
        forecast = model.forecast(window, 9)[:, :, 0]  # (B, 9, Q)
    assert forecast[..., 1] == pytest.approx(torch.full((2, 9), 3.0), abs=1e-3)  # the median path
    width = forecast[..., 2] - forecast[..., 0]
    assert width[:, 0] == pytest.approx(torch.full((2,), 2 * STEP), abs=1e-3)
    # Each step draws from the uniform on +-1.25 STEP (the quantile function carried straight
    # on), sd 1.25 / sqrt(3); nine of them add to about a normal's 80% band sqrt(9) as wide.
    expected = 2 * 1.2816 * 1.25 / math.sqrt(3) * math.sqrt(9) * STEP
    assert width[:, 8] == pytest.approx(torch.full((2,), expected), rel=0.12)
    assert torch.equal(width[0], width[1])  # every origin takes the same draws


def test_sample_paths_are_reproducible_and_do_not_touch_the_global_generator():
    model = random_walk_forecaster()
    window = torch.full((1, 12, 1), 3.0)
    torch.manual_seed(7)
    before = torch.rand(1)
    torch.manual_seed(7)
    with torch.no_grad():
        first, second = model.forecast(window, 5), model.forecast(window, 5)
    assert torch.equal(first, second) and torch.equal(torch.rand(1), before)
