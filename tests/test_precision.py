"""bf16 autocast: the model learns as in float32, its weights stay float32, and generation and
evaluation run in the precision the run trained in."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.engine.precision import bf16_supported
from seqcli.engine.start import fresh_training
from seqcli.recipe import validate_recipe
from seqcli.tasks import task_for
from tests.conftest import tiny_recipe

CPU = torch.device("cpu")
needs_bf16 = pytest.mark.skipif(not bf16_supported(CPU), reason="this CPU has no fast bf16")


def trained(corpus, out, precision: str):
    recipe = validate_recipe(
        tiny_recipe(corpus, train={"precision": precision, "steps": 40, "eval_every": 20}),
        source="tiny",
    )
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=out)
    try:
        events = list(trainer)
    finally:
        trainer.folder.release()
    return trainer, [event.metrics["loss"] for event in events if hasattr(event, "metrics")]


@needs_bf16
def test_bf16_learns_as_float32_does_and_keeps_float32_weights(corpus, tmp_path):
    _, full = trained(corpus, tmp_path / "fp32", "fp32")
    trainer, half = trained(corpus, tmp_path / "bf16", "bf16")
    assert half[-1] < half[0]
    assert abs(half[-1] - full[-1]) < 0.02 * full[-1]
    weights = torch.load(tmp_path / "bf16" / "last.pt", weights_only=True)["model"]
    assert {tensor.dtype for tensor in weights.values()} == {torch.float32}


@needs_bf16
def test_generation_and_evaluation_run_in_the_runs_precision(corpus, tmp_path):
    trained(corpus, tmp_path / "run", "bf16")
    runner = CliRunner()
    text = runner.invoke(app, ["generate", str(tmp_path / "run"), "--length", "25"])
    assert text.exit_code == 0 and len(text.stdout) >= 25
    plain = runner.invoke(app, ["evaluate", str(tmp_path / "run"), "--precision=fp32", "--json"])
    half = runner.invoke(app, ["evaluate", str(tmp_path / "run"), "--json"])  # the run's bf16
    plain, half = (json.loads(result.stdout)["loss"] for result in (plain, half))
    assert abs(half - plain) < 0.02 * plain
