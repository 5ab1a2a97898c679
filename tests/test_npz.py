"""An .npz's members are checked before NumPy inflates them: a zip bomb, a header that lies
about its array's size, a lone .npy and arrays that outgrow memory once seqcli widens them are
each refused naming the file, and np.load never runs."""

from __future__ import annotations

import numpy as np
import pytest

import seqcli.data.npz as npz
from seqcli.data.arrays import read_arrays
from seqcli.errors import DataError
from tests.npz_files import bomb, encrypted, forged


@pytest.fixture
def no_load(monkeypatch):
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("np.load ran before the check"))


def test_a_zip_bomb_is_refused_naming_its_member_and_ratio(tmp_path, no_load):
    path = bomb(tmp_path / "bomb.npz")
    assert path.stat().st_size < 200_000  # 80 MiB of x in a file of a few dozen KiB
    with pytest.raises(DataError, match=r"bomb\.npz:x: unpacks to 80 MiB from .* to 1\), as a zip"):
        read_arrays(path, target="class")


def test_a_header_declaring_more_than_its_member_holds_is_refused(tmp_path, no_load):
    path = forged(tmp_path / "forged.npz", (10**9, 1, 1))
    with pytest.raises(DataError, match=r"x's header declares \(1000000000, 1, 1\) float32"):
        read_arrays(path, target="class")


def test_a_lone_npy_is_refused_before_numpy_allocates_its_header(tmp_path, no_load):
    path = tmp_path / "one.npz"
    np.save(path.with_suffix(".npy"), np.zeros(3))
    path.with_suffix(".npy").rename(path)
    with pytest.raises(DataError, match="one.npz: holds one array; an arrays file is an .npz"):
        read_arrays(path, target="class")


def test_the_memory_estimate_counts_x_widened_to_float32_and_float64(
    tmp_path, monkeypatch, no_load
):
    path = tmp_path / "bytes.npz"
    np.savez(path, x=np.zeros((100, 10, 1), dtype=np.int8), y=np.zeros(100, dtype=np.int8))
    # 1,000 bytes of x and 100 of y on disk, 1,000 x 12 more held: under 14 KB but over 11
    monkeypatch.setattr(npz, "memory_bytes", lambda: 11_000)
    with pytest.raises(DataError, match=r"bytes\.npz: its arrays need 13(\.\d)? KiB as seqcli"):
        read_arrays(path, target="class")


def test_real_numbers_that_pack_loosely_are_read(tmp_path):
    path = tmp_path / "real.npz"
    x = np.random.default_rng(0).normal(size=(8, 5, 2)).astype(np.float32)
    np.savez_compressed(path, x=x, y=np.arange(8) % 2)
    assert np.array_equal(read_arrays(path, target="class").x, x)


def test_an_encrypted_member_is_refused_naming_it(tmp_path, no_load):
    path = encrypted(tmp_path / "locked.npz")
    with pytest.raises(DataError, match=r"locked\.npz: x is encrypted; save the arrays without"):
        read_arrays(path, target="class")
