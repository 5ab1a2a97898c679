"""The README's "Bring your own data" recipes, one per kind of file people have, each load and
train a few steps on a tiny file of that shape, and read what the README says they read."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
import yaml

from seqcli.engine import events
from seqcli.engine.start import fresh_training
from seqcli.recipe import load_recipe
from seqcli.tasks import task_for
from tests.conftest import ROOT

BRIEF = (
    "model.hidden_size=8",
    "model.embedding_size=8",
    "train.steps=2",
    "train.eval_every=2",
    "train.eval_batches=1",
    "train.batch_size=4",
)
WORDS = {"pos": "great loved fine superb", "neg": "awful boring dull worst"}


def write_reviews_csv(path):
    rows = [f"{word} film,{label}" for label, words in WORDS.items() for word in words.split()]
    path.write_text("text,label\n" + "\n".join(rows * 5) + "\n", encoding="utf-8")


def write_tickets_tsv(path):
    rows = [f"{label}\t{word} ticket" for label, words in WORDS.items() for word in words.split()]
    path.write_text("\n".join(rows * 5) + "\n", encoding="utf-8")


def write_names_folder(path):
    path.mkdir()
    (path / "Irish.txt").write_text("Murphy\nKelly\nByrne\nRyan\n" * 5, encoding="utf-8")
    (path / "Greek.txt").write_text("Pappas\nNikolaou\nDimas\nAlexiou\n" * 5, encoding="utf-8")


def write_sales_csv(path):
    days = np.arange(200)
    sales = 100 + 10 * np.sin(2 * np.pi * days / 7) + days / 10
    dates = np.datetime64("2024-01-01") + days
    prices = 9.5 + days % 3  # a covariate the forecast reads
    rows = [f"{d},{s:.2f},{p}" for d, s, p in zip(dates, sales, prices, strict=True)]
    path.write_text("date,sales,price\n" + "\n".join(rows) + "\n", encoding="utf-8")


def write_traces_npz(path):
    generator = np.random.default_rng(0)
    x = generator.normal(size=(40, 12, 3)).astype(np.float32)
    np.savez(path, x=x, y=np.array(["walk", "run"] * 20))


# Per data.path in the README: the tiny file's writer, and what the run must have read from it.
FILES = {
    "reviews.csv": (write_reviews_csv, lambda meta: meta.labels == ("neg", "pos")),
    "tickets.tsv": (write_tickets_tsv, lambda meta: meta.labels == ("neg", "pos")),
    "names/": (write_names_folder, lambda meta: meta.labels == ("Greek", "Irish")),
    "sales.csv": (
        write_sales_csv,
        lambda meta: (
            (meta.columns.values, meta.columns.inputs, meta.columns.date)
            == (("sales",), ("price",), "date")
        ),
    ),
    "traces.npz": (write_traces_npz, lambda meta: meta.labels == ("run", "walk")),
}


def readme_recipes() -> list[dict]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Bring your own data\n", 1)[1].split("\n## ", 1)[0]
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", section, re.S)]


RECIPES = readme_recipes()


def test_the_readme_gives_one_recipe_per_kind_of_file():
    assert sorted(raw["data"]["path"] for raw in RECIPES) == sorted(FILES)


@pytest.mark.parametrize("raw", RECIPES, ids=lambda raw: raw["data"]["path"])
def test_a_readme_recipe_trains_on_a_file_of_its_shape(raw, tmp_path):
    write, read_as_promised = FILES[raw["data"]["path"]]
    write(tmp_path / raw["data"]["path"].rstrip("/"))
    (tmp_path / "recipe.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    recipe = load_recipe(tmp_path / "recipe.yaml", list(BRIEF))
    trainer = fresh_training(
        recipe, task_for(recipe), device=torch.device("cpu"), out=tmp_path / "run"
    )
    try:
        stream = list(trainer)
    finally:
        trainer.folder.release()
    assert read_as_promised(trainer.run.meta)
    [validated] = [event for event in stream if isinstance(event, events.Evaluated)]
    assert validated.metrics and all(math.isfinite(v) for v in validated.metrics.values())
