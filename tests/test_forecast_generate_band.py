"""The band generate writes after the end of the data: calibrated on every value validation
and test hold, as an evaluate origin after the last row would be."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from seqcli.recipe import validate_recipe
from seqcli.tasks.forecaster.batches import scaled_forecast
from seqcli.tasks.forecaster.calibration import calibrate_bands
from seqcli.tasks.forecaster.rolling import latest_offsets, rolling_forecast
from tests.series_helpers import CPU, generated, series_recipe, sine_csv, untrained_run
from tests.test_forecast_calibration import calibrated_by, calibrated_run  # noqa: F401


def forecast_with(run, split, origins, offsets) -> np.ndarray:
    """scaled_forecast with these band offsets, the model's own put back after."""
    with torch.no_grad(), run.model.band.holding(torch.from_numpy(offsets)):
        return scaled_forecast(run, split, origins, 2)


def test_the_latest_band_is_the_one_evaluate_draws_at_the_next_origin(calibrated_run):  # noqa: F811
    run = calibrated_run
    test = run.task.prepare(run.recipe, run.meta).splits["test"]
    last = test.points[-1:]
    rolled = rolling_forecast(run, test, test.points, 2)[-1]
    cut = replace(test, points=test.points[:-1], ends=test.ends - 1)  # the data ends before it
    assert forecast_with(run, test, last, latest_offsets(run, cut, 0))[0] == pytest.approx(
        rolled, abs=1e-5
    )


def band_of(csv: str) -> np.ndarray:
    """(steps, 3) the q0.1, median and q0.9 columns of generate's CSV."""
    rows = [line.split(",") for line in csv.splitlines()[1:]]
    return np.array([[float(row[2]), float(row[1]), float(row[3])] for row in rows])


def test_generate_writes_the_band_calibrated_up_to_the_end(calibrated_run):  # noqa: F811
    run = calibrated_run
    test = run.task.prepare(run.recipe, run.meta).splits["test"]
    latest = latest_offsets(run, test, 0)
    with run.model.band.holding(torch.from_numpy(latest)):
        by_hand = band_of("".join(generated(calibrated_by(run, "none"), horizon=2).chunks))
    stored = run.model.band.offsets_per_sd.numpy()
    assert not np.allclose(latest, stored)  # the test's values moved it
    with run.model.band.holding(run.model.band.offsets_per_sd.clone()):  # generate sets it
        assert band_of("".join(generated(run, horizon=2).chunks)) == pytest.approx(by_hand)


def test_without_its_data_generate_keeps_the_checkpoint_band_and_says_so(calibrated_run):  # noqa: F811
    run = calibrated_run
    raw = run.recipe.model_dump(mode="json")
    raw["data"]["path"] = str(run.recipe.data.path.parent / "gone.csv")
    moved = type(run)(validate_recipe(raw, source="moved"), run.task, run.meta, run.model, CPU)
    stored = run.model.band.offsets_per_sd.clone()
    result = generated(moved, horizon=2)
    assert "gone.csv: not found" in result.note
    assert torch.equal(run.model.band.offsets_per_sd, stored)


def test_without_a_test_part_generate_calibrates_on_validation_alone(tmp_path):
    raw = series_recipe(sine_csv(tmp_path / "s.csv"), mapping="many_to_one", test_size=None)
    raw["model"]["quantiles"] = [0.1, 0.5, 0.9]
    run, data = untrained_run(raw)
    assert len(data.splits["test"]) == 0
    calibrate_bands(run, data.splits["val"])
    on_validation = run.model.band.offsets_per_sd.clone()
    with run.model.band.holding():
        "".join(generated(run, horizon=2).chunks)
        assert torch.equal(run.model.band.offsets_per_sd, on_validation)


def test_a_data_file_that_no_longer_reads_leaves_the_checkpoint_band_and_says_why(tmp_path):
    raw = series_recipe(sine_csv(tmp_path / "s.csv"), mapping="many_to_one")
    raw["model"]["quantiles"] = [0.1, 0.5, 0.9]
    run, _ = untrained_run(raw)
    (tmp_path / "s.csv").write_text("month,level\n1900-01,1\n")
    result = generated(run, horizon=2)
    assert "s.csv" in result.note and result.note.endswith("on the validation split only")
    assert not run.model.band.offsets_per_sd.any()
