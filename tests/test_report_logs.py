"""What the report reads beside metrics.jsonl: samples.jsonl (the validation samples, bounded)
and resumes.jsonl (where each resume started), written so that a resumed run's logs are a
straight run's, and shown on the page: the samples with their steps, a rule at each resume."""

from __future__ import annotations

import html
import json
import re
from contextlib import contextmanager

import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.engine import events
from seqcli.engine.start import fresh_training, resumed_training
from seqcli.recipe import load_recipe
from seqcli.runs import loggers
from seqcli.tasks import TASKS, task_for
from tests.conftest import tiny_recipe, write_corpus

CPU = torch.device("cpu")
SETTINGS = {"train": {"steps": 24, "eval_every": 8}}


def rows(folder, name: str) -> list[dict]:
    return [json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines()]


def measured(folder) -> list[dict]:
    """metrics.jsonl without what the clock decides (time, speed)."""
    return [
        {k: v for k, v in row.items() if k not in ("time", "speed")}
        for row in rows(folder, "metrics.jsonl")
    ]


def straight(write_recipe, out):
    recipe = load_recipe(write_recipe(**SETTINGS))
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=out)
    try:
        list(trainer)
    finally:
        trainer.folder.release()


def stopped_and_resumed(write_recipe, out, *, stop_at: int = 12, stray: str = ""):
    """The same run stopped at stop_at, a line (stray) added to samples.jsonl as a run killed
    after its checkpoint would leave it, then resumed to the end."""
    recipe = load_recipe(write_recipe(**SETTINGS))
    first = fresh_training(recipe, task_for(recipe), device=CPU, out=out)
    for event in first:
        if isinstance(event, events.Step) and event.step == stop_at:
            first.request_stop("test")
    first.folder.release()
    with (out / "samples.jsonl").open("a", encoding="utf-8") as log:
        log.write(stray)
    second = resumed_training(out, TASKS, device=CPU)
    list(second)
    second.folder.release()


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """A straight run and the same run stopped at step 12 and resumed."""
    root = tmp_path_factory.mktemp("pair")
    corpus = write_corpus(root / "corpus.txt")

    def write(**sections):
        path = root / "recipe.yaml"
        path.write_text(json.dumps(tiny_recipe(corpus, **sections)), encoding="utf-8")
        return path

    straight(write, root / "a")
    stray = json.dumps({"step": 20, "text": "written after the checkpoint"}) + "\n"
    stopped_and_resumed(write, root / "b", stray=stray)
    return root / "a", root / "b"


def test_a_resumed_run_logs_the_samples_and_metrics_a_straight_run_logs(pair):
    straight_run, resumed = pair
    assert [row["step"] for row in rows(straight_run, "samples.jsonl")] == [8, 16, 24]
    assert rows(resumed, "samples.jsonl") == rows(straight_run, "samples.jsonl")
    assert measured(resumed) == measured(straight_run)


def test_a_resume_is_recorded_at_the_step_it_started_from(pair):
    straight_run, resumed = pair
    assert not (straight_run / "resumes.jsonl").exists()
    assert [row["step"] for row in rows(resumed, "resumes.jsonl")] == [12]


def test_samples_are_bounded_in_number_and_length(write_recipe, tmp_path, monkeypatch):
    monkeypatch.setattr(loggers, "MAX_SAMPLES", 2)
    monkeypatch.setattr(loggers, "MAX_SAMPLE_CHARS", 5)
    recipe = load_recipe(write_recipe(train={"steps": 12, "eval_every": 3}))
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=tmp_path / "run")
    written = [e.text for e in trainer if isinstance(e, events.Sample)]
    trainer.folder.release()
    kept = rows(tmp_path / "run", "samples.jsonl")
    assert len(written) == 4 and [row["step"] for row in kept] == [3, 6]
    assert [row["text"] for row in kept] == [text[:5] for text in written[:2]]


@pytest.fixture(scope="module")
def resumed_page(pair) -> str:
    _, resumed = pair
    out = resumed.parent / "resumed.html"
    result = CliRunner().invoke(app, ["report", str(resumed), "--out", str(out), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_the_page_marks_each_resume_on_every_panel_of_the_curves(resumed_page):
    charts = json.loads(re.search(r'id="charts">(.*?)</script>', resumed_page, re.S).group(1))
    values = charts["curves-r0"]["data"]["values"]
    panels = {row["panel"] for row in values if "y" in row}
    marks = [row for row in values if "mark" in row]
    assert {row["panel"] for row in marks} == panels and {row["mark"] for row in marks} == {12}


def test_the_page_shows_each_validation_sample_under_its_step(resumed_page, pair):
    _, resumed = pair
    sample = r'<div class="sample" data-step="(\d+)"><b>[^<]*</b><pre>(.*?)</pre>'
    shown = re.findall(sample, resumed_page, re.S)
    expected = rows(resumed, "samples.jsonl")
    assert [(int(step), html.unescape(text)) for step, text in shown] == [
        (row["step"], row["text"]) for row in expected
    ]


@contextmanager
def browser_context(profile):
    from playwright.sync_api import sync_playwright

    from tests.test_report_browser import CHROMIUM, FLAGS

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=FLAGS
        )
        yield context
        context.close()


def test_a_browser_draws_the_resume_rule_on_every_panel_and_the_samples(pair, resumed_page):
    from tests.test_report_browser import Opened, missing_browser

    if reason := missing_browser():
        pytest.skip(reason)
    _, resumed = pair
    with browser_context(resumed.parent / "profile") as context:
        opened = Opened(context, resumed.parent / "resumed.html")
        panels = opened.page.locator(
            "#curves-r0 g.mark-symbol.role-mark"
        ).count()  # a group a panel
        rules = opened.page.locator("#curves-r0 g.mark-rule.role-mark > *")
        assert panels > 1 and rules.count() == panels  # one resume: a rule a panel
        samples = opened.page.locator(".samples .sample")
        assert samples.count() == 3 and samples.first.is_visible()
        assert opened.errors == [] and len(opened.requests) == 1
