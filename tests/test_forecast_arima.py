"""The AutoARIMA baseline: the order it picks on a series of known form, its forecast against
the process's own conditional mean and against statsforecast's forecast, and that it is fitted
only when a recipe asks (statsforecast takes seconds to import)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from seqcli.errors import RecipeError
from seqcli.metrics.arima import arima_fit
from seqcli.metrics.baselines import BASELINES, Past, baseline_forecasts
from seqcli.tasks.forecaster.evaluation import forecast_origins, score
from tests.series_helpers import series_recipe, sine_csv, untrained_run

pytest.importorskip("statsforecast")


def one_series(values: np.ndarray, train_rows: int, season: int | None = None) -> Past:
    raw = np.asarray(values, dtype=np.float64)[:, None]
    rows = np.zeros(len(raw), int)
    return Past(raw, rows, np.array([0]), np.array([train_rows]), season, 3, auto_arima=True)


def ar1(phi: float = 0.6, rows: int = 600) -> np.ndarray:
    """y_t = phi y_(t-1) + e_t, e_t standard normal, from y_0 = 0 (seed 0)."""
    noise = np.random.default_rng(0).normal(size=rows)
    values = np.zeros(rows)
    for t in range(1, rows):
        values[t] = phi * values[t - 1] + noise[t]
    return values


def test_auto_arima_picks_order_one_on_an_ar1_and_forecasts_phi_times_the_last_value():
    values = ar1()
    fit = arima_fit(np.ascontiguousarray(values[:500]).tobytes(), 1)
    assert fit.order == (1, 0, 0)
    assert fit.seasonal[:3] == (0, 0, 0)
    past = one_series(values, 500)
    origins = np.arange(501, 590)
    ahead = BASELINES["arima"].forecast(past, origins, 2)[..., 0]  # (P, 2)
    last = values[origins - 1]
    # The process's conditional mean: phi y_t one step ahead, phi^2 y_t two steps ahead;
    # 500 rows estimate phi to about 0.04, so the forecasts lie within 0.04 |y_t| of it.
    assert (np.abs(ahead[:, 0] - 0.6 * last) <= 0.05 * np.abs(last) + 1e-9).all()
    assert (np.abs(ahead[:, 1] - 0.36 * last) <= 0.06 * np.abs(last) + 1e-9).all()


@pytest.mark.filterwarnings("ignore::UserWarning")  # statsforecast's convergence chatter
def test_auto_arima_from_the_end_of_training_is_statsforecast_forecast_with_drift():
    """A random walk with drift: one difference and a drift term, the regression part of the
    fit that the state-space recursion must add back at every step ahead."""
    from statsforecast.arima import auto_arima_f, forecast_arima

    values = np.cumsum(0.5 + np.random.default_rng(3).normal(size=200))
    fit = arima_fit(np.ascontiguousarray(values[:160]).tobytes(), 1)
    assert fit.order[1] == 1 and fit.drift != 0
    expected = forecast_arima(auto_arima_f(values[:160].copy(), period=1), h=10)["mean"]
    (got,) = BASELINES["arima"].forecast(one_series(values, 160), np.array([160]), 10)[..., 0]
    assert got == pytest.approx(expected, rel=1e-6)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_seasonal_auto_arima_from_the_end_of_training_is_statsforecast_forecast(full_run):
    if not full_run:
        pytest.skip("a seasonal order search, about 3 s: --all runs it")
    from statsforecast.arima import auto_arima_f, forecast_arima

    t = np.arange(144)
    noise = np.random.default_rng(5).normal(size=144)
    values = 50 + 0.3 * t + 8 * np.sin(2 * np.pi * t / 12) + noise
    fit = arima_fit(np.ascontiguousarray(values[:120]).tobytes(), 12)
    assert fit.seasonal[3] == 12  # a clear season of 8 about a trend
    expected = forecast_arima(auto_arima_f(values[:120].copy(), period=12), h=15)["mean"]
    past = one_series(values, 120, 12)
    (got,) = BASELINES["arima"].forecast(past, np.array([120]), 15)[..., 0]
    assert got == pytest.approx(expected, rel=1e-6)


def test_auto_arima_is_fitted_only_when_the_recipe_asks():
    past = one_series(ar1(), 500)
    assert "AutoARIMA" in baseline_forecasts(past, np.array([520]), 2)
    unasked = replace(past, auto_arima=False)  # data.auto_arima unset
    assert "AutoARIMA" not in baseline_forecasts(unasked, np.array([520]), 2)


def arima_residual_recipe(tmp_path, *, asked: bool) -> dict:
    raw = series_recipe(sine_csv(tmp_path / "s.csv"), mapping="many_to_one", season=None)
    raw["data"]["auto_arima"] = asked
    raw["model"]["residual_of"] = "arima"
    return raw


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_residual_model_corrects_auto_arima_when_the_recipe_asks_for_it(tmp_path):
    run, data = untrained_run(arima_residual_recipe(tmp_path, asked=True))
    test = data.splits["test"]
    scored = score(run, test, forecast_origins(test, 3, 1), 3)
    # untrained, the correction is zero: the model is the baseline it corrects
    assert np.allclose(scored.forecasts["model"], scored.forecasts["AutoARIMA"], atol=1e-3)


def test_correcting_auto_arima_unasked_is_refused_naming_the_key(tmp_path):
    with pytest.raises(RecipeError, match="model.residual_of arima: .*data.auto_arima"):
        untrained_run(arima_residual_recipe(tmp_path, asked=False))
