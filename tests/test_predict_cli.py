"""seqcli predict: inputs from --text, --file or piped stdin; text or JSON out."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from seqcli.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def classifier_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("predict")
    rows = [f"pos\tgood {w}" for w in "abcdefgh"] + [f"neg\tbad {w}" for w in "abcdefgh"]
    (tmp / "data.tsv").write_text("\n".join(rows * 3) + "\n", encoding="utf-8")
    recipe = {
        "name": "cls",
        "mapping": "many_to_one",
        "data": {"format": "table", "path": str(tmp / "data.tsv"), "tokenizer": "word"},
        "model": {"cell": "gru", "hidden_size": 16, "embedding_size": 8},
        "train": {"batch_size": 8, "steps": 40, "lr": 0.03, "eval_every": 20},
    }
    (tmp / "r.yaml").write_text(yaml.safe_dump(recipe))
    result = runner.invoke(app, ["train", str(tmp / "r.yaml"), "--out", str(tmp / "run")])
    assert result.exit_code == 0, result.output
    return tmp / "run"


def labels(output: str) -> list[str]:
    return [line.split("\t")[0] for line in output.splitlines()]


def test_text_file_and_stdin_give_the_same_predictions(classifier_run, tmp_path):
    lines = tmp_path / "in.txt"
    lines.write_text("good a\n\nbad b\n", encoding="utf-8")
    by_text = runner.invoke(
        app, ["predict", str(classifier_run), "--text", "good a", "--text", "bad b"]
    )
    by_file = runner.invoke(app, ["predict", str(classifier_run), "--file", str(lines)])
    by_stdin = runner.invoke(app, ["predict", str(classifier_run)], input="good a\nbad b\n")
    assert by_text.exit_code == by_file.exit_code == by_stdin.exit_code == 0
    assert labels(by_text.stdout) == labels(by_file.stdout) == labels(by_stdin.stdout)
    assert labels(by_text.stdout) == ["pos", "neg"]


def test_json_rows_carry_label_and_probability(classifier_run):
    result = runner.invoke(app, ["predict", str(classifier_run), "--text", "good c", "--json"])
    row = json.loads(result.stdout.splitlines()[0])
    assert row["label"] == "pos" and 0.5 < row["probability"] <= 1


def test_evaluate_prints_the_confusion_matrix(classifier_run):
    result = runner.invoke(app, ["evaluate", str(classifier_run)])
    assert result.exit_code == 0, result.output
    assert "confusion" in result.output and "macro_f1" in result.output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--text", "x", "--file", "f.txt"], None, "give --text (repeatable) or --file, not both"),
        ([], "\n\n", "stdin: holds no input lines"),
        (["--file", "missing.txt"], None, "--file missing.txt: input file not found"),
    ],
)
def test_predict_input_errors(classifier_run, args, stdin, message):
    result = runner.invoke(app, ["predict", str(classifier_run), *args], input=stdin)
    assert result.exit_code == 2
    assert message in result.output


def test_a_language_model_has_nothing_to_predict(trained_run):
    result = runner.invoke(app, ["predict", str(trained_run), "--text", "hello"])
    assert result.exit_code == 2
    assert "predict does not apply to a language model" in result.output
