"""The baselines forecasters use beyond the simple ones: the season's mean (climatology), the
last departure from it carried forward, and Theta, each checked against a hand computation or
against statsmodels' own forecast from the end of the training part."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from seqcli.metrics.baselines import BASELINES, Past, baseline_forecasts
from seqcli.metrics.ets import _model, candidates, ets_fit
from seqcli.metrics.theta import theta_fit


def one_series(values, train_rows: int, season: int | None) -> Past:
    raw = np.asarray(values, dtype=np.float64)[:, None]
    rows = np.zeros(len(raw), int)
    return Past(raw, rows, np.array([0]), np.array([train_rows]), season, 3, auto_ets=True)


# Rows 0..5 are training: positions 0, 1, 2 of a season of 3 hold (1, 7), (2, 8), (6, 12).
SERIES = [1.0, 2.0, 6.0, 7.0, 8.0, 12.0, 20.0, 0.0, 30.0]


def test_climatology_forecasts_the_training_mean_of_each_position_in_the_season():
    past = one_series(SERIES, 6, 3)
    (got,) = BASELINES["climatology"].forecast(past, np.array([7]), 4)[..., 0]
    # rows 7, 8, 9, 10 sit at positions 1, 2, 0, 1
    assert got.tolist() == pytest.approx([5.0, 9.0, 4.0, 5.0])


def test_anomaly_persistence_carries_the_last_departure_from_the_season_mean():
    past = one_series(SERIES, 6, 3)
    (got,) = BASELINES["anomaly_persistence"].forecast(past, np.array([7]), 3)[..., 0]
    # row 6 (position 0, mean 4) is 20: 16 above its mean, carried onto positions 1, 2, 0
    assert got.tolist() == pytest.approx([5.0 + 16, 9.0 + 16, 4.0 + 16])


def test_season_mean_baselines_are_left_out_without_a_season():
    labels = baseline_forecasts(one_series(SERIES, 6, None), np.array([7]), 2)
    assert not any("climatology" in label or "anomaly" in label for label in labels)
    labels = baseline_forecasts(one_series(SERIES, 6, 3), np.array([7]), 2)
    assert {"climatology (seasonal mean)", "anomaly persistence"} <= set(labels)


def seasonal_values(rows: int = 120) -> np.ndarray:
    rng = np.random.default_rng(5)
    t = np.arange(rows)
    return 50 + 0.3 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(size=rows)


@pytest.mark.parametrize("season", [12, None])
def test_theta_from_the_end_of_training_is_statsmodels_forecast(season):
    theta = pytest.importorskip("statsmodels.tsa.forecasting.theta")
    values = seasonal_values()
    model = theta.ThetaModel(values[:96], period=season or 1, deseasonalize=season is not None)
    expected = np.asarray(model.fit().forecast(11))
    past = one_series(values, 96, season)
    (got,) = BASELINES["theta"].forecast(past, np.array([96]), 11)[..., 0]
    assert got == pytest.approx(expected, rel=1e-9)


def test_theta_from_a_later_origin_smooths_on_with_the_training_fit():
    """The constants stay those fitted on the training part; only the level moves on."""
    pytest.importorskip("statsmodels.tsa.forecasting.theta")
    values = seasonal_values()
    past = one_series(values, 96, None)
    one_step = BASELINES["theta"].forecast(past, np.array([96, 100]), 1)[:, 0, 0]
    level = values[0]
    fit = theta_fit(np.ascontiguousarray(values[:96]).tobytes(), None)
    for value in values[:100]:
        level = fit.alpha * value + (1 - fit.alpha) * level
    lag = (1 - (1 - fit.alpha) ** 100) / fit.alpha
    assert one_step[1] == pytest.approx(level + fit.slope / 2 * lag)


@pytest.mark.parametrize("season", [12, None])
def test_auto_ets_from_the_end_of_training_is_statsmodels_forecast_of_its_choice(season, full_run):
    pytest.importorskip("statsmodels.tsa.exponential_smoothing.ets")
    if season and not full_run:
        pytest.skip("nine ETS fits, about 10 s: --all runs it")
    values = seasonal_values()
    fit = ets_fit(np.ascontiguousarray(values[:96]).tobytes(), season or 1)
    result = _model(values[:96], fit.trend, fit.season, fit.period).fit(disp=False)
    past = one_series(values, 96, season)
    (got,) = BASELINES["ets"].forecast(past, np.array([96]), 15)[..., 0]
    assert got == pytest.approx(np.asarray(result.forecast(15)), rel=1e-6)
    one_step = BASELINES["ets"].forecast(past, np.arange(1, 96), 1)[:, 0, 0]
    assert one_step == pytest.approx(np.asarray(result.fittedvalues)[1:], rel=1e-6)


def test_auto_ets_picks_the_seasonal_form_with_the_lowest_aicc(full_run):
    pytest.importorskip("statsmodels.tsa.exponential_smoothing.ets")
    if not full_run:
        pytest.skip("eighteen ETS fits, about 10 s: --all runs it")
    train = seasonal_values()[:96]
    fit = ets_fit(np.ascontiguousarray(train).tobytes(), 12)
    assert fit.season != "none"  # a clear season of 8 about a trend
    aicc = {form: _model(train, *form, 12).fit(disp=False).aicc for form in candidates(train, 12)}
    assert min(aicc, key=aicc.get) == (fit.trend, fit.season)


def test_auto_ets_is_fitted_only_when_the_recipe_asks():
    pytest.importorskip("statsmodels.tsa.exponential_smoothing.ets")
    past = one_series(seasonal_values(), 96, None)  # no season: three quick forms
    assert "AutoETS" in baseline_forecasts(past, np.array([100]), 2)
    unasked = replace(past, auto_ets=False)  # data.auto_ets unset
    assert "AutoETS" not in baseline_forecasts(unasked, np.array([100]), 2)
