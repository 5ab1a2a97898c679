"""Every task's default model (the recipe's model section left empty: an LSTM, one layer, one
way, `pooling: last` where it pools) exports to ONNX, and onnxruntime gives torch's outputs on
a batch the exporter never saw."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml

from seqcli.engine.start import fresh_training
from seqcli.recipe import validate_recipe
from seqcli.recipe.load import overridden
from seqcli.tasks import TASKS
from tests.conftest import ROOT, SHIPPED
from tests.test_export import assert_onnx_matches_torch

CPU = torch.device("cpu")
TRACEABLE = [task for task in SHIPPED if not TASKS[task].spec.untraceable]
# Those that pool (`last` by default: the one torch's exporter failed on) run in the inner loop.
SHORT_CUT = {"classifier", "regressor", "array_classifier"}
JSB = "../../shared/data/polyphonic_music/JSB_Chorales.mat"  # recipes/jsb.yaml's data.path
SMALL = ("train.epochs=null", "train.steps=2", "train.eval_every=2", "train.eval_batches=1")


def train_default(task: str, out: Path) -> Path:
    """The task's shipped recipe with an empty model section but a small width, trained for
    two steps into out."""
    name, *shipped = SHIPPED[task].split()
    path = ROOT / "recipes" / f"{name}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["model"] = {"hidden_size": 6}
    raw = overridden(raw, [*shipped, *SMALL])
    recipe = validate_recipe(raw, source=str(path), base_dir=path.parent)
    trainer = fresh_training(recipe, TASKS[task], device=CPU, out=out)
    try:
        list(trainer)
    finally:
        trainer.folder.release()
    return out


@pytest.mark.parametrize("task", TRACEABLE)
def test_every_tasks_default_model_exports_to_onnx_and_runs_as_torch_does(task, tmp_path, full_run):
    runtime = pytest.importorskip("onnxruntime")
    if not (full_run or task in SHORT_CUT):
        pytest.skip("exported in full with --all")
    if task == "music" and not (ROOT / "recipes" / JSB).exists():
        pytest.skip("the JSB chorales are not on this machine")
    folder = train_default(task, tmp_path / "run")
    assert_onnx_matches_torch(runtime, folder, tmp_path / "model.onnx")
