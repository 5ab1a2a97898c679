"""seqcli report as a person uses it: the page opened from disk in the system's Chromium, the
network blocked, the gates under the cursor read against `seqcli gates --json`."""

from __future__ import annotations

import io
import json
import os
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from seqcli.cli import app
from tests.conftest import ROOT, SHIPPED, train_briefly

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    *("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"),
    *("--disable-background-networking", "--disable-component-update", "--disable-sync"),
]
TEXT = "First Citizen:\nBefore we"


def missing_browser() -> str | None:
    """Why no browser test can run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install 'seqcli[dev]')"
    if not shutil.which(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium for the module, with a fresh profile; under CI a missing one
    fails, since CI installs it."""
    reason = missing_browser()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=FLAGS,
            viewport={"width": 1200, "height": 900},
        )
        yield context
        context.close()


class Opened:
    """A page opened offline: what it logged, and every request it made."""

    def __init__(self, context, path):
        self.page = context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda message: self._console(message))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_function(
            "document.querySelectorAll('.chart svg').length"
            " === document.querySelectorAll('.chart').length"
        )

    def _console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"{message.type}: {message.text}")

    def _route(self, route) -> None:
        self.requests.append(route.request.url)
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()


@pytest.fixture(scope="module")
def char_page(browser, trained_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(
        app, ["report", str(trained_run), "--text", TEXT.replace("\n", "\\n"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    opened = Opened(browser, out)
    yield opened, out
    opened.page.close()


def test_page_opens_offline_with_no_console_errors_and_asks_for_nothing_else(char_page):
    opened, out = char_page
    assert opened.errors == []
    assert opened.requests == [out.as_uri()]


def test_every_section_is_drawn(char_page):
    opened, _ = char_page
    drawn = opened.page.evaluate(
        """[...document.querySelectorAll('section')].map(section => [
            section.dataset.section,
            [...section.querySelectorAll('.chart svg')]
                .map(svg => svg.querySelectorAll('path').length),
            section.querySelectorAll('table tr').length])"""
    )
    assert [kind for kind, _, _ in drawn] == ["run", "task", "cells"]
    for kind, figures, rows in drawn:
        assert all(paths > 0 for paths in figures), kind
        assert figures or rows, kind
    assert drawn[0][1] and drawn[2][1]  # the curves; the LSTM's f against 1 - i


def test_gates_view_draws_a_span_per_character(char_page):
    opened, _ = char_page
    assert opened.page.locator(".gates .text span").count() == len(TEXT)


def gates_json(run, text: str) -> dict:
    result = CliRunner().invoke(app, ["gates", str(run), "--text", text, "--json"])
    return json.loads(result.stdout)


def test_hovering_a_character_shows_the_unit_value_seqcli_gates_gives(char_page, trained_run):
    opened, _ = char_page
    records = gates_json(trained_run, TEXT.replace("\n", "\\n"))["records"]
    page = opened.page
    page.select_option(".gates select.record", "c")
    page.fill(".gates input.unit", "5")
    for step in (0, 7, len(TEXT) - 1):
        page.hover(f".gates .text span[data-step='{step}']")
        for short, name in (("c", "cell"), ("h", "hidden"), ("f", "forget_gate")):
            shown = page.locator(f".gates .hover .value[data-record='{short}']").inner_text()
            expected = records[name][0][0][step][5]  # top (only) layer, forward, unit 5
            assert shown.startswith(f"{short} = ")
            assert float(shown.split("= ")[1]) == pytest.approx(expected, abs=1.5e-3)


def test_screenshot_is_not_blank(char_page):
    from PIL import Image

    opened, _ = char_page
    shot = np.asarray(Image.open(io.BytesIO(opened.page.screenshot(full_page=True))).convert("L"))
    assert shot.std() > 10
    assert (shot < 128).mean() > 0.01  # text and lines, not a white sheet


def test_hopfield_slider_walks_the_recall_seqcli_generate_prints(browser, tmp_path):
    import re

    recipe = ROOT / "recipes" / "hopfield-letters.yaml"
    trained = CliRunner().invoke(app, ["train", str(recipe), "--out", str(tmp_path / "hop")])
    assert trained.exit_code == 0, trained.output
    out = tmp_path / "hop.html"
    assert (
        CliRunner().invoke(app, ["report", str(tmp_path / "hop"), "--out", str(out)]).exit_code == 0
    )
    printed = CliRunner().invoke(app, ["generate", str(tmp_path / "hop")]).output
    energies = [float(e) for e in re.findall(r"iteration \d+ +energy (-?[\d.]+)", printed)]
    assert len(energies) > 1  # the probe, then at least one update
    opened = Opened(browser, out)
    page, slider = opened.page, opened.page.locator(".recall input.iteration")
    inked = "[...document.querySelectorAll('.recall rect')].map(r => r.getAttribute('fill')).join()"
    drawn = []
    for iteration, energy in enumerate(energies):
        slider.fill(str(iteration))
        shown = page.locator(".recall .energy").inner_text()
        assert shown == f"iteration {iteration} of {len(energies) - 1}: energy {energy:.4f}"
        drawn.append(page.evaluate(inked))
    assert drawn[0] != drawn[-1]  # the flipped units were put back
    assert opened.errors == [] and opened.requests == [out.as_uri()]
    opened.page.close()


def test_hovering_a_written_word_lights_the_source_by_its_attention(browser, tmp_path):
    train_briefly("translator", tmp_path / "digits")
    out = tmp_path / "digits.html"
    assert (
        CliRunner().invoke(app, ["report", str(tmp_path / "digits"), "--out", str(out)]).exit_code
        == 0
    )
    opened = Opened(browser, out)
    page = opened.page
    sentence = page.locator(".attention .sentence").first
    targets = sentence.locator("span.target")
    assert targets.count() > 0
    for row in range(targets.count()):
        targets.nth(row).hover()
        weights = [
            float(w)
            for w in sentence.locator("span.source").evaluate_all(
                "spans => spans.map(s => s.dataset.weight)"
            )
        ]
        assert sum(weights) == pytest.approx(1.0, abs=5e-3)  # a softmax over the source
    assert opened.errors == [] and opened.requests == [out.as_uri()]
    page.close()


# The inner loop draws the pages of three tasks unlike those above; make test-all and CI all.
SHORT_CUT = ("adding", "music", "array_tagger")


@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(SHIPPED))
def test_a_page_of_every_task_opens_offline_and_draws_every_figure(
    task, browser, tmp_path, full_run
):
    if not (full_run or task in SHORT_CUT):
        pytest.skip("the inner loop's short cut; make test-all runs every task")
    if task == "hopfield":  # it takes no training step: the brief sizes do not apply
        recipe = ROOT / "recipes" / "hopfield-letters.yaml"
        assert (
            CliRunner().invoke(app, ["train", str(recipe), "--out", str(tmp_path / task)]).exit_code
            == 0
        )
    else:
        train_briefly(task, tmp_path / task)
    out = tmp_path / f"{task}.html"
    result = CliRunner().invoke(app, ["report", str(tmp_path / task), "--out", str(out)])
    assert result.exit_code == 0, result.output
    opened = Opened(browser, out)  # it waits until every figure has its SVG
    sections = opened.page.evaluate(
        "[...document.querySelectorAll('section')].map(s => s.dataset.section)"
    )
    assert sections[:2] == ["run", "task"]
    assert opened.errors == [] and opened.requests == [out.as_uri()]
    opened.page.close()
