"""Where the report's seconds go: loading a run builds its model on the meta device first, and
torch's normal_ on a meta tensor imports torch._dynamo (2.5 to 4 s) the first time; the
random fills are skipped there, so loading a run (for the report, gates, evaluate) pays
torch's start-up and its own reading, nothing more. The run's sample is drawn once, though
two sections show it (bench/report.py times the whole command)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.engine.memory import model_on_meta
from seqcli.report.html import escape
from seqcli.tasks import task_for
from seqcli.tasks.language_model import LanguageModelTask
from tests.conftest import ROOT

LOAD = """
import sys, torch
from pathlib import Path
from seqcli.engine.run import load_run
from seqcli.tasks import TASKS
load_run(Path(sys.argv[1]), torch.device("cpu"), TASKS)
print("torch._dynamo" in sys.modules)
"""


def test_loading_a_run_does_not_import_torch_dynamo(trained_run):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", LOAD, str(trained_run)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_the_model_on_meta_has_the_shapes_of_the_model_it_stands_for(trained_run):
    from seqcli.engine.run import load_run
    from seqcli.tasks import TASKS

    run = load_run(trained_run, torch.device("cpu"), TASKS)
    meta = model_on_meta(task_for(run.recipe), run.recipe, run.meta)
    shapes = {name: tuple(p.shape) for name, p in meta.named_parameters()}
    assert all(p.is_meta for p in meta.parameters())
    assert shapes == {name: tuple(p.shape) for name, p in run.model.named_parameters()}


def test_the_runs_sample_is_drawn_once_for_the_task_view_and_the_gates_view(
    trained_run, tmp_path, monkeypatch
):
    drawn = []
    sample = LanguageModelTask.sample
    monkeypatch.setattr(
        LanguageModelTask,
        "sample",
        lambda task, run, step: drawn.append(step) or sample(task, run, step),
    )
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", str(trained_run), "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    gates = json.loads(re.search(r'class="gates-data">(.*?)</script>', page, re.S).group(1))
    assert drawn == [0]
    assert f"<pre>{escape(''.join(gates['steps']))}</pre>" in page
