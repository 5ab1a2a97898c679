"""The speech tasks' view on the page: an audio classifier's per-class table and confusion
matrix, a transcriber's utterances with the reference and what the model heard (the greedy
decoding `seqcli evaluate` scores)."""

from __future__ import annotations

import html
import json
import re

import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.engine.run import load_run, with_split_files
from seqcli.report.transcripts_view import UTTERANCES
from seqcli.tasks import TASKS
from tests.conftest import train_briefly


def reported(task: str, folder) -> str:
    train_briefly(task, folder)
    out = folder.parent / f"{task}.html"
    result = CliRunner().invoke(app, ["report", str(folder), "--out", str(out), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def transcriber(tmp_path_factory):
    folder = tmp_path_factory.mktemp("speech") / "transcriber"
    return folder, reported("transcriber", folder)


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    folder = tmp_path_factory.mktemp("speech") / "audio_classifier"
    return folder, reported("audio_classifier", folder)


def test_a_transcriber_page_shows_utterances_with_reference_and_hypothesis(transcriber):
    folder, out = transcriber
    run = load_run(folder, torch.device("cpu"), TASKS)
    val = with_split_files(run, run.task.prepare(run.recipe, run.meta)).splits["val"]
    chosen = val.spread(UTTERANCES)
    expected = list(zip(chosen.texts, run.task.transcribe(run, chosen), strict=True))
    table = re.search(r'<table class="transcripts">(.*?)</table>', out.read_text("utf-8"), re.S)
    rows = re.findall(r"<tr class=\"(\w+)\"><td>\d+</td><td>(.*?)</td><td>(.*?)</td>", table[1])
    assert [(html.unescape(w), html.unescape(h)) for _, w, h in rows] == expected
    assert [kind for kind, _, _ in rows] == ["right" if w == h else "wrong" for w, h in expected]


def test_an_audio_classifier_page_draws_its_confusion_matrix_over_the_split(classifier):
    folder, out = classifier
    page = out.read_text("utf-8")
    charts = json.loads(re.search(r'id="charts">(.*?)</script>', page, re.S).group(1))
    (matrix,) = [spec for key, spec in charts.items() if key.startswith("matrix-")]
    scores = json.loads(
        CliRunner().invoke(app, ["evaluate", str(folder), "--json", "--device", "cpu"]).stdout
    )
    (wanted,) = [d["matrix"] for d in scores["details"].values() if "matrix" in d]
    labels = wanted["labels"]
    cells = {(c["true class"], c["predicted"]): c["count"] for c in matrix["data"]["values"]}
    assert cells == {
        (labels[t], labels[p]): count
        for t, row in enumerate(wanted["counts"])
        for p, count in enumerate(row)
    }
    assert sum(cells.values()) > 0


def test_a_browser_draws_both_speech_views_offline(transcriber, classifier):
    from tests.test_report_browser import Opened, missing_browser
    from tests.test_report_logs import browser_context

    if reason := missing_browser():
        pytest.skip(reason)
    (_, heard), (_, classified) = transcriber, classifier
    with browser_context(heard.parent / "profile") as context:
        page = Opened(context, heard)
        assert page.page.locator("table.transcripts tr[class]").count() > 0
        assert page.page.locator("table.transcripts").is_visible()
        assert page.errors == [] and len(page.requests) == 1
        page = Opened(context, classified)
        cells = page.page.locator("[id^='matrix-'] g.mark-rect.role-mark path")
        assert cells.count() > 0  # a rect per (true, predicted) pair, drawn
        assert page.errors == [] and len(page.requests) == 1
