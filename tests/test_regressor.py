"""Text regression: many_to_one over a table whose label column holds numbers. The task spec,
the number labels, the target scaling, the metrics against hand computations, and a tiny
model that learns, through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.errors import DataError, RecipeError
from seqcli.metrics.regression import regression_errors
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS
from tests.conftest import ROOT

TASK = TASKS["regressor"]
NUMBERS = ROOT / "samples" / "number_words" / "numbers.tsv"


def recipe_for(path: Path, **sections) -> object:
    raw = {
        "name": "tiny-regressor",
        "seed": 3,
        "mapping": "many_to_one",
        "data": {"format": "table", "path": str(path), "label_type": "number"},
        "model": {"cell": "gru", "hidden_size": 16, "embedding_size": 8},
        "train": {"batch_size": 8, "steps": 10, "eval_every": 5},
    }
    for section, values in sections.items():
        raw[section] = {**raw.get(section, {}), **values}
    return validate_recipe(raw, source="test")


def tsv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "d.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_number_labels_make_a_regressor_and_category_labels_a_classifier(tmp_path):
    path = tsv(tmp_path, "1\ta\n2\tb\n")
    assert recipe_for(path).task == "regressor"
    assert recipe_for(path, data={"label_type": "category"}).task == "classifier"


def test_number_labels_do_not_condition_a_generator(tmp_path):
    with pytest.raises(RecipeError, match="data.label_type: mapping 'one_to_many' .* 'category'"):
        validate_recipe(
            {
                "name": "g",
                "mapping": "one_to_many",
                "data": {
                    "format": "table",
                    "path": str(tmp_path / "d.tsv"),
                    "label_type": "number",
                },
            },
            source="t",
        )


def test_class_weights_are_refused_for_numbers(tmp_path):
    with pytest.raises(RecipeError, match="class_weights weighs classes"):
        recipe_for(tsv(tmp_path, "1\ta\n"), data={"class_weights": "balanced"})


def test_a_label_that_is_no_number_names_file_and_line(tmp_path):
    recipe = recipe_for(tsv(tmp_path, "1.5\tone and a half\nlots\tmany\n"))
    with pytest.raises(DataError, match=r"d.tsv:2: label 'lots' is not a number"):
        TASK.prepare(recipe)


def test_targets_are_scaled_by_the_training_split_alone(tmp_path):
    rows = "".join(f"{v}\tw{v}\n" for v in range(20))
    recipe = recipe_for(tsv(tmp_path, rows), data={"val_fraction": 0.25})
    data = TASK.prepare(recipe)
    train = np.array([float(e.label) for e in data.splits["train"].examples])
    assert (data.meta.target.mean, data.meta.target.scale) == pytest.approx(
        (train.mean(), train.std())
    )
    assert np.mean(data.splits["train"].targets) == pytest.approx(0.0, abs=1e-9)
    stored = torch.load(_saved(data.meta, tmp_path), weights_only=True)
    assert TASK.meta.from_dict(stored) == data.meta


def _saved(meta, folder: Path) -> Path:
    torch.save(meta.to_dict(), folder / "meta.pt")
    return folder / "meta.pt"


def test_metrics_match_hand_computation():
    actual, predicted = np.array([1.0, 2.0, 3.0, 6.0]), np.array([1.0, 3.0, 2.0, 8.0])
    # residuals 0, 1, -1, 2; mean 3, squares around it 4 + 1 + 0 + 9 = 14
    errors = regression_errors(actual, predicted)
    assert errors == pytest.approx({"mse": 6 / 4, "mae": 4 / 4, "r2": 1 - 6 / 14})


def test_a_constant_target_scores_r2_one_when_exact_and_zero_otherwise():
    same = np.array([2.0, 2.0])
    assert regression_errors(same, same)["r2"] == 1.0
    assert regression_errors(same, np.array([2.0, 3.0]))["r2"] == 0.0


# --- a tiny model through the command line -------------------------------------------------


def cli(*args) -> object:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return result


@pytest.fixture(scope="module")
def numbers_run(tmp_path_factory) -> Path:
    """recipes/number-words.yaml on 600 numbers, small and short, through `seqcli train`."""
    folder = tmp_path_factory.mktemp("numbers")
    lines = NUMBERS.read_text(encoding="utf-8").splitlines()[:600]
    (folder / "n.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = {
        "data.path": folder / "n.tsv",
        "model.hidden_size": 32,
        "train.steps": 300,
        "train.eval_every": 150,
        "train.monitor": "loss",
    }
    overrides = [arg for key, value in settings.items() for arg in ("--set", f"{key}={value}")]
    recipe = ROOT / "recipes" / "number-words.yaml"
    cli("train", recipe, "--out", folder / "run", "--quiet", *overrides)
    return folder / "run"


def test_a_tiny_model_explains_most_of_the_variance(numbers_run):
    record = json.loads(cli("evaluate", numbers_run, "--split", "test", "--json").stdout)
    baseline = dict(
        zip(
            ["predictor", "mse", "mae", "r2"], record["details"]["baseline"]["rows"][1], strict=True
        )
    )
    assert record["r2"] > 0.7
    assert record["mae"] < 0.5 * baseline["mae"]


def test_predict_prints_a_number_per_line(numbers_run):
    out = cli("predict", numbers_run, "--text", "nine thousand", "--text", "twelve").stdout
    values = [float(line.split("\t")[0]) for line in out.splitlines()]
    assert values[0] > values[1]
    row = json.loads(cli("predict", numbers_run, "--text", "twelve", "--json").stdout)
    assert set(row) == {"text", "value"} and isinstance(row["value"], float)
