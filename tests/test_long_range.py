"""The long-range tasks' data: adding problem, copy memory and JSB Chorales."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from seqcli.data.music import load_music
from seqcli.data.synthetic import BASELINES, make_batch
from seqcli.errors import DataError

JSB = Path(__file__).resolve().parents[2] / "shared" / "data" / "polyphonic_music"


def test_adding_examples_mark_one_value_in_each_half():
    x, y = make_batch("adding", range(20), length=50, seed=0, split="train")  # (B, T, 2)
    markers = x[:, :, 1]
    assert torch.equal(markers[:, :25].sum(1), torch.ones(20))
    assert torch.equal(markers[:, 25:].sum(1), torch.ones(20))
    torch.testing.assert_close(y, (x[:, :, 0] * markers).sum(1))


def test_predicting_one_scores_the_adding_baseline():
    _, y = make_batch("adding", range(4000), length=10, seed=1, split="val")
    assert ((y - 1) ** 2).mean().item() == pytest.approx(BASELINES["adding"](10), abs=0.01)


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
    assert BASELINES["copy"](100) == pytest.approx(expected)


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
    pieces = {"traindata": _cells([good, bad]), "validdata": _cells([good]),
              "testdata": _cells([good])}  # fmt: skip
    savemat(path, pieces)
    with pytest.raises(DataError, match="traindata piece 2: frames must be 0/1"):
        load_music(path)


def _cells(arrays):
    cells = np.empty((1, len(arrays)), dtype=object)
    for i, array in enumerate(arrays):
        cells[0, i] = array
    return cells
