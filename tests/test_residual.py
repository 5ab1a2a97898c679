"""model.residual_of: the network corrects a baseline's forecast, starting from no correction,
so the untrained model is the baseline; auto picks the best baseline on the validation split."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from seqcli.engine.start import fresh_training
from seqcli.errors import RecipeError
from seqcli.metrics.baselines import BASELINES
from seqcli.recipe import load_recipe
from seqcli.tasks import task_for
from seqcli.tasks.forecaster.evaluation import forecast_origins, score
from seqcli.tasks.forecaster.residual import past_of
from tests.series_helpers import (
    CPU,
    generated_text,
    series_recipe,
    sine_csv,
    untrained_run,
    write_csv,
)

ROOT = Path(__file__).resolve().parents[1]


def residual_recipe(tmp_path, name="seasonal_naive", **data):
    raw = series_recipe(sine_csv(tmp_path / "s.csv"), mapping="many_to_one", **data)
    raw["model"]["residual_of"] = name
    return raw


def untrained(raw):
    return untrained_run(raw)


def noisy_csv(path):
    rng = np.random.default_rng(0)
    values = 50 + np.cumsum(rng.normal(size=240)) + 5 * np.sin(np.arange(240) * np.pi / 6)
    return write_csv(path, "level\n" + "\n".join(f"{v:.4f}" for v in values) + "\n")


@pytest.mark.parametrize("name", ["seasonal_naive", "drift", "holt_winters"])
def test_the_untrained_residual_model_forecasts_its_baseline(tmp_path, name):
    raw = residual_recipe(tmp_path, name)
    raw["data"]["path"] = str(noisy_csv(tmp_path / "n.csv"))
    run, data = untrained(raw)
    test = data.splits["test"]
    scored = score(run, test, forecast_origins(test, 3, 1), 3)
    label = BASELINES[name].label(past_of(test, run.recipe.data))
    assert np.allclose(scored.forecasts["model"], scored.forecasts[label], atol=1e-4 * 50)


def rolling_mase(raw, split, name):
    """Mean MASE of a baseline fitted on the first half of training, from every origin on
    from there whose horizon ends by the validation split's end: written out for one series."""
    config, steps = raw.data, raw.data.horizon
    (start,), (train_end,), (end,) = split.panel.starts, split.train_ends, split.ends
    cut = max(start + config.first_origin, start + (train_end - start) // 2)
    past = replace(past_of(split, config), train_ends=np.array([cut]))
    origins = np.arange(cut, end - steps + 1)
    made = BASELINES[name].forecast(past, origins, steps)
    actual = split.raw[origins[:, None] + np.arange(steps)]
    return np.abs(actual - made).mean() / split.scales[0].mean(), past


def test_auto_corrects_the_baseline_best_on_rolling_origins_of_training_and_validation(tmp_path):
    raw = residual_recipe(tmp_path, "auto")
    raw["data"]["path"] = str(noisy_csv(tmp_path / "n.csv"))
    run, data = untrained(raw)
    val = data.splits["val"]
    scores = {}
    for name, spec in BASELINES.items():
        error, past = rolling_mase(run.recipe, val, name)
        if spec.applies(past):
            scores[name] = error
    assert run.meta.baseline == min(scores, key=scores.__getitem__)


def test_the_auto_choice_reads_nothing_after_the_validation_split(tmp_path):
    raw = residual_recipe(tmp_path, "auto")
    path = noisy_csv(tmp_path / "n.csv")
    raw["data"]["path"] = str(path)
    run, data = untrained(raw)
    lines = path.read_text(encoding="utf-8").splitlines()
    test_rows = len(lines) - 1 - int(data.splits["val"].ends[0])
    # A test split running away upwards would favour drift if the choice could see it.
    shifted = [f"{float(v) + 40 * k:.4f}" for k, v in enumerate(lines[-test_rows:], 1)]
    write_csv(path, "\n".join([*lines[:-test_rows], *shifted]) + "\n")
    assert untrained(raw)[0].meta.baseline == run.meta.baseline


def test_generate_continues_with_the_baselines_forecast_when_untrained(tmp_path):
    run, _ = untrained(residual_recipe(tmp_path, "seasonal_naive"))
    lines = generated_text(run).splitlines()[1:]
    forecast = [float(line.split(",")[-1]) for line in lines]
    history = [row[0] for row in run.meta.history]
    assert forecast == pytest.approx(history[-12:-9], abs=1e-4)


def test_generate_after_the_training_mean_continues_with_that_mean_when_untrained(tmp_path):
    run, _ = untrained(residual_recipe(tmp_path, "mean"))
    lines = generated_text(run).splitlines()[1:]
    forecast = [float(line.split(",")[-1]) for line in lines]
    history = [row[0] for row in run.meta.history]
    assert forecast == pytest.approx([np.mean(history)] * 3, abs=1e-4)


def test_an_unknown_baseline_is_refused_with_the_choices(tmp_path):
    with pytest.raises(RecipeError, match="model.residual_of 'seasonal': choose auto or one of"):
        untrained(residual_recipe(tmp_path, "seasonal"))


def test_training_windows_start_where_every_baseline_has_its_past(tmp_path):
    run, data = untrained(residual_recipe(tmp_path, "seasonal_naive", lookback=6))
    points = data.splits["train"].points
    assert len(points) and points.min() == 12  # a season in, not data.lookback's 6


def test_a_series_too_short_for_the_baselines_past_is_refused(tmp_path):
    raw = residual_recipe(tmp_path, "naive", lookback=6, season=200)
    with pytest.raises(RecipeError, match="no training window has the 200 rows the baselines"):
        untrained(raw)


def test_a_rolled_out_model_refuses_a_residual(tmp_path):
    raw = residual_recipe(tmp_path)
    raw["mapping"] = "many_to_many"
    with pytest.raises(
        RecipeError, match="model.residual_of seasonal_naive: needs mapping many_to_one"
    ):
        untrained(raw)


def test_a_panel_residual_model_corrects_each_series_own_baseline(tmp_path):
    from tests.test_hybrid import panel_csv

    raw = series_recipe(
        panel_csv(tmp_path / "p.csv"), mapping="many_to_one", lookback=12, series_column="shop"
    )
    raw["model"]["residual_of"] = "seasonal_naive"
    run, data = untrained(raw)
    test = data.splits["test"]
    scored = score(run, test, forecast_origins(test, 3, 1), 3)
    label = BASELINES["seasonal_naive"].label(past_of(test, run.recipe.data))
    assert np.allclose(scored.forecasts["model"], scored.forecasts[label], atol=1e-3)


@pytest.mark.parametrize("frequency", ["monthly", "quarterly", "yearly"])
def test_the_default_recipe_of_each_frequency_trains_a_few_steps(frequency, tmp_path):
    path = ROOT / "recipes" / f"forecast-{frequency}.yaml"
    recipe = load_recipe(path, ["train.steps=2", "train.eval_every=2"])
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=tmp_path / "run")
    try:
        kinds = [type(event).__name__ for event in trainer]
    finally:
        trainer.folder.release()
    assert kinds[-1] == "Finished" and recipe.model.residual_of == "auto"


def test_generate_continues_a_named_series_of_a_panel_with_its_own_baseline(tmp_path):
    from tests.test_hybrid import panel_csv

    path = panel_csv(tmp_path / "p.csv")
    raw = series_recipe(path, mapping="many_to_one", lookback=12, series_column="shop")
    raw["model"]["residual_of"] = "seasonal_naive"
    run, _ = untrained(raw)
    lines = generated_text(run, series="south").splitlines()[1:]
    forecast = [float(line.split(",")[-1]) for line in lines]
    south = [
        float(row.split(",")[2]) for row in path.read_text().splitlines()[1:] if ",south," in row
    ]
    assert forecast == pytest.approx(south[-12:-9], abs=1e-3)
