"""Conformal calibration of a quantile forecaster's bands (model.calibrate): fitted on the
validation split, carried in the checkpoint, applied wherever the model forecasts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqcli.engine.run import load_run
from seqcli.engine.start import fresh_training
from seqcli.metrics.conformal import conformal_offsets
from seqcli.metrics.forecast import interval_rows
from seqcli.models.forecaster import DirectForecaster
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS, task_for
from tests.series_helpers import CPU, detail, series_recipe, write_csv

LEVELS = (0.1, 0.5, 0.9)


def band(width: float, count: int) -> np.ndarray:
    """(count, 1, 1, 3) the same band around zero at every origin."""
    return np.tile([-width / 2, 0.0, width / 2], (count, 1, 1, 1))


def test_a_band_too_narrow_is_widened_to_its_nominal_share_of_new_values():
    rng = np.random.default_rng(0)
    calibration, fresh = rng.normal(size=(400, 1, 1)), rng.normal(size=(20000, 1, 1))
    offsets = conformal_offsets(calibration, band(1.0, 400), LEVELS)  # covers about 38%
    ((_, raw, _),) = interval_rows(fresh, band(1.0, 20000), LEVELS)
    ((_, calibrated, width),) = interval_rows(fresh, band(1.0, 20000) + offsets, LEVELS)
    assert raw < 0.45 and 0.77 <= calibrated <= 0.85
    assert width == pytest.approx(2 * 1.2816, rel=0.1)  # the normal's 10% and 90% points
    assert offsets[0, 0, 1] == 0  # the median, the point forecast, stays put


def test_a_band_too_wide_is_narrowed():
    rng = np.random.default_rng(1)
    offsets = conformal_offsets(rng.normal(size=(400, 1, 1)), band(8.0, 400), LEVELS)
    assert offsets[0, 0, 0] > 0 > offsets[0, 0, 2]


def test_the_offset_is_the_corrected_rank_of_the_misses():
    actual = np.arange(1.0, 10.0)[:, None, None]  # 9 values 1..9 against the band [0, 0]
    offsets = conformal_offsets(actual, np.zeros((9, 1, 1, 3)), LEVELS)
    # k = ceil((9 + 1) * 0.8) = 8: the 8th smallest of the scores 1..9
    assert offsets[0, 0].tolist() == [-8.0, 0.0, 8.0]
    few = conformal_offsets(actual[:3], np.zeros((3, 1, 1, 3)), LEVELS)
    assert few[0, 0, 2] == 3.0  # k = ceil(4 * 0.8) = 4 > 3 origins: the widest miss


def test_too_few_origins_never_narrow_a_band():
    """With fewer origins than the level needs there is no guarantee: a band all three
    values fell inside stays as trained rather than shrinking to the widest of them."""
    inside = np.asarray([0.1, -0.2, 0.3])[:, None, None]
    offsets = conformal_offsets(inside, band(2.0, 3), LEVELS)
    assert offsets[0, 0].tolist() == [0.0, 0.0, 0.0]
    many = conformal_offsets(np.tile(inside, (4, 1, 1)), band(2.0, 12), LEVELS)
    assert many[0, 0, 2] < 0  # with enough origins a band too wide does narrow


def shifting_noise_csv(path, rows: int = 600):
    """A seasonal wave whose noise triples after the training part: bands trained on the
    calm part are far too narrow for the validation and test parts."""
    rng = np.random.default_rng(5)
    noise = rng.normal(size=rows) * np.where(np.arange(rows) < 360, 0.3, 1.0)
    values = 5 * np.sin(2 * np.pi * np.arange(rows) / 12) + noise
    return write_csv(path, "v\n" + "".join(f"{float(v)!r}\n" for v in values))


@pytest.fixture(scope="module")
def calibrated_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calibration")
    raw = series_recipe(
        shifting_noise_csv(folder / "noisy.csv"),
        mapping="many_to_one",
        test_size=120,
        val_fraction=0.2,
        horizon=2,
    )
    raw["model"]["quantiles"] = list(LEVELS)
    raw["train"] |= {"steps": 300, "eval_every": 300}
    recipe = validate_recipe(raw, source="calibration")
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=folder / "run")
    try:
        for _ in trainer:
            pass
    finally:
        trainer.folder.release()
    return load_run(folder / "run", CPU, TASKS)


def coverage_on_test(run) -> float:
    test = run.task.prepare(run.recipe, run.meta).splits["test"]
    ((_, coverage, _),) = detail(run.task.evaluate(run, test)["details"], "intervals")["rows"]
    return coverage


def test_calibrated_bands_reach_nominal_coverage_where_the_raw_ones_fall_short(calibrated_run):
    run = calibrated_run
    calibrated = coverage_on_test(run)
    offsets = run.model.band.offsets.clone()
    run.model.band.offsets.zero_()
    raw = coverage_on_test(run)
    run.model.band.offsets.copy_(offsets)
    assert raw < 0.65 and 0.73 <= calibrated <= 0.87
    assert (offsets[..., 2] > 0).all()  # fitted during training, loaded from best.pt


def test_calibrate_none_keeps_the_bands_as_trained(calibrated_run):
    run = calibrated_run
    recipe = validate_recipe(
        {
            **run.recipe.model_dump(mode="json"),
            "model": {**run.recipe.model.model_dump(mode="json"), "calibrate": "none"},
        },
        source="none",
    )
    none_run = type(run)(recipe, run.task, run.meta, run.model, CPU)
    offsets = run.model.band.offsets.clone()
    val = run.task.prepare(recipe, run.meta).splits["val"]
    none_run.task.calibrate(none_run, val)
    assert torch.equal(run.model.band.offsets, offsets)


def test_a_checkpoint_saved_before_calibration_loads_with_the_raw_bands():
    config = validate_recipe(
        series_recipe("x.csv", mapping="many_to_one") | {"model": {"quantiles": list(LEVELS)}},
        source="old",
    ).model
    model = DirectForecaster(config, features=1, values=1, horizon=3)
    weights = {k: v for k, v in model.state_dict().items() if k != "band.offsets"}
    model.band.offsets.fill_(1.0)
    model.load_state_dict(weights)
    assert not model.band.offsets.any()
