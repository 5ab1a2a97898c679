"""A `seqcli tune` study folder on the page: the trials table, the optimisation history with
the best so far, a slice per numeric key, and best.yaml; drawn offline in a browser."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from seqcli.cli import app

TRIALS = [  # as tune/results.py writes them: the baseline first, a pruned one, a failed one
    {"number": 0, "state": "complete", "params": {"train.lr": 0.01, "model.cell": "lstm"},
     "value": 2.0, "pruned_step": None, "baseline": True},
    {"number": 1, "state": "complete", "params": {"train.lr": 0.003, "model.cell": "gru"},
     "value": 1.5, "pruned_step": None, "baseline": False},
    {"number": 2, "state": "pruned", "params": {"train.lr": 0.1, "model.cell": "lstm"},
     "value": 3.0, "pruned_step": 40, "baseline": False},
    {"number": 3, "state": "complete", "params": {"train.lr": 0.02, "model.cell": "gru"},
     "value": 1.8, "pruned_step": None, "baseline": False},
    {"number": 4, "state": "fail", "params": {"train.lr": 0.05}, "value": None,
     "pruned_step": None, "baseline": False},
]  # fmt: skip


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("study") / "tiny-tune"
    folder.mkdir()
    summary = {"study": "tiny-tune", "monitor": "loss", "direction": "minimize",
               "best": TRIALS[1], "gain": 0.5, "trials": TRIALS}  # fmt: skip
    (folder / "tune.json").write_text(json.dumps(summary), encoding="utf-8")
    (folder / "best.yaml").write_text("name: tiny\ntrain: {lr: 0.003}\n", encoding="utf-8")
    out = folder.parent / "study.html"
    result = CliRunner().invoke(app, ["report", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def charted(out, key: str = "study-r0") -> list[dict]:
    page = out.read_text(encoding="utf-8")
    charts = json.loads(re.search(r'id="charts">(.*?)</script>', page, re.S).group(1))
    return charts[key]["data"]["values"]


def test_the_history_shows_each_trial_and_the_best_finished_value_so_far(study):
    points = [p for p in charted(study) if p["panel"] == "history"]
    assert [(p["x"], p["y"]) for p in points if p["series"] == "trial"] == [
        (0, 2.0), (1, 1.5), (2, 3.0), (3, 1.8)
    ]  # fmt: skip
    # The pruned trial's 3.0 is no finished value: the best stays 1.5.
    assert [(p["x"], p["y"]) for p in points if p["series"] == "best so far"] == [
        (0, 2.0), (1, 1.5), (3, 1.5)
    ]  # fmt: skip


def test_a_slice_per_numeric_key_and_none_for_a_choice_of_words(study):
    assert {p["panel"] for p in charted(study, "study-r0-slices")} == {"train.lr"}
    lr = [(p["x"], p["y"]) for p in charted(study, "study-r0-slices")]
    assert lr == [(0.01, 2.0), (0.003, 1.5), (0.1, 3.0), (0.02, 1.8)]


def test_the_trials_table_and_best_recipe_are_on_the_page(study):
    page = study.read_text(encoding="utf-8")
    assert page.count("<tr><td>") == len(TRIALS)
    assert "<summary>best.yaml</summary><pre>name: tiny" in page


def test_a_browser_draws_the_study_offline(study):
    from tests.test_report_browser import Opened, missing_browser
    from tests.test_report_logs import browser_context

    if reason := missing_browser():
        pytest.skip(reason)
    with browser_context(study.parent / "profile") as context:
        opened = Opened(context, study)
        assert opened.page.locator("#study-r0 g.mark-symbol.role-mark").count() == 1
        assert opened.page.locator("#study-r0-slices g.mark-symbol.role-mark path").count() == 4
        assert opened.errors == [] and len(opened.requests) == 1
