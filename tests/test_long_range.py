"""The long-range tasks' data: adding problem, copy memory and JSB Chorales."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.data.music import load_music
from seqcli.data.synthetic import MEMORY, SYMBOLS, make_batch
from seqcli.errors import DataError
from seqcli.metrics.long_range import memoryless_adding_mse, memoryless_copy_loss
from seqcli.models.language_model import Output
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS
from seqcli.tasks.music import MusicMeta
from seqcli.tasks.synthetic import Generated, SyntheticMeta

JSB = Path(__file__).resolve().parents[2] / "shared" / "data" / "polyphonic_music"


def test_adding_examples_mark_one_value_in_each_half():
    x, y = make_batch("adding", range(20), length=50, seed=0, split="train")  # (B, T, 2)
    markers = x[:, :, 1]
    assert torch.equal(markers[:, :25].sum(1), torch.ones(20))
    assert torch.equal(markers[:, 25:].sum(1), torch.ones(20))
    torch.testing.assert_close(y, (x[:, :, 0] * markers).sum(1))


def test_predicting_one_scores_the_adding_baseline():
    _, y = make_batch("adding", range(4000), length=10, seed=1, split="val")
    assert ((y - 1) ** 2).mean().item() == pytest.approx(memoryless_adding_mse(), abs=0.01)


def test_copy_examples_recall_the_ten_digits_after_the_delimiter():
    x, y = make_batch("copy", range(3), length=7, seed=0, split="train")  # (B, T+20)
    assert x.shape == y.shape == (3, 27)
    digits = x[:, :10]
    assert ((digits >= 1) & (digits <= 8)).all()
    assert (x[:, 10:16] == 0).all() and (x[:, 16:] == 9).all()
    assert (y[:, :17] == 0).all() and torch.equal(y[:, 17:], digits)


def test_memoryless_copy_loss_is_ten_ln8_over_t_plus_20():
    # Blanks certain, last ten steps uniform over the eight digits.
    steps, memory = 100 + 20, 10
    expected = memory * math.log(8) / steps
    assert memoryless_copy_loss(100, MEMORY) == pytest.approx(expected)


def test_examples_depend_on_seed_split_and_index_only():
    first, _ = make_batch("copy", [5, 9], length=4, seed=3, split="train")
    again, _ = make_batch("copy", [9], length=4, seed=3, split="train")
    other, _ = make_batch("copy", [9], length=4, seed=3, split="val")
    assert torch.equal(first[1], again[0])
    assert not torch.equal(again, other)


@pytest.mark.skipif(not JSB.is_dir(), reason="needs ../shared/data beside the repository")
def test_jsb_chorales_load_as_88_key_frames():
    splits = load_music(JSB / "JSB_Chorales.mat")
    assert {k: len(v) for k, v in splits.items()} == {"train": 229, "val": 76, "test": 77}
    assert sum(len(p) for p in splits["train"]) == 13807
    assert all(p.shape[1] == 88 and p.dtype == np.float32 for p in splits["test"])


def test_missing_music_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="music file not found"):
        load_music(tmp_path / "none.mat")


def test_music_file_without_a_split_names_the_key(tmp_path):
    from scipy.io import savemat

    path = tmp_path / "music.mat"
    savemat(path, {"traindata": _cells([np.zeros((3, 4))]), "testdata": _cells([])})
    with pytest.raises(DataError, match="no 'validdata' array"):
        load_music(path)


def test_non_binary_frames_name_the_piece(tmp_path):
    from scipy.io import savemat

    path = tmp_path / "music.mat"
    good, bad = np.zeros((3, 4)), np.full((3, 4), 0.5)
    pieces = {
        "traindata": _cells([good, bad]),
        "validdata": _cells([good]),
        "testdata": _cells([good]),
    }
    savemat(path, pieces)
    with pytest.raises(DataError, match="traindata piece 2: frames must be 0/1"):
        load_music(path)


def _cells(arrays):
    cells = np.empty((1, len(arrays)), dtype=object)
    for i, array in enumerate(arrays):
        cells[0, i] = array
    return cells


class Constant(torch.nn.Module):
    """A model that ignores its input: the memoryless reference the metrics are checked on."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def forward(self, x, lengths=None, *, targets=None, state=None):
        return Output(self.make(x), None, None)


def fake_run(model, *, meta, batch_size=7, length=5):
    recipe = SimpleNamespace(
        train=SimpleNamespace(batch_size=batch_size), data=SimpleNamespace(length=length)
    )
    return SimpleNamespace(recipe=recipe, meta=meta, model=model, device=torch.device("cpu"))


def test_adding_mse_of_a_constant_prediction_is_its_mean_squared_error():
    x, y = make_batch("adding", range(20), length=6, seed=0, split="val")
    run = fake_run(Constant(lambda x: torch.full((len(x),), 0.5)), meta=None)
    metrics = TASKS["adding"].evaluate(run, Generated(x, y))
    assert metrics["mse"] == pytest.approx(((y - 0.5) ** 2).mean().item(), rel=1e-6)
    assert metrics["loss"] == metrics["mse"]


def test_memoryless_copy_model_scores_the_baseline_loss_and_chance_on_the_last_ten():
    length = 30
    x, y = make_batch("copy", range(16), length=length, seed=0, split="val")

    def memoryless(x):  # sure of a blank until the delimiter, then uniform over the digits
        logits = torch.full((*x.shape, SYMBOLS), -1e9)
        logits[:, : length + MEMORY, 0] = 0.0
        logits[:, length + MEMORY :, 1:9] = 0.0
        return logits

    run = fake_run(Constant(memoryless), meta=SyntheticMeta("copy", length), length=length)
    metrics = TASKS["copy"].evaluate(run, Generated(x, y))
    assert metrics["loss"] == pytest.approx(memoryless_copy_loss(length, MEMORY), rel=1e-5)
    ones = (y[:, -MEMORY:] == 1).float().mean().item()  # argmax of a tie is the first digit
    assert metrics["last10_accuracy"] == pytest.approx(ones)


def test_music_nll_is_bai_et_al_trace_formula_per_frame():
    generator = np.random.default_rng(0)
    pieces = [(generator.random((n, 4)) < 0.3).astype(np.float32) for n in (5, 9, 3)]
    probs = torch.tensor([0.1, 0.5, 0.3, 0.8])
    run = fake_run(
        Constant(lambda x: torch.logit(probs).expand(*x.shape)),
        meta=MusicMeta(4, [0.25] * 4),
        batch_size=2,
    )
    total, count = 0.0, 0
    for piece in pieces:  # TCN's music_test.py: -trace(y log p' + (1-y) log(1-p)'), summed
        y = torch.from_numpy(piece[1:])
        p = probs.expand_as(y)
        total += -torch.trace(y @ p.log().T + (1 - y) @ (1 - p).log().T).item()
        count += len(y)
    metrics = TASKS["music"].evaluate(run, pieces)
    assert metrics["nll"] == pytest.approx(total / count, rel=1e-5)
    assert metrics["details"]["baseline"]["rows"][0][1] > 0


ROOT = Path(__file__).resolve().parents[1]
SAMPLE_JSB = ROOT / "samples" / "jsb-chorales" / "JSB_Chorales_small.mat"
SHRINK = {
    "adding-200": ["data.length=12", "data.val_examples=16", "data.test_examples=16"],
    "copy-100": ["data.length=5", "data.val_examples=16", "data.test_examples=16"],
    "jsb": [f"data.path={SAMPLE_JSB}", "model.hidden_size=16", "train.early_stopping=null"],
}


@pytest.mark.parametrize("name", SHRINK)
def test_long_range_recipes_train_a_few_steps(tmp_path, name):
    settings = [
        *SHRINK[name],
        "train.steps=3",
        "train.epochs=null",
        "train.eval_every=3",
        "train.batch_size=8",
        "model.hidden_size=16",
    ]
    args = [
        "train",
        str(ROOT / "recipes" / f"{name}.yaml"),
        "--out",
        str(tmp_path / "run"),
        "--device",
        "cpu",
        "--quiet",
        "--diagnose",
    ]
    for setting in settings:
        args += ["--set", setting]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    reports = json.loads((tmp_path / "run" / "diagnostics.json").read_text())["reports"]
    assert reports[0]["step"] == 3 and reports[0]["early_gradient"] > 0
    assert (tmp_path / "run" / "gradient_flow.png").stat().st_size > 0


def test_synthetic_batches_resume_exactly():
    recipe = validate_recipe(
        {
            "name": "r",
            "mapping": "many_to_many",
            "train": {"batch_size": 4},
            "data": {"format": "synthetic", "task": "copy", "length": 3, "train_examples": 10},
        },
        source="test",
    )
    task = TASKS["copy"]
    data = task.prepare(recipe)
    first = task.batches(data, recipe)
    for _ in range(4):  # into the second epoch
        next(first)
    second = task.batches(data, recipe)
    second.load_state_dict(first.state_dict())
    assert torch.equal(next(first).inputs["x"], next(second).inputs["x"])


def test_predict_and_generate_read_their_inputs(tmp_path):
    recipe = ROOT / "recipes" / "copy-100.yaml"
    runner, out = CliRunner(), tmp_path / "run"
    trained = runner.invoke(
        app,
        [
            "train",
            str(recipe),
            "--out",
            str(out),
            "--quiet",
            "--device",
            "cpu",
            "--set",
            "data.length=4",
            "--set",
            "data.val_examples=8",
            "--set",
            "train.steps=1",
        ],
    )
    assert trained.exit_code == 0, trained.output
    good = runner.invoke(app, ["predict", str(out), "--text", "1234 5678 12", "--json"])
    assert json.loads(good.stdout)["input"] == "1234 5678 12"
    assert len(json.loads(good.stdout)["recalled"]) == 10
    bad = runner.invoke(app, ["predict", str(out), "--text", "1239"])
    assert bad.exit_code == 2 and "line 1: '1239' is not ten digits from 1 to 8" in bad.output
    assert "does not apply" not in bad.output
    generate = runner.invoke(app, ["generate", str(out)])
    assert (
        generate.exit_code == 2
        and "generate does not apply to a copy-memory model" in generate.output
    )


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("direction", ["uni", "bi"])
@pytest.mark.parametrize("task", ["adding", "copy"])
def test_synthetic_models_take_any_cell_depth_and_direction(cell, direction, task):
    mapping = {"adding": "many_to_one", "copy": "many_to_many"}[task]
    recipe = validate_recipe(
        {
            "name": "r",
            "mapping": mapping,
            "data": {
                "format": "synthetic",
                "task": task,
                "length": 6,
                "val_examples": 2,
                "test_examples": 2,
            },
            "model": {"cell": cell, "layers": 2, "direction": direction, "hidden_size": 5},
        },
        source="test",
    )
    data = TASKS[task].prepare(recipe)
    model = TASKS[task].build_model(recipe, data.meta)
    out = model(data.splits["val"].inputs, targets=data.splits["val"].targets)
    expected = {"adding": (2,), "copy": (2, 26, SYMBOLS)}[task]
    assert out.out.shape == expected and out.loss.isfinite()


def test_backward_direction_state_is_what_the_regressor_reads():
    torch.manual_seed(0)
    recipe = validate_recipe(
        {
            "name": "r",
            "mapping": "many_to_one",
            "model": {"direction": "bi", "hidden_size": 3},
            "data": {"format": "synthetic", "task": "adding", "length": 4},
        },
        source="test",
    )
    model = TASKS["adding"].build_model(recipe, None)
    x = torch.rand(1, 4, 2)
    h, _ = model.rnn(x)  # (1, 4, 6)
    final = torch.cat([h[:, -1, :3], h[:, 0, 3:]], dim=-1)  # forward at T-1, backward at 0
    torch.testing.assert_close(model(x).out, model.head(final).squeeze(-1))


def test_synthetic_sizes_come_from_the_recipe():
    recipe = validate_recipe(
        {
            "name": "r",
            "mapping": "many_to_one",
            "train": {"batch_size": 4},
            "data": {
                "format": "synthetic",
                "task": "adding",
                "length": 6,
                "train_examples": 10,
                "val_examples": 3,
                "test_examples": 5,
            },
        },
        source="test",
    )
    data = TASKS["adding"].prepare(recipe)
    assert data.splits["val"].inputs.shape == (3, 6, 2)
    assert len(data.splits["test"]) == 5
    batches = TASKS["adding"].batches(data, recipe)
    assert len(batches) == 3  # 10 examples in batches of 4
