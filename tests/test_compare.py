"""compare-cells and its parts: hand-written cells, diagnostics, parameter matching."""

from __future__ import annotations

import math

import pytest
import torch
import yaml
from torch import nn
from typer.testing import CliRunner

from seqcli.analysis.diagnostics import ClipStats, diagnose
from seqcli.analysis.matching import match_hidden_size, meta_parameter_count
from seqcli.cli import app
from seqcli.compare import Grid, Variant, parse_grid, run_grid, train_variant, variant_recipe
from seqcli.compare.grid import plan
from seqcli.engine import events
from seqcli.engine.contract import Batch
from seqcli.errors import UsageError
from seqcli.models.cells import make_stack
from seqcli.models.language_model import Output
from seqcli.recipe import ModelConfig, load_recipe
from seqcli.tasks import TASKS
from seqcli.ui.sparkline import sparkline


class LastStepRegressor(nn.Module):
    """A tiny many-to-one model: the last hidden state predicts a value."""

    def __init__(self, cell: str, hidden: int = 8):
        super().__init__()
        self.rnn = make_stack(ModelConfig(cell=cell, hidden_size=hidden), input_size=2)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x, *, targets=None, state=None):
        h, state = self.rnn(x)  # (B, T, H)
        y = self.head(h[:, -1]).squeeze(-1)  # (B,)
        return Output(y, nn.functional.mse_loss(y, targets), state)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_diagnostics_are_finite_and_positive(cell):
    torch.manual_seed(0)
    model = LastStepRegressor(cell)
    batch = Batch({"x": torch.rand(4, 30, 2)}, torch.rand(4), size=4)
    report = diagnose(model, batch)
    assert len(report["gradient_flow"]) == 30
    assert all(math.isfinite(g) and g > 0 for g in report["gradient_flow"])
    assert 0 < report["early_gradient"] < report["late_gradient"]
    assert 0 <= report["saturation"] <= 1
    gate = {"lstm": "forget_gate", "gru": "update_gate"}.get(cell)
    assert gate is None or 0 < report[gate] < 1


def test_diagnostics_leave_the_model_untouched():
    model = LastStepRegressor("lstm").train()
    before = {name: p.clone() for name, p in model.state_dict().items()}
    diagnose(model, Batch({"x": torch.rand(2, 5, 2)}, torch.rand(2), size=2))
    assert model.training and next(model.parameters()).dtype == torch.float32
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(before[n], p) for n, p in model.state_dict().items())


def test_clip_stats_count_the_steps_clipping_changed():
    stats = ClipStats(clip_norm=1.0)
    for norm in (0.5, 2.0, 4.0, 0.9):
        stats.observe(norm)
    assert stats.summary() == {"grad_norm_median": 1.45, "grad_norm_max": 4.0, "clipped_share": 0.5}


def test_sparkline_is_log_scale():
    assert sparkline([1e-8, 1e-4, 1.0], width=3) == "▁▅█"  # 1e-4 is halfway on a log scale
    assert sparkline([0.0, 1.0, 10.0], width=3) == " ▁█"


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("direction", ["uni", "bi"])
@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_matched_hidden_size_is_within_two_percent(cell, layers, direction):
    def count(cell_name, hidden):
        config = ModelConfig(cell=cell_name, hidden_size=hidden, layers=layers, direction=direction)
        return meta_parameter_count(
            lambda: nn.Sequential(
                nn.Embedding(50, 16), make_stack(config, input_size=16), nn.Linear(hidden, 50)
            )
        )

    target = count("lstm", 96)
    hidden = match_hidden_size(lambda h: count(cell, h), target, what=cell)
    assert abs(count(cell, hidden) - target) <= 0.02 * target
    assert hidden > 96


def test_matching_that_cannot_reach_two_percent_says_why():
    with pytest.raises(UsageError, match="--match-params: rnn comes no closer than 10,001"):
        match_hidden_size(lambda h: 10_000 + h, 5_000, what="rnn")


def tiny_grid_recipe(tmp_path, **model):
    raw = {
        "name": "grid",
        "seed": 0,
        "mapping": "many_to_one",
        "data": {
            "format": "synthetic",
            "task": "adding",
            "length": 8,
            "train_examples": 64,
            "val_examples": 16,
            "test_examples": 16,
        },
        "model": {"cell": "lstm", "hidden_size": 40, **model},
        "train": {"batch_size": 8, "steps": 4, "eval_every": 2, "monitor": "mse"},
    }
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_grid_trains_every_variant_and_writes_the_reports(tmp_path):
    recipe = load_recipe(tiny_grid_recipe(tmp_path))
    grid = Grid(
        cells=(("lstm", None), ("gru", None)),
        layers=(1,),
        directions=("uni", "bi"),
        seeds=(0, 1),
        match_params=True,
        target=10.0,
    )
    stream = list(run_grid(recipe, grid, tmp_path / "out", device=torch.device("cpu")))
    done = [e for e in stream if isinstance(e, events.VariantDone)]
    assert len(done) == 8
    finished = stream[-1]
    assert isinstance(finished, events.CompareFinished)
    assert {p.name for p in finished.files} == {
        "compare.json",
        "compare.csv",
        "compare.md",
        "learning_curves.png",
        "gradient_flow.png",
    }
    assert all(p.stat().st_size > 0 for p in finished.files)
    assert [g["target_step"] for g in finished.groups] == [[2, 2]] * 4  # any mse beats 10
    planned = stream[0].parameters
    for direction in ("uni", "bi"):
        lstm = planned[f"lstm-1x40-{direction}-seed0"]
        gru = planned[f"gru-1x46-{direction}-seed0"]
        assert abs(gru - lstm) <= 0.02 * lstm


def test_rerun_skips_finished_variants(tmp_path):
    recipe = load_recipe(tiny_grid_recipe(tmp_path))
    grid = Grid(cells=(("rnn", None),), layers=(1,), directions=("uni",), seeds=(0,))
    first = list(run_grid(recipe, grid, tmp_path / "out", device=torch.device("cpu")))
    again = list(run_grid(recipe, grid, tmp_path / "out", device=torch.device("cpu")))
    assert again[0].finished == ("rnn-1x40-uni-seed0",)
    assert not [e for e in again if isinstance(e, events.VariantDone)]
    assert again[-1].groups[0]["test"] == first[-1].groups[0]["test"]


def test_cell_options_are_dropped_for_the_other_cells(tmp_path):
    recipe = load_recipe(tiny_grid_recipe(tmp_path, forget_bias=1.0))
    gru = variant_recipe(recipe, Variant("gru", 2, "bi", 12, 3), steps=9)
    model = gru.model
    assert (model.cell, model.forget_bias, model.layers, model.direction) == ("gru", None, 2, "bi")
    assert (gru.seed, gru.train.steps) == (3, 9)


def test_cli_rejects_an_unknown_cell(tmp_path):
    result = CliRunner().invoke(
        app, ["compare-cells", str(tiny_grid_recipe(tmp_path)), "--cells", "lstm,tcn"]
    )
    assert result.exit_code == 2
    assert "--cells lstm,tcn: choose among rnn, lstm, gru" in result.output


def test_interrupted_variant_resumes_with_its_whole_curve(tmp_path):
    recipe = load_recipe(tiny_grid_recipe(tmp_path))
    grid = Grid(cells=(("gru", None),), layers=(1,), directions=("uni",), seeds=(0,))
    variant = Variant("gru", 1, "uni", 40, 0)
    folder = tmp_path / "out" / variant.name
    stream = train_variant(
        variant_recipe(recipe, variant, steps=None),
        variant,
        folder,
        device=torch.device("cpu"),
        target=None,
    )
    next(e for e in stream if e.metric is not None)  # stop after the first validation
    stream.close()
    done = [
        e
        for e in run_grid(recipe, grid, tmp_path / "out", device=torch.device("cpu"))
        if isinstance(e, events.VariantDone)
    ]
    assert [step for step, _ in done[0].result["curve"]] == [2, 4]


class PackedClassifier(nn.Module):
    """Reads padded sequences packed by length, as variable-length classifiers do."""

    def __init__(self):
        super().__init__()
        self.rnn = make_stack(ModelConfig(cell="gru", hidden_size=4), input_size=2)
        self.head = nn.Linear(4, 1)

    def forward(self, x, lengths, *, targets=None, state=None):
        packed = nn.utils.rnn.pack_padded_sequence(
            x, lengths, batch_first=True, enforce_sorted=False
        )
        _, (h_n,) = self.rnn(packed)  # (1, B, H)
        y = self.head(h_n[-1]).squeeze(-1)  # (B,)
        return Output(y, nn.functional.mse_loss(y, targets), h_n)


def test_gradient_flow_reads_packed_input_as_padded_steps():
    torch.manual_seed(0)
    batch = Batch({"x": torch.rand(2, 5, 2), "lengths": torch.tensor([5, 3])}, torch.rand(2), 2)
    flow = diagnose(PackedClassifier(), batch)["gradient_flow"]
    assert len(flow) == 5 and all(g > 0 for g in flow[:3])
    # Steps 3 and 4 exist only in the first example: half the batch has no gradient there.
    assert flow[4] < flow[2]


def test_memory_and_gate_activation_make_form_axes(tmp_path):
    recipe = load_recipe(tiny_grid_recipe(tmp_path, hidden_size=120))
    flags = {
        "cells": "rnn,gru,leaky",
        "memory": "before_activation,through_network",
        "gate_activation": "hard_sigmoid",
        "layers": None,
        "direction": None,
        "seeds": None,
        "match_params": True,
        "steps": None,
        "target": None,
    }
    grid = parse_grid(recipe, flags)
    assert grid.cells == (
        ("rnn", "before_activation"),
        ("rnn", "through_network"),
        ("gru", "hard_sigmoid"),
        ("leaky", None),
    )
    variants = plan(recipe, grid, TASKS[recipe.task].prepare(recipe).meta)
    groups = [v.group.split("-")[0] for v in variants]
    assert groups == ["rnn.before_activation", "rnn.through_network", "gru.hard_sigmoid", "leaky"]
    counts = [
        meta_parameter_count(
            lambda v=v: TASKS[recipe.task].build_model(variant_recipe(recipe, v, steps=None), None)
        )
        for v in variants
    ]
    assert all(abs(c - counts[0]) <= 0.02 * counts[0] for c in counts)


def test_seeds_whose_first_batches_differ_in_length_still_average_their_gradient_flow():
    from seqcli.compare.report import summarize

    def run(seed, flow):
        variant = {"cell": "lstm", "layers": 1, "direction": "uni", "hidden_size": 4, "seed": seed}
        return {
            "group": "lstm-1x4-uni",
            "monitor": "loss",
            "test_split": "val",
            "variant": variant,
            "parameters": 10,
            "wall_s": 1.0,
            "speed": 1.0,
            "unit": "tok",
            "best_val": 1.0,
            "test": {"loss": 1.0},
            "target_step": None,
            "clipping": {},
            "diagnostics": {"gradient_flow": flow, "early_gradient": 1.0, "late_gradient": 1.0},
        }

    (group,) = summarize([run(0, [1.0, 4.0, 2.0]), run(1, [4.0, 1.0])])
    assert group["gradient_flow"] == pytest.approx([2.0, 2.0, 2.0])
