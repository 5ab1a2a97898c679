"""A series or table recipe's columns are said before training: the target (and that it was
the last column by default), the inputs, the date, a table's label and text columns, and the
columns nothing reads."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.data.roles import data_roles
from seqcli.engine import events
from seqcli.recipe import validate_recipe
from tests.conftest import shipped_recipe, train_briefly
from tests.series_helpers import series_recipe, write_csv

ROWS = "".join(f"2020-01-{day:02d},A,{day % 3},{10 + day % 5}\n" for day in range(1, 29))


def sales_csv(tmp_path):
    return write_csv(tmp_path / "sales.csv", "date,store,price,sales\n" + ROWS)


def minimal_recipe(tmp_path, **data) -> dict:
    raw = series_recipe(sales_csv(tmp_path), lookback=4, horizon=2, test_size=4, **data)
    raw["data"].pop("season")
    raw["train"] = {"steps": 2, "eval_every": 2, "batch_size": 4}
    return raw


def test_a_minimal_series_recipe_says_it_forecasts_the_last_column_and_ignores_the_rest(tmp_path):
    roles = dict(data_roles(validate_recipe(minimal_recipe(tmp_path), source="r").data))
    assert roles["target"] == "sales (the last column; data.value_columns names others)"
    assert roles["ignored"] == "date, store, price"
    assert roles["date"].startswith("none")


def test_named_columns_are_said_as_named_with_no_guess(tmp_path):
    raw = minimal_recipe(
        tmp_path, value_columns=["sales"], input_columns=["price"], date_column="date"
    )
    roles = dict(data_roles(validate_recipe(raw, source="r").data))
    assert roles == {"target": "sales", "inputs": "price", "date": "date", "ignored": "store"}


def test_dry_run_prints_the_column_roles_on_stderr(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(yaml.safe_dump(minimal_recipe(tmp_path)), encoding="utf-8")
    result = CliRunner().invoke(app, ["train", str(recipe), "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stderr.splitlines()]
    assert "data columns:" in lines
    assert "ignored  date, store, price" in lines
    assert "data columns" not in result.stdout


def test_training_starts_by_saying_the_column_roles(tmp_path):
    _, stream = train_briefly("direct_forecaster", tmp_path / "run")
    started = next(e for e in stream if isinstance(e, events.Started))
    assert dict(started.columns)["target"] == "Passengers"


def test_a_format_whose_columns_the_recipe_names_has_no_roles_to_say():
    assert data_roles(shipped_recipe("tagger").data) == ()


def test_the_training_view_shows_the_roles_before_the_first_step(tmp_path, capsys):
    from seqcli.ui.training import TrainView

    roles = (("target", "sales"), ("ignored", "store"))
    TrainView().render([events.Started(tmp_path, 0, 0, 10, "cpu", "ex", columns=roles)])
    lines = [line.strip() for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert lines[1:] == ["data columns:", "target   sales", "ignored  store"]


def test_a_table_says_its_label_and_text_columns_and_the_ones_it_ignores(tmp_path):
    path = write_csv(tmp_path / "reviews.csv", 'id,review,stars\n1,"good, truly",pos\n')
    raw = {
        "name": "t",
        "mapping": "many_to_one",
        "data": {"format": "table", "path": str(path), "header": True},
    }
    raw["data"] |= {"text_column": "review", "label_column": "stars"}
    roles = data_roles(validate_recipe(raw, source="r").data)
    assert roles == (("label", "stars"), ("text", "review"), ("ignored", "id"))


def test_a_headerless_table_names_its_columns_by_position(tmp_path):
    path = write_csv(tmp_path / "spam.tsv", "ham\thello there\n")
    raw = {"name": "t", "mapping": "many_to_one", "data": {"format": "table", "path": str(path)}}
    roles = data_roles(validate_recipe(raw, source="r").data)
    assert roles == (("label", "column 0"), ("text", "column 1"), ("ignored", "none"))
