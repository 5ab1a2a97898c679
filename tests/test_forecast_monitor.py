"""train.monitor on one step of a forecaster's horizon (rmse@1) or on the mean over it."""

from __future__ import annotations

import pytest

from seqcli.engine import events
from seqcli.engine.start import fresh_training
from seqcli.errors import RecipeError
from seqcli.recipe import validate_recipe
from seqcli.tasks import task_for
from tests.conftest import tiny_recipe
from tests.series_helpers import CPU, detail, series_recipe, sine_csv, untrained_run


def with_monitor(raw: dict, monitor: str) -> dict:
    return {**raw, "train": {**raw["train"], "monitor": monitor}}


def test_a_step_beyond_the_horizon_is_one_line_naming_the_key_and_the_horizon(tmp_path):
    raw = with_monitor(series_recipe(sine_csv(tmp_path / "s.csv")), "rmse@4")
    with pytest.raises(RecipeError) as caught:
        validate_recipe(raw, source="r.yaml")
    message = str(caught.value)
    assert "train.monitor: 'rmse@4' reads step 4, beyond data.horizon 3" in message
    assert len(message.splitlines()) == 1


def test_a_task_without_a_horizon_refuses_a_step(tmp_path):
    raw = tiny_recipe(tmp_path / "corpus.txt")
    raw["train"] = {**raw.get("train", {}), "monitor": "mae@1"}
    with pytest.raises(RecipeError, match="train.monitor: 'mae@1' is not reported by a lang"):
        validate_recipe(raw, source="r.yaml")


def test_evaluate_reports_the_monitored_step_as_the_per_step_table_gives_it(tmp_path):
    raw = with_monitor(series_recipe(sine_csv(tmp_path / "s.csv")), "mase@2")
    run, data = untrained_run(raw)
    metrics = run.task.evaluate(run, data.splits["val"])
    table = detail(metrics["details"], "per_step")
    step_two = dict(zip(table["columns"], table["rows"][1], strict=True))
    assert metrics["mase@2"] == pytest.approx(step_two["mase"])
    assert metrics["mase@2"] != pytest.approx(metrics["mase"])


def test_best_pt_follows_the_first_step_when_monitor_names_it(tmp_path):
    raw = with_monitor(series_recipe(sine_csv(tmp_path / "s.csv"), horizon=6), "rmse@1")
    raw["train"] |= {"steps": 40, "eval_every": 5, "lr": 0.03}
    recipe = validate_recipe(raw, source="r.yaml")
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=tmp_path / "run")
    try:
        stream = list(trainer)
    finally:
        trainer.folder.release()
    started = next(event for event in stream if isinstance(event, events.Started))
    assert started.monitor == "best.pt: the lowest validation rmse at step 1 of data.horizon 6"
    validations = [event.metrics for event in stream if isinstance(event, events.Evaluated)]
    best = min(validations, key=lambda metrics: metrics["rmse@1"])
    assert best != min(validations, key=lambda metrics: metrics["rmse"])  # a choice that matters
    (finished,) = [event for event in stream if isinstance(event, events.Finished)]
    assert finished.summary["best"] == {"metric": "rmse@1", "value": best["rmse@1"]}
