"""A recipe's tune: section: the search space seqcli tune reads, checked as --param is and
overridden by --space and --param; seqcli train reads the recipe without it."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from seqcli.cli import app

pytest.importorskip("optuna")

SPACE = {"train.lr": "float(1e-3,3e-2,log)", "model.hidden_size": "choice(8,16)"}


@pytest.fixture
def recipe(write_recipe):
    train = {"steps": 10, "eval_every": 5, "lr": 0.01}
    return write_recipe(train=train, generate={"sample_length": 0}, tune=SPACE)


def run(*args: str):
    return CliRunner().invoke(app, [*args, "--threads", "1"])


def test_the_recipes_tune_section_is_the_search_space(recipe, tmp_path):
    out = tmp_path / "study"
    result = run("tune", str(recipe), "--trials", "2", "--pruner", "none", "--out", str(out))
    assert result.exit_code == 0, result.output
    trials = json.loads((out / "tune.json").read_text())["trials"]
    assert [set(row["params"]) for row in trials] == [set(SPACE)] * 2
    assert all(row["params"]["model.hidden_size"] in (8, 16) for row in trials)


def test_a_param_flag_replaces_the_recipes_entry_for_its_key(recipe, tmp_path):
    from seqcli.recipe import load_recipe
    from seqcli.tune.space import search_space

    flags = ["model.hidden_size=choice(4,32)"]
    params = {p.key: p for p in search_space(flags, None, load_recipe(recipe, []).tune, recipe)}
    assert params["model.hidden_size"].choices == (4, 32)
    assert params["train.lr"].log and params["train.lr"].low == 1e-3


def test_a_key_the_recipe_lacks_in_its_tune_section_is_one_line_naming_the_file(
    write_recipe, tmp_path
):
    recipe = write_recipe(tune={"train.lrr": "float(1e-4,1e-2)"})
    out = tmp_path / "study"
    result = run("tune", str(recipe), "--out", str(out))
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        f"error: {recipe}: tune: train.lrr=float(0.0001,0.01): at 0.0001: train.lrr: "
        "unknown key (did you mean 'lr'?)"
    )
    assert not out.exists()


def test_a_badly_written_distribution_in_the_recipe_names_the_file_and_key(write_recipe):
    recipe = write_recipe(tune={"train.lr": "float(2,1)"})
    result = run("tune", str(recipe))
    assert result.exit_code == 2
    assert f"{recipe}: tune: train.lr: low 2 must be below high 1" in result.stderr


def test_train_reads_the_recipe_without_its_tune_section(write_recipe, tmp_path):
    from seqcli.recipe import load_recipe, recipe_to_dict

    train = {"steps": 4, "eval_every": 2}
    plain = recipe_to_dict(load_recipe(write_recipe(train=train), []))
    searched = write_recipe(train=train, tune=SPACE)
    result = run("train", str(searched), "--out", str(tmp_path / "run"))
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((tmp_path / "run" / "recipe.yaml").read_text()) == plain
