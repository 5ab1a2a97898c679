"""A train key only some tasks read is refused for the others, naming the key and the task."""

from __future__ import annotations

from pathlib import Path

import pytest

from seqcli.errors import RecipeError
from seqcli.recipe import load_recipe, recipe_to_dict, validate_recipe
from seqcli.recipe.schema import TRAIN_OPTIONS
from seqcli.recipe.tasks import SPECS
from tests.conftest import ROOT, shipped_recipe

SHIPPED = sorted([*ROOT.glob("recipes/*.yaml"), *ROOT.glob("bench/recipes/*.yaml")])


def classifier_raw(**train) -> dict:
    raw = recipe_to_dict(shipped_recipe("classifier"))
    raw["train"] = {**raw["train"], **train}
    return raw


@pytest.mark.parametrize(
    ("key", "value"), [("seq_len", 64), ("windows", "random"), ("teacher_forcing", 0.5)]
)
def test_a_classifier_refuses_a_train_key_only_another_task_reads(key, value):
    with pytest.raises(RecipeError) as caught:
        validate_recipe(classifier_raw(**{key: value}), source="r.yaml")
    message = str(caught.value)
    assert f"train.{key}" in message
    assert "a classifier does not read it" in message
    assert len(message.splitlines()) == 1


def test_a_key_at_its_old_default_is_refused_too():
    with pytest.raises(RecipeError, match=r"train\.seq_len: a classifier does not read it"):
        validate_recipe(classifier_raw(seq_len=128), source="r.yaml")


def test_every_key_some_task_reads_is_read_by_a_task_that_fills_its_default():
    for key in TRAIN_OPTIONS:
        readers = [spec for spec in SPECS.values() if key in spec.train_options]
        assert readers and all(spec.train_options[key] is not None for spec in readers)


def test_a_language_model_gets_its_window_defaults_filled():
    recipe = shipped_recipe("language_model", "train.seq_len=null")
    assert (recipe.train.seq_len, recipe.train.windows) == (128, "carried")


def test_a_classifier_shows_no_window_keys():
    recipe = shipped_recipe("classifier")
    assert (recipe.train.seq_len, recipe.train.windows) == (None, None)


def test_a_run_stored_before_the_check_still_loads_its_recipe():
    raw = classifier_raw(seq_len=128, windows="carried")
    recipe = validate_recipe(raw, source="stored", stored=True)
    assert recipe.train.seq_len is None


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_recipe_still_loads(path: Path):
    assert load_recipe(path).name


def test_a_generator_over_a_table_refuses_the_classifier_s_class_weights():
    raw = recipe_to_dict(shipped_recipe("conditioned_text"))
    raw["data"] = {**raw["data"], "class_weights": "balanced"}
    with pytest.raises(RecipeError) as caught:
        validate_recipe(raw, source="r.yaml")
    assert "data.class_weights: a class-conditioned generator does not read it" in str(caught.value)


def test_a_classifier_still_reads_class_weights():
    assert shipped_recipe("classifier", "data.class_weights=balanced").data.class_weights


def test_recipe_show_leaves_out_the_keys_a_task_does_not_read():
    from seqcli.recipe.load import task_keys

    shown = task_keys(shipped_recipe("conditioned_text"))
    assert "class_weights" not in shown["data"] and "seq_len" not in shown["train"]
