"""Conformal calibration of a quantile forecaster's bands (model.calibrate): fitted on the
validation split, carried in the checkpoint, applied wherever the model forecasts."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from seqcli.engine.run import load_run
from seqcli.engine.start import fresh_training
from seqcli.metrics.conformal import RunningConformal, band_scores, conformal_offsets
from seqcli.metrics.forecast import interval_rows
from seqcli.models.forecaster import DirectForecaster
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS, task_for
from seqcli.tasks.forecaster.batches import scaled_forecast
from seqcli.tasks.forecaster.rolling import LastPools, pool_start, rolling_forecast, series_pool
from tests.series_helpers import CPU, detail, series_recipe, untrained_run, write_csv

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


def test_too_few_origins_never_narrow_a_band():
    """With fewer origins than the level needs there is no guarantee: a band all three
    values fell inside stays as trained rather than shrinking to the widest of them."""
    inside = np.asarray([0.1, -0.2, 0.3])[:, None, None]
    offsets = conformal_offsets(inside, band(2.0, 3), LEVELS)
    assert offsets[0, 0].tolist() == [0.0, 0.0, 0.0]
    many = conformal_offsets(np.tile(inside, (4, 1, 1)), band(2.0, 12), LEVELS)
    assert many[0, 0, 2] < 0  # with enough origins a band too wide does narrow


def test_the_offset_is_the_corrected_rank_of_the_misses():
    actual = np.arange(1.0, 10.0)[:, None, None]  # 9 values 1..9 against the band [0, 0]
    offsets = conformal_offsets(actual, np.zeros((9, 1, 1, 3)), LEVELS)
    # k = ceil((9 + 1) * 0.8) = 8: the 8th smallest of the scores 1..9
    assert offsets[0, 0].tolist() == [-8.0, 0.0, 8.0]
    few = conformal_offsets(actual[:3], np.zeros((3, 1, 1, 3)), LEVELS)
    assert few[0, 0, 2] == 3.0  # k = ceil(4 * 0.8) = 4 > 3 origins: the widest miss


def test_values_off_the_calibration_split_are_not_scores():
    """NaN marks a step that lands outside validation: each step ranks its own known values."""
    actual = np.full((9, 2, 1), np.nan)
    actual[:, 0, 0] = np.arange(1.0, 10.0)  # step 1: nine scores, k = 8
    actual[:4, 1, 0] = [4.0, 1.0, 2.0, 3.0]  # step 2: four, k = ceil(5 * 0.8) = 4
    offsets = conformal_offsets(actual, np.zeros((9, 2, 1, 3)), LEVELS)
    assert offsets[:, 0, 2].tolist() == [8.0, 4.0]
    assert not conformal_offsets(np.full((3, 1, 1), np.nan), band(1.0, 3), LEVELS).any()


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


def calibrated_by(run, calibrate: str):
    """The same weights under another model.calibrate."""
    raw = run.recipe.model_dump(mode="json")
    raw["model"]["calibrate"] = calibrate
    return type(run)(validate_recipe(raw, source=calibrate), run.task, run.meta, run.model, CPU)


def test_calibrated_bands_reach_nominal_coverage_where_the_raw_ones_fall_short(calibrated_run):
    run = calibrated_run
    offsets = run.model.band.offsets_per_sd.clone()
    assert (offsets[..., 2] > 0).all()  # fitted during training, loaded from best.pt
    calibrated = coverage_on_test(run)
    with run.model.band.holding():
        raw = coverage_on_test(calibrated_by(run, "none"))
    assert raw < 0.65 and 0.75 <= calibrated <= 0.85


def test_calibrate_none_keeps_the_bands_as_trained(calibrated_run):
    none_run = calibrated_by(calibrated_run, "none")
    offsets = none_run.model.band.offsets_per_sd.clone()
    val = none_run.task.prepare(none_run.recipe, none_run.meta).splits["val"]
    none_run.task.calibrate(none_run, val)
    assert torch.equal(none_run.model.band.offsets_per_sd, offsets)


def old_config(window_norm: bool):
    raw = series_recipe("x.csv", mapping="many_to_one")
    raw["model"] |= {"quantiles": list(LEVELS), "window_norm": window_norm}
    return validate_recipe(raw, source="old").model


def test_a_checkpoint_saved_before_calibration_loads_with_the_raw_bands():
    model = DirectForecaster(old_config(True), features=1, values=1, horizon=3)
    weights = {k: v for k, v in model.state_dict().items() if k != "band.offsets_per_sd"}
    model.band.offsets_per_sd.fill_(1.0)
    model.load_state_dict(weights)
    assert not model.band.offsets_per_sd.any()


@pytest.mark.parametrize(("window_norm", "kept"), [(True, 0.5), (False, 0.0)])
def test_offsets_saved_in_the_old_unit_load_only_where_it_was_the_windows_spread(window_norm, kept):
    """band.offsets were in the model's own units: the window's spread with window_norm (the
    unit now), the data scaling's without it, which no window converts."""
    model = DirectForecaster(old_config(window_norm), features=1, values=1, horizon=3)
    weights = {k: v for k, v in model.state_dict().items() if k != "band.offsets_per_sd"}
    weights["band.offsets"] = torch.full((3, 1, 3), 0.5)
    model.load_state_dict(weights)
    assert model.band.offsets_per_sd.eq(kept).all()


def test_each_step_is_scored_on_every_validation_value_it_lands_on(calibrated_run):
    """Origins before the validation split count for the steps that land inside it: every
    step ahead gets a score per validation row, not only per origin whose horizon fits."""
    run = calibrated_run
    val = run.task.prepare(run.recipe, run.meta).splits["val"]
    rows = int(val.ends[0] - val.train_ends[0])
    pool = series_pool(run, val, 0, 2, pool_start(val, 0, 2))
    assert pool.origins[0] == val.train_ends[0] - 1  # its second step lands on the first row
    assert (~np.isnan(pool.by_row[..., 0, 0])).sum(axis=0).tolist() == [rows, rows]


def test_the_running_calibration_matches_the_batch_one_after_every_value():
    rng = np.random.default_rng(2)
    levels = (0.05, 0.1, 0.5, 0.9, 0.95)
    actual = rng.normal(size=(40, 2, 1))
    actual[rng.random(actual.shape) < 0.2] = np.nan  # steps that land off the split
    quantiles = np.sort(rng.normal(size=(40, 2, 1, 5)), axis=-1)
    running = RunningConformal(levels, (2, 1))
    for seen in range(1, 41):
        running.add(band_scores(actual[seen - 1], quantiles[seen - 1], levels))
        batch = conformal_offsets(actual[:seen], quantiles[:seen], levels)
        assert running.offsets(np.array([[[0.9, 0.8]]] * 2)) == pytest.approx(batch)


def test_a_band_is_calibrated_on_values_before_its_origin_only(calibrated_run):
    """Rewrite every value from an origin on: its band, and every earlier one, stay the same."""
    run = calibrated_run
    test = run.task.prepare(run.recipe, run.meta).splits["test"]
    origins = test.points[test.points + 2 <= test.ends[0]]
    cut = int(origins[len(origins) // 2])
    before = rolling_forecast(run, test, origins, 2)
    changed = replace(test, scaled=test.scaled.copy())
    changed.scaled[cut:] *= -3.0
    after = rolling_forecast(run, changed, origins, 2)
    early = origins <= cut
    assert np.array_equal(before[early], after[early]) and not np.array_equal(before, after)


def test_the_checkpoint_holds_the_calibration_at_the_end_of_validation(calibrated_run):
    """generate's band (the stored offsets) is the rolling one at the test's first origin."""
    run = calibrated_run
    splits = run.task.prepare(run.recipe, run.meta).splits
    first = splits["test"].points[:1]
    rolled = rolling_forecast(run, splits["test"], first, 2)
    with torch.no_grad():
        stored = scaled_forecast(run, splits["test"], first, 2)
    assert rolled == pytest.approx(stored, abs=1e-5)


def test_a_validation_reads_its_forecasts_once_and_new_weights_read_them_again(calibrated_run):
    run = calibrated_run
    val = run.task.prepare(run.recipe, run.meta).splits["val"]
    start = pool_start(val, 0, 2)
    first = LastPools.get(run, val, 0, 2, start)
    assert LastPools.get(run, val, 0, 2, start) is first  # calibration, then evaluation
    weight = next(run.model.parameters())
    with torch.no_grad():
        weight.add_(0.5)
        moved = LastPools.get(run, val, 0, 2, start)
        weight.sub_(0.5)
    assert moved is not first and not np.array_equal(moved.raw, first.raw)


def test_a_roll_out_past_the_calibrated_horizon_is_scored_with_bands(tmp_path):
    """evaluate --horizon beyond data.horizon: the steps after it start from the last step's
    offsets, as the model's band does, and are recalibrated on their own scores."""
    raw = series_recipe(shifting_noise_csv(tmp_path / "n.csv"), test_size=120, horizon=2)
    raw["model"]["quantiles"] = list(LEVELS)
    run, data = untrained_run(raw)
    test = data.splits["test"]
    ((_, coverage, _),) = detail(run.task.evaluate(run, test, horizon=5)["details"], "intervals")[
        "rows"
    ]
    assert 0.7 <= coverage <= 0.9
