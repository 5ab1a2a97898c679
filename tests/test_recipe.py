import json
from pathlib import Path

import pytest
import yaml

from seqcli.errors import RecipeError
from seqcli.recipe import load_recipe, recipe_json_schema, recipe_to_dict, validate_recipe
from tests.conftest import tiny_recipe

RECIPES = sorted((Path(__file__).resolve().parents[1] / "recipes").glob("*.yaml"))


def error_of(write_recipe, overrides=(), **sections) -> str:
    with pytest.raises(RecipeError) as caught:
        load_recipe(write_recipe(**sections), list(overrides))
    return str(caught.value)


def test_unknown_key_suggests_closest(write_recipe):
    message = error_of(write_recipe, model={"hiden_size": 8})
    assert "model.hiden_size" in message and "did you mean 'hidden_size'" in message


def test_unknown_choice_lists_choices_and_suggests(write_recipe):
    message = error_of(write_recipe, model={"cell": "lstn"})
    assert "model.cell" in message and "rnn, lstm, gru" in message and "'lstm'" in message


def test_wrong_type_names_key_and_value(write_recipe):
    message = error_of(write_recipe, model={"hidden_size": "big"})
    assert "model.hidden_size" in message and "'big'" in message


def test_every_wrong_key_gets_its_own_line_at_once(write_recipe):
    with pytest.raises(RecipeError) as caught:
        load_recipe(
            write_recipe(model={"cell": "lstn", "hiden_size": 8}, train={"steps": 0, "lr": "x"}),
            [],
        )
    lines = caught.value.lines()
    keys = ["model.cell", "model.hiden_size", "train.steps", "train.lr"]
    assert [line.split(": ")[1] for line in lines] == keys
    assert "more problem" not in str(caught.value)


def test_a_key_failing_each_member_of_a_union_gets_one_line(write_recipe):
    with pytest.raises(RecipeError) as caught:
        load_recipe(write_recipe(model={"freeze_embeddings": "maybe"}), [])
    assert len(caught.value.lines()) == 1 and "model.freeze_embeddings" in str(caught.value)


@pytest.mark.parametrize(
    ("section", "values", "key"),
    [
        ("model", {"hidden_size": 0}, "model.hidden_size"),
        ("model", {"dropout": 1.5}, "model.dropout"),
        ("train", {"lr": -1}, "train.lr"),
        ("train", {"batch_size": 0}, "train.batch_size"),
        ("data", {"val_fraction": 1.2}, "data.val_fraction"),
    ],
)
def test_out_of_range_value_names_key(write_recipe, section, values, key):
    assert key in error_of(write_recipe, **{section: values})


@pytest.mark.parametrize(
    ("sections", "words"),
    [
        ({"model": {"direction": "bi"}}, "read the token it must predict"),
        ({"model": {"cell": "gru", "nonlinearity": "relu"}}, "nonlinearity applies to cell rnn"),
        ({"model": {"cell": "gru", "forget_bias": 2.0}}, "forget_bias applies to cell lstm"),
        ({"model": {"tie_weights": True}}, "tie_weights needs embedding_size"),
        ({"train": {"epochs": 2}}, "set steps or epochs, not both"),
        ({"train": {"momentum": 0.9}}, "momentum applies to sgd and rmsprop"),
        ({"data": {"val_fraction": 0.6, "test_fraction": 0.5}}, "leaves nothing to train on"),
        ({"mapping": "encoder_decoder"}, "reads data.format 'pairs'"),
    ],
)
def test_contradictory_options_are_rejected_with_reason(write_recipe, sections, words):
    assert words in error_of(write_recipe, **sections)


def test_unknown_schedule_name_suggests_closest(write_recipe):
    message = error_of(write_recipe, train={"schedule": {"name": "cosin"}})
    assert "train.schedule" in message and "did you mean 'cosine'" in message


def test_set_overrides_with_typed_values(write_recipe):
    recipe = load_recipe(write_recipe(), ["model.hidden_size=48", "train.clip_norm=null"])
    assert recipe.model.hidden_size == 48 and recipe.train.clip_norm is None


def test_set_on_unknown_key_names_the_flag(write_recipe):
    message = error_of(write_recipe, overrides=["model.hiden_size=3"])
    assert message.startswith("--set model.hiden_size=3:") and "hidden_size" in message


def test_set_without_equals_sign_is_an_error(write_recipe):
    assert "expected key=value" in error_of(write_recipe, overrides=["model.hidden_size"])


def test_relative_data_path_resolves_against_recipe_folder(tmp_path, corpus):
    folder = tmp_path / "deep" / "recipes"
    folder.mkdir(parents=True)
    raw = tiny_recipe(corpus)
    raw["data"]["path"] = "../../corpus.txt"
    (folder / "r.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert load_recipe(folder / "r.yaml").data.path == corpus.resolve()


def test_yaml_syntax_error_names_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nmodel: [unclosed\n", encoding="utf-8")
    with pytest.raises(RecipeError, match=r"line \d+, column \d+"):
        load_recipe(path)


@pytest.mark.parametrize("text", ["", "   \n"])
def test_empty_recipe_is_an_error(tmp_path, text):
    path = tmp_path / "empty.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RecipeError, match="empty"):
        load_recipe(path)


def test_missing_recipe_file_is_an_error(tmp_path):
    with pytest.raises(RecipeError, match="not found"):
        load_recipe(tmp_path / "nope.yaml")


def test_recipe_that_is_not_a_mapping_is_an_error(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(RecipeError, match="mapping of keys"):
        load_recipe(path)


def test_missing_required_key_is_named(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("name: x\ndata: {}\n", encoding="utf-8")
    with pytest.raises(RecipeError, match="data.path: required"):
        load_recipe(path)


def test_resolved_recipe_validates_again_unchanged(write_recipe):
    recipe = load_recipe(write_recipe(model={"cell": "rnn", "nonlinearity": "relu"}))
    again = validate_recipe(recipe_to_dict(recipe), source="dump")
    assert again == recipe


def test_recipe_is_frozen(write_recipe):
    recipe = load_recipe(write_recipe())
    with pytest.raises(ValueError):
        recipe.model.hidden_size = 3


def test_json_schema_describes_every_section():
    schema = recipe_json_schema()
    json.dumps(schema)
    assert {"name", "data", "model", "train", "generate", "mapping"} <= set(schema["properties"])


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_bundled_recipes_validate(path):
    load_recipe(path)


def test_schedule_without_name_is_constant(write_recipe):
    recipe = load_recipe(write_recipe(train={"schedule": {"warmup_steps": 3}}))
    assert recipe.train.schedule.name == "constant" and recipe.train.schedule.warmup_steps == 3


def test_unknown_schedule_key_lists_that_schedules_keys(write_recipe):
    message = error_of(write_recipe, train={"schedule": {"name": "step", "warmup_steps": 3}})
    assert "allowed: name, step_size, gamma" in message


def test_switching_to_epochs_with_set_explains_how(write_recipe):
    assert "train.steps=null" in error_of(write_recipe, overrides=["train.epochs=2"])


def test_each_problem_is_an_error_line_of_its_own(write_recipe):
    from typer.testing import CliRunner

    from seqcli.cli import app

    recipe = write_recipe(model={"cell": "lstn"}, train={"steps": 0})
    result = CliRunner().invoke(app, ["train", str(recipe)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 2
    assert all(line.startswith("error: ") for line in lines)
    assert "model.cell" in lines[0] and "train.steps" in lines[1]


def test_a_checkpoint_whose_recipe_no_longer_validates_names_each_key(trained_run, tmp_path):
    import torch

    from seqcli.engine.run import stored_recipe
    from seqcli.errors import CheckpointError

    payload = torch.load(trained_run / "best.pt", weights_only=True)
    payload["recipe"]["data"]["dedupe"] = False  # keys a later seqcli might have written
    payload["recipe"]["train"]["warm_restarts"] = 5
    with pytest.raises(CheckpointError) as caught:
        stored_recipe(payload, tmp_path / "best.pt")
    lines = caught.value.lines()
    assert len(lines) == 2 and "data.dedupe" in lines[0] and "train.warm_restarts" in lines[1]
