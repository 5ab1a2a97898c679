"""data.format arrays: an .npz of (N, T, F) numbers with a class per sequence or a label per
step. The scaling comes from the training rows alone, padding never reaches the model, a few
steps learn the shipped waves, and predict, gates and compare-cells take an arrays run."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import yaml
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.engine import events
from seqcli.engine.start import fresh_run
from seqcli.models.arrays import ArrayClassifier, ArrayTagger
from seqcli.recipe import validate_recipe
from seqcli.recipe.model import PooledConfig
from seqcli.tasks import TASKS
from tests.conftest import ROOT, train_briefly

runner = CliRunner()
WAVES = ROOT / "samples" / "waves" / "waves.npz"
SEGMENTS = ROOT / "samples" / "waves" / "segments.npz"


def arrays_recipe(path, *, mapping="many_to_one", **data) -> dict:
    return {
        "name": "arrays",
        "seed": 3,
        "mapping": mapping,
        "data": {"format": "arrays", "path": str(path), **data},
        "model": {"cell": "gru", "hidden_size": 8},
        "train": {"batch_size": 4, "steps": 2, "eval_every": 2, "monitor": "accuracy"},
    }


def ragged(path, *, n=12, steps=5, features=2, per_step=False):
    """n ragged examples whose padding holds 1000s, labels a/b alternating."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, steps, features)).astype(np.float32)
    lengths = np.asarray([steps - i % 3 for i in range(n)])
    x[np.arange(steps) >= lengths[:, None]] = 1000.0
    labels = np.asarray(["a", "b"] * (n // 2))
    y = np.repeat(labels[:, None], steps, axis=1) if per_step else labels
    np.savez(path, x=x, y=y, lengths=lengths)
    return x, lengths


def test_the_scaler_is_fitted_on_the_real_steps_of_the_training_file_alone(tmp_path):
    x, lengths = ragged(tmp_path / "train.npz")
    np.savez(tmp_path / "val.npz", x=x[:4] * 50 + 7, y=np.asarray(["a", "b", "a", "b"]))
    raw = arrays_recipe(tmp_path / "train.npz", val_path=str(tmp_path / "val.npz"))
    data = TASKS["array_classifier"].prepare(validate_recipe(raw, source="r"))
    steps = np.concatenate([x[i, : lengths[i]] for i in range(len(x))]).astype(np.float64)
    np.testing.assert_allclose(data.meta.scaler.center, steps.mean(0), rtol=1e-5)
    np.testing.assert_allclose(data.meta.scaler.scale, steps.std(0), rtol=1e-5)


def test_the_training_split_scales_to_zero_mean_and_unit_deviation(tmp_path):
    ragged(tmp_path / "d.npz", n=30)
    raw = arrays_recipe(tmp_path / "d.npz", val_fraction=0.3)
    data = TASKS["array_classifier"].prepare(validate_recipe(raw, source="r"))
    train, val = data.splits["train"], data.splits["val"]
    real = train.values[torch.arange(5) < train.lengths[:, None]]  # (M, F)
    torch.testing.assert_close(real.mean(0), torch.zeros(2), atol=1e-5, rtol=0)
    torch.testing.assert_close(real.std(0, unbiased=False), torch.ones(2), atol=1e-5, rtol=0)
    assert len(train) + len(val) == 30 and len(val) > 0
    assert (train.values[torch.arange(5) >= train.lengths[:, None]] == 0).all()


# torch's fused cells, and cells that run step by step on their own records
CELLS = [
    {"cell": "rnn"},
    {"cell": "lstm"},
    {"cell": "gru"},
    {"cell": "leaky"},
    {"cell": "rnn", "memory": "through_network"},
    {"cell": "lstm", "gate_activation": "hard_sigmoid"},
]


@pytest.mark.parametrize("model_class", [ArrayClassifier, ArrayTagger])
@pytest.mark.parametrize("cell", CELLS, ids=lambda options: "-".join(options.values()))
def test_padding_does_not_change_what_the_model_reads(model_class, cell):
    config = PooledConfig(**cell, direction="bi", layers=2, hidden_size=5, pooling="mean")
    torch.manual_seed(0)
    model = model_class(config, features=3, num_classes=4).eval()
    alone = torch.randn(1, 4, 3)
    padded = torch.cat([alone, torch.full((1, 3, 3), 9.0)], dim=1)  # (1, 7, 3)
    short = model(alone, torch.tensor([4])).out
    long = model(padded, torch.tensor([4])).out
    if model_class is ArrayTagger:
        long = long[:, :4]
    torch.testing.assert_close(short, long, atol=1e-6, rtol=0)


def test_a_few_steps_on_the_waves_beat_chance(tmp_path):
    trainer, stream = train_briefly(
        "array_classifier",
        tmp_path / "run",
        "model.hidden_size=16",
        "model.direction=uni",
        "train.steps=60",
        "train.eval_every=30",
        "train.eval_batches=null",
        "train.lr=0.01",
    )
    evaluated = [e.metrics for e in stream if isinstance(e, events.Evaluated)]
    assert evaluated[-1]["loss"] < evaluated[0]["loss"]
    assert evaluated[-1]["accuracy"] > 0.5  # three shapes: chance is 1/3


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A tiny trained run of each arrays task, through the CLI, on the shipped samples."""
    tmp = tmp_path_factory.mktemp("arrays")
    made = {}
    for name, path, mapping in (("cls", WAVES, "many_to_one"), ("tag", SEGMENTS, "many_to_many")):
        raw = arrays_recipe(path, mapping=mapping)
        raw["train"].update(batch_size=16, steps=4, eval_every=4, eval_batches=2)
        (tmp / f"{name}.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
        result = runner.invoke(app, ["train", str(tmp / f"{name}.yaml"), "--out", str(tmp / name)])
        assert result.exit_code == 0, result.output
        made[name] = tmp / name
    made["dir"] = tmp
    return made


def test_predict_reads_an_npz_and_numbers_its_examples_from_zero(runs):
    result = runner.invoke(app, ["predict", str(runs["cls"]), "--file", str(WAVES)])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(rows) == 900
    assert [int(row[0]) for row in rows] == list(range(900))
    assert {row[1] for row in rows} <= {"sine", "square", "sawtooth"}
    assert all(0 < float(row[2]) <= 1 for row in rows)


def test_predict_tags_every_real_step_of_each_example(runs, tmp_path):
    x, lengths = np.zeros((2, 9, 1), dtype=np.float32), np.asarray([9, 4])
    np.savez(tmp_path / "two.npz", x=x, lengths=lengths)  # no y: predict does not read it
    result = runner.invoke(app, ["predict", str(runs["tag"]), "--file", str(tmp_path / "two.npz")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [len(line.split("\t")[1].split()) for line in lines] == [9, 4]


def test_predict_text_is_steps_apart_and_features_by_commas(runs):
    args = ["predict", str(runs["cls"]), "--text", "0.1 1.5 -1 2", "--text", "3", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert [yaml.safe_load(line)["example"] for line in result.stdout.splitlines()] == [0, 1]


def test_evaluate_scores_an_arrays_run_on_another_file(runs):
    result = runner.invoke(app, ["evaluate", str(runs["tag"]), "--data", str(SEGMENTS), "--json"])
    assert result.exit_code == 0, result.output
    assert {"loss", "accuracy", "macro_f1"} <= set(yaml.safe_load(result.stdout))


@pytest.mark.parametrize("name", ["cls", "tag"])
def test_gates_reads_a_sequence_of_numbers(runs, name):
    args = ["gates", str(runs[name]), "--text", "0.5 1.5 -1 -2 0.3", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = yaml.safe_load(result.stdout)
    assert len(report["records"]["hidden"][0][0]) == 5  # layer 0, forward: a column per step


def test_compare_cells_trains_every_cell_on_arrays(runs):
    recipe, out = runs["dir"] / "cls.yaml", runs["dir"] / "cells"
    args = [
        "compare-cells",
        str(recipe),
        "--steps",
        "2",
        "--direction",
        "uni,bi",
        "--out",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len([p for p in out.iterdir() if p.is_dir()]) == 6  # rnn, lstm, gru x uni, bi


def test_integer_labels_are_ordered_by_value(tmp_path):
    x = np.zeros((6, 2, 1), dtype=np.float32)
    np.savez(tmp_path / "d.npz", x=x, y=np.asarray([10, 2, -1, 10, 2, -1]))
    raw = arrays_recipe(tmp_path / "d.npz", val_fraction=0)
    assert TASKS["array_classifier"].prepare(validate_recipe(raw, source="r")).meta.labels == (
        "-1",
        "2",
        "10",
    )


def test_a_regressor_beats_the_training_mean_on_wave_periods_in_a_few_steps(tmp_path):
    trainer, stream = train_briefly(
        "array_regressor",
        tmp_path / "run",
        "model.hidden_size=16",
        "train.steps=80",
        "train.eval_every=40",
        "train.eval_batches=null",
        "train.lr=0.01",
    )
    evaluated = [e.metrics for e in stream if isinstance(e, events.Evaluated)]
    assert evaluated[-1]["loss"] < evaluated[0]["loss"]
    assert evaluated[-1]["r2"] > 0.3  # 0: no better than always the training mean
    meta = trainer.run.meta
    periods = np.load(ROOT / "samples" / "waves" / "periods.npz")["y"]
    assert 8 < meta.target.mean < 24 and meta.target.scale == pytest.approx(periods.std(), rel=0.2)


def test_a_regressor_predicts_a_value_per_example_in_the_data_units(tmp_path):
    trainer, _ = train_briefly("array_regressor", tmp_path / "run")
    result = runner.invoke(
        app, ["predict", str(tmp_path / "run"), "--file", str(ROOT / "samples/waves/periods.npz")]
    )
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(rows) == 600 and rows[-1][0] == "599"
    assert all(0 < float(value) < 50 for _, value in rows)  # periods, not standardized values


def test_a_step_label_unseen_in_training_is_left_out_of_the_scores(tmp_path):
    ragged(tmp_path / "train.npz", per_step=True)
    x, lengths = ragged(tmp_path / "val.npz", n=2, per_step=True)
    np.savez(tmp_path / "val.npz", x=x, lengths=lengths, y=np.full((2, 5), "zz"))
    val_path = str(tmp_path / "val.npz")
    raw = arrays_recipe(tmp_path / "train.npz", mapping="many_to_many", val_path=val_path)
    recipe = validate_recipe(raw, source="r")
    _, data = fresh_run(recipe, TASKS["array_tagger"], device=torch.device("cpu"))
    assert (data.splits["val"].targets == -100).all()  # IGNORE: no loss, not scored
    assert data.meta.labels == ("a", "b")


def test_an_npz_that_unpacks_beyond_memory_is_refused_before_it_is_read(tmp_path, monkeypatch):
    import seqcli.data.arrays as arrays
    import seqcli.data.npz as npz
    from seqcli.errors import DataError

    path = tmp_path / "big.npz"
    np.savez_compressed(path, x=np.zeros((64, 100, 4), dtype=np.float32), y=np.zeros(64))
    declared = 64 * 100 * 4 * 4  # x alone: what the archive says it unpacks to, at least
    assert path.stat().st_size < declared / 20  # zeros pack tightly: no ratio can tell
    monkeypatch.setattr(npz, "memory_bytes", lambda: declared)
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("read before the check"))
    with pytest.raises(
        DataError,
        match=r"big.npz: its arrays need 401 KiB as seqcli reads them, more than this machine.s "
        r"memory \(100 KiB\)",
    ):
        arrays.read_arrays(path, target="label")
