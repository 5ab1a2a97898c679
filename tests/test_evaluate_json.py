"""`evaluate --json` keys are names a script can hard-code: short, the same whatever the data
(how many origins, which horizon, how many units), with the human title kept beside them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.recipe.tasks import SPECS
from tests.conftest import ROOT, SHIPPED, train_briefly

PLAIN_KEY = re.compile(r"[a-z]+(_[a-z]+)*")  # no digits: a number in a key is data
SHORT_CUT = {"classifier", "tagger", "autoregressive_forecaster"}  # the rest with --all
NOT_HERE = {"music"}  # its data (JSB chorales) is not shipped


def evaluate_json(run: Path, *args) -> dict:
    result = CliRunner().invoke(
        app, ["evaluate", str(run), "--json", "--device", "cpu", *map(str, args)]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def keys(report: dict, where: str = "") -> list[str]:
    """Every key of the report, as a path; the cells of a table's rows are not keys."""
    found = []
    for key, value in report.items():
        found.append(f"{where}/{key}")
        if isinstance(value, dict):
            found += keys(value, f"{where}/{key}")
    return found


@pytest.fixture(scope="module")
def sunspots(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sunspots") / "run"
    train_briefly("autoregressive_forecaster", out, "model.quantiles=[0.1,0.5,0.9]")
    return out


def test_a_forecasters_keys_stay_the_same_whatever_the_origins_and_horizon(sunspots):
    few = evaluate_json(sunspots, "--max-batches", 1, "--horizon", 2, "--backtest")
    many = evaluate_json(sunspots, "--horizon", 3, "--backtest", "--stride", 1)
    assert keys(few) == keys(many)
    assert set(few["details"]) == {"per_step", "ranking", "backtest", "intervals"}


def test_a_forecasters_tables_keep_their_titles_beside_the_short_keys(sunspots):
    details = evaluate_json(sunspots, "--horizon", 2)["details"]
    assert details["per_step"]["title"].startswith("the model's errors at each step ahead, from")
    assert details["ranking"]["title"].endswith("each the mean over h = 1..2")
    assert details["per_step"]["rows"][-1][0] == "mean 1-2"


@pytest.mark.parametrize("task", [task for task in SHIPPED if task not in NOT_HERE])
def test_every_tasks_evaluate_json_keys_hold_no_data(task, tmp_path, full_run):
    if not (full_run or task in SHORT_CUT):
        pytest.skip("trains every task; runs with --all (make test-all, CI)")
    report = evaluated_briefly(task, tmp_path / "run")
    metrics = set(SPECS[task].metric_names)
    unplain = [key for key in keys(report) if not plain(key.rsplit("/", 1)[1], metrics)]
    assert unplain == []


def evaluated_briefly(task: str, run: Path) -> dict:
    if task == "hopfield":  # stores its patterns at once: no steps to shorten
        recipe = ROOT / "recipes" / "hopfield-letters.yaml"
        result = CliRunner().invoke(app, ["train", str(recipe), "--out", str(run)])
        assert result.exit_code == 0, result.output
        return evaluate_json(run, "--capacity", 8)
    train_briefly(task, run)
    return evaluate_json(run, "--max-batches", 1)


def plain(key: str, metrics: set[str]) -> bool:
    """A metric's own name (last10_accuracy) or words joined by underscores."""
    return key in metrics or PLAIN_KEY.fullmatch(key) is not None
