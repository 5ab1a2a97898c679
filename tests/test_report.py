"""seqcli report without a browser: the page is whole and offline, no text in a run can break
out of it, it is written safely, and its numbers are the ones evaluate and gates give."""

from __future__ import annotations

import base64
import json
import re
import shutil

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from tests.conftest import train_briefly

HOSTILE_NAME = "<img src=x onerror=window.hacked=1>"  # no slash: a folder may bear it
HOSTILE_COMMENT = "# </script><script>window.hacked=2</script><!--\n"


def report(*args) -> object:
    return CliRunner().invoke(app, ["report", *map(str, args)])


@pytest.fixture(scope="module")
def page(trained_run, tmp_path_factory) -> str:
    """The report of a copy of the session's run whose folder name and recipe are hostile."""
    folder = tmp_path_factory.mktemp("hostile") / HOSTILE_NAME
    shutil.copytree(trained_run, folder)
    with (folder / "recipe.yaml").open("a", encoding="utf-8") as recipe:
        recipe.write(HOSTILE_COMMENT)
    out = folder.parent / "report.html"
    result = report(folder, "--text", "First Citizen:\\nBefore", "--out", out, "--device", "cpu")
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def embedded(page: str, pattern: str) -> object:
    return json.loads(re.search(pattern, page, re.S).group(1))


def test_text_in_a_run_never_leaves_its_element(page):
    assert HOSTILE_NAME not in page and "window.hacked=2</script>" not in page
    assert "&lt;img src=x onerror=window.hacked=1&gt;" in page
    # Our scripts only: the charts' JSON, the gates' JSON, the runtime and the page's script.
    assert len(re.findall(r"<script\b", page)) == len(re.findall(r"</script>", page)) == 4


def test_page_names_no_file_to_fetch_outside_its_scripts(page):
    # The browser tests block the network and see nothing asked; this checks the markup.
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", page, flags=re.S)
    assert not re.search(r"<[^>]*\b(src|href)=|<link\b|@import|url\(", markup, re.I)


def test_gates_view_holds_the_values_seqcli_gates_gives(page, trained_run):
    data = embedded(page, r'class="gates-data">(.*?)</script>')
    result = CliRunner().invoke(
        app, ["gates", str(trained_run), "--text", "First Citizen:\\nBefore", "--json"]
    )
    records = json.loads(result.stdout)["records"]
    assert data["steps"] == list("First Citizen:\nBefore")
    for record in data["records"].values():
        values = np.frombuffer(base64.b64decode(record["values"]), dtype="<f2")
        expected = np.asarray(records[record["name"]])  # (L, D, T, H)
        assert values.shape == (expected.size,)
        # float16: 11 significant bits, a relative error under 2^-11
        np.testing.assert_allclose(values.reshape(expected.shape), expected, rtol=5e-4, atol=1e-4)


def test_a_file_that_is_not_a_report_is_kept_without_overwrite(trained_run, tmp_path):
    notes = tmp_path / "notes.html"
    notes.write_text("<p>mine</p>", encoding="utf-8")
    result = report(trained_run, "--out", notes, "--device", "cpu")
    assert result.exit_code == 2
    assert f"--out {notes}: exists and is not a seqcli report; pass --overwrite" in result.output
    assert notes.read_text(encoding="utf-8") == "<p>mine</p>"
    assert report(trained_run, "--out", notes, "--overwrite", "--device", "cpu").exit_code == 0
    assert "seqcli report" in notes.read_text(encoding="utf-8")
    assert report(trained_run, "--out", notes, "--device", "cpu").exit_code == 0  # a report
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.html"]  # no partial


def test_no_report_is_written_through_a_link(trained_run, tmp_path):
    target = tmp_path / "elsewhere.html"
    target.write_text("kept", encoding="utf-8")
    link = tmp_path / "report.html"
    link.symlink_to(target)
    result = report(trained_run, "--out", link, "--overwrite", "--device", "cpu")
    assert result.exit_code == 2
    refusal = f"--out {link}: is a symbolic link; seqcli writes no file through a link"
    assert refusal in result.output
    assert target.read_text(encoding="utf-8") == "kept"


def test_a_folder_without_a_run_is_named(tmp_path):
    result = report(tmp_path, "--out", tmp_path / "r.html")
    assert result.exit_code == 2
    assert f"{tmp_path}: holds no metrics.jsonl (not a run folder, or not started)" in result.output


def test_classifier_view_draws_the_confusion_matrix_evaluate_reports(tmp_path):
    trainer, _ = train_briefly("classifier", tmp_path / "spam")
    out = tmp_path / "spam.html"
    assert report(tmp_path / "spam", "--out", out, "--device", "cpu").exit_code == 0
    charts = embedded(out.read_text(encoding="utf-8"), r'id="charts">(.*?)</script>')
    heatmap = next(spec for key, spec in charts.items() if key.startswith("matrix-"))
    result = CliRunner().invoke(app, ["evaluate", str(tmp_path / "spam"), "--json"])
    matrix = json.loads(result.stdout)["details"]["confusion"]["matrix"]
    cells = heatmap["data"]["values"]
    assert len(cells) == len(matrix["labels"]) ** 2
    for cell in cells:
        true, predicted = (matrix["labels"].index(cell[k]) for k in ("true class", "predicted"))
        assert cell["count"] == matrix["counts"][true][predicted]


def test_gates_points_to_the_report(trained_run):
    result = CliRunner().invoke(app, ["gates", str(trained_run), "--text", "First"])
    assert f"seqcli report {trained_run} with the same --text or --file" in result.output


def test_compare_cells_folder_shows_each_groups_gradient_flow(tmp_path):
    from tests.test_compare import tiny_grid_recipe

    args = ["compare-cells", tiny_grid_recipe(tmp_path), "--cells", "rnn,gru", "--out", "cells"]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        done = CliRunner().invoke(app, [*map(str, args), "--device", "cpu"])
        assert "all variants on one page: seqcli report cells" in done.output
        assert report("cells", "--out", "cells.html", "--device", "cpu").exit_code == 0
    page = (tmp_path / "cells.html").read_text(encoding="utf-8")
    charts = embedded(page, r'id="charts">(.*?)</script>')
    flow = charts["flow-r0"]["data"]["values"]
    groups = json.loads((tmp_path / "cells" / "compare.json").read_text(encoding="utf-8"))["groups"]
    for group in groups:
        drawn = [point["y"] for point in flow if point["series"] == group["group"]]
        assert drawn == [value for value in group["gradient_flow"] if value > 0]
    variants = {point["series"] for point in charts["curves-r0"]["data"]["values"]}
    assert variants == {
        f"{run} {split}"
        for run in ("rnn-1x40-uni-seed0", "gru-1x40-uni-seed0")
        for split in ("train", "val")
    }


def test_forecaster_view_draws_the_forecast_generate_writes_on_dates(tmp_path):
    train_briefly("direct_forecaster", tmp_path / "air")
    out = tmp_path / "air.html"
    assert report(tmp_path / "air", "--out", out, "--device", "cpu").exit_code == 0
    spec = embedded(out.read_text(encoding="utf-8"), r'id="charts">(.*?)</script>')["forecast-r0"]
    assert spec["spec"]["layer"][1]["encoding"]["x"]["type"] == "temporal"
    drawn = [p for p in spec["data"]["values"] if p["series"] == "forecast"]
    written = CliRunner().invoke(app, ["generate", str(tmp_path / "air")]).stdout.splitlines()
    rows = [line.split(",") for line in written[1:]]
    assert [point["x"][:7] for point in drawn] == [month for month, _ in rows]
    assert [point["y"] for point in drawn] == pytest.approx([float(v) for _, v in rows], abs=1e-3)


def test_tagger_view_shows_gold_and_the_tags_predict_gives(tmp_path):
    from seqcli.engine.run import load_run
    from seqcli.tasks import TASKS

    train_briefly("tagger", tmp_path / "pos")
    out = tmp_path / "pos.html"
    assert report(tmp_path / "pos", "--out", out, "--device", "cpu").exit_code == 0
    page = out.read_text(encoding="utf-8")
    tables = re.findall(r'<table class="tags">(.*?)</table>', page, re.S)
    assert len(tables) == 5
    cells = re.findall(r'<td class="(right|wrong)">(.*?)<br>(.*?)<br>(.*?)</td>', tables[0])
    run = load_run(tmp_path / "pos", torch.device("cpu"), TASKS)
    predicted = run.task.predict(run, [" ".join(word for _, word, _, _ in cells)])[0]["labels"]
    assert [tag for _, _, _, tag in cells] == predicted
    assert all((kind == "right") == (gold == tag) for kind, _, gold, tag in cells)


def test_several_runs_are_overlaid_and_their_metrics_set_side_by_side(trained_run, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(trained_run, other)
    out = tmp_path / "both.html"
    assert report(trained_run, other, "--out", out, "--device", "cpu").exit_code == 0
    page = out.read_text(encoding="utf-8")
    series = {
        p["series"]
        for p in embedded(page, r'id="charts">(.*?)</script>')["curves-all"]["data"]["values"]
    }
    assert series == {f"{name} {split}" for name in ("run", "other") for split in ("train", "val")}
    final = json.loads((trained_run / "summary.json").read_text(encoding="utf-8"))["final"]["val"]
    row = re.search(r"<tr><td>loss</td><td>(.*?)</td><td>(.*?)</td></tr>", page).groups()
    assert row == (f"{final['loss']:.4g}",) * 2


def test_values_json_cannot_carry_become_null_and_no_text_ends_the_script():
    from seqcli.report.html import as_json

    text = as_json({"loss": [float("nan"), 1.5, float("inf")], "label": "</script><!--&"})
    assert json.loads(text) == {"loss": [None, 1.5, None], "label": "</script><!--&"}
    assert "<" not in text and ">" not in text and "&" not in text


def test_per_step_figure_draws_seqcli_gates_per_step_table(page, trained_run):
    drawn = embedded(page, r'id="charts">(.*?)</script>')["per-step-r0"]["data"]["values"]
    result = CliRunner().invoke(
        app, ["gates", str(trained_run), "--text", "First Citizen:\\nBefore", "--json"]
    )
    table = json.loads(result.stdout)["per_step"]
    assert {point["panel"] for point in drawn} == set(table)
    for panel, values in table.items():
        assert [p["y"] for p in drawn if p["panel"] == panel] == pytest.approx(values)


def test_an_out_that_is_not_html_is_refused_before_any_work(tmp_path):
    result = report(tmp_path / "no-such-run", "--out", tmp_path / "page.txt")
    assert result.exit_code == 2
    assert f"--out {tmp_path / 'page.txt'}: expected a file name ending in .html or .htm" in (
        result.output
    )
