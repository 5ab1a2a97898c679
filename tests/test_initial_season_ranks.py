"""The learned initial season under torchrun: its start is the mean over the first global
batch, every rank's windows together, so two ranks store what one process of the same
effective batch stores."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import yaml

from tests.conftest import ROOT
from tests.series_helpers import series_recipe, write_csv
from tests.test_data_parallel import launched


def noisy_csv(path):
    """A monthly wave with noise, so each window's own first season differs."""
    noise = np.random.default_rng(0).normal(0, 0.8, 240)
    wave = [10 + 5 * math.sin(2 * math.pi * t / 12) + noise[t] for t in range(240)]
    lines = ["month,level"] + [
        f"{1900 + t // 12}-{t % 12 + 1:02d},{value:.4f}" for t, value in enumerate(wave)
    ]
    return write_csv(path, "\n".join(lines) + "\n")


def recipe_file(folder, batch_size: int):
    raw = series_recipe(noisy_csv(folder / "s.csv"), mapping="many_to_one", lookback=24)
    raw["model"] |= {"decomposition": "multiplicative", "initial_season": "learned"}
    raw["model"] |= {"hidden_size": 8, "dropout": 0.0}
    # One step at a rate too small to move them: what is stored is the start.
    raw["train"] |= {"batch_size": batch_size, "steps": 1, "eval_every": 1, "lr": 1e-12}
    path = folder / f"recipe-{batch_size}.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def stored(run) -> torch.Tensor:
    weights = torch.load(run / "last.pt", weights_only=True)["model"]
    assert weights["norm.initial.started"]  # set from the first batch
    return weights["norm.initial.raw"]


@pytest.mark.slow
def test_two_ranks_start_the_learned_season_from_their_whole_first_batch(tmp_path):
    two = launched("train", str(recipe_file(tmp_path, 2)), "--out", "two", "--quiet", cwd=tmp_path)
    assert two.returncode == 0, two.stderr
    one = subprocess.run(
        [sys.executable, "-m", "seqcli", "train", str(recipe_file(tmp_path, 4)), "--out", "one"],
        cwd=tmp_path,
        env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert one.returncode == 0, one.stderr
    torch.testing.assert_close(stored(tmp_path / "two"), stored(tmp_path / "one"))
