"""Shared fixtures: a private token cache, a tiny corpus and a tiny recipe per test."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "shakespeare" / "input.txt"


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SEQCLI_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture
def corpus(tmp_path) -> Path:
    """About 20k characters of the Shakespeare sample: enough to learn, quick to read."""
    path = tmp_path / "corpus.txt"
    path.write_text(SAMPLE.read_text(encoding="utf-8")[:20000], encoding="utf-8")
    return path


def tiny_recipe(corpus: Path, **sections) -> dict:
    recipe = {
        "name": "tiny",
        "seed": 7,
        "data": {"path": str(corpus), "val_fraction": 0.1},
        "model": {"cell": "lstm", "layers": 1, "hidden_size": 32, "embedding_size": 16},
        "train": {"batch_size": 4, "seq_len": 16, "steps": 30, "eval_every": 10, "lr": 0.01},
        "generate": {"sample_length": 20, "prime": "A"},
    }
    for section, values in sections.items():
        if isinstance(values, dict):
            recipe[section] = {**recipe.get(section, {}), **values}
        else:
            recipe[section] = values
    return recipe


@pytest.fixture
def write_recipe(tmp_path, corpus):
    """Write a tiny recipe (with section overrides) and return its path."""

    def write(**sections) -> Path:
        path = tmp_path / "recipe.yaml"
        path.write_text(yaml.safe_dump(tiny_recipe(corpus, **sections)), encoding="utf-8")
        return path

    return write
