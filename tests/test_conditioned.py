"""one_to_many: a class or a vector in, a sequence out."""

from __future__ import annotations

import csv

import pytest
import torch
import yaml
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.errors import DataError
from seqcli.models.conditioned import ConditionedDecoder
from seqcli.recipe import validate_recipe
from seqcli.recipe.data import VectorsData
from seqcli.recipe.model import GeneratorConfig

runner = CliRunner()


def names_folder(tmp_path):
    """Two 'languages' whose names share no letters: conditioning decides everything."""
    folder = tmp_path / "names"
    folder.mkdir()
    (folder / "Ab.txt").write_text("\n".join(["ab", "aab", "abb", "ba", "aba"] * 8) + "\n")
    (folder / "Xy.txt").write_text("\n".join(["xy", "xxy", "yx", "xyy", "yxy"] * 8) + "\n")
    return folder


def recipe_file(tmp_path, data: dict, **model) -> str:
    recipe = {
        "name": "gen",
        "seed": 1,
        "mapping": "one_to_many",
        "data": data,
        "model": {"cell": "gru", "hidden_size": 24, "embedding_size": 8, **model},
        "train": {"batch_size": 8, "steps": 80, "lr": 0.02, "eval_every": 40},
        "generate": {"sample_length": 5},
    }
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return str(path)


@pytest.fixture(scope="module")
def names_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("names")
    data = {"format": "folder", "path": str(names_folder(tmp)), "val_fraction": 0.2}
    result = runner.invoke(app, ["train", recipe_file(tmp, data), "--out", str(tmp / "run")])
    assert result.exit_code == 0, result.output
    return tmp / "run"


def test_a_class_conditioned_generator_writes_in_the_asked_class(names_run):
    result = runner.invoke(
        app, ["generate", str(names_run), "--condition", "Xy", "--num-samples", "8", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    names = result.stdout.split()
    assert len(names) == 8
    letters = "".join(names)
    assert letters and set(letters) <= {"x", "y"}


def generate_names(run, *flags, count: int = 20) -> list[str]:
    args = ["generate", str(run), "--condition", "Xy", "--num-samples", str(count), "--seed", "3"]
    result = runner.invoke(app, [*args, *flags])
    assert result.exit_code == 0, result.output
    return result.stdout.split("\n")[:-1]


def test_min_length_keeps_generated_names_from_ending_early(names_run):
    # The training names have 2 or 3 letters; the model learns to stop there.
    assert min(len(name) for name in generate_names(names_run)) <= 3
    assert all(len(name) >= 5 for name in generate_names(names_run, "--min-length", "5"))


def test_a_repetition_penalty_makes_letters_repeat_less(names_run):
    def repeats(names):
        return sum(len(name) - len(set(name)) for name in names)

    # Names of two letters repeat one as soon as they are three long; penalizing the letters
    # already written shifts each draw towards the end token and the letter not yet used.
    plain = generate_names(names_run, count=300)
    penalized = generate_names(names_run, "--repetition-penalty", "4", count=300)
    assert repeats(penalized) < 0.7 * repeats(plain)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ([], "give --condition, one of: Ab, Xy"),
        (["--condition", "Zz"], "--condition Zz: not a class of this model"),
        (["--condition", "Ab", "--prime", "a"], "--prime does not apply to a class-conditioned"),
    ],
)
def test_generate_flag_errors_name_the_flag(names_run, flags, message):
    result = runner.invoke(app, ["generate", str(names_run), *flags])
    assert result.exit_code == 2
    assert message in result.output


def test_evaluate_reports_per_token_loss(names_run):
    result = runner.invoke(app, ["evaluate", str(names_run), "--json"])
    assert result.exit_code == 0, result.output
    assert "perplexity" in result.stdout and "accuracy" in result.stdout


@pytest.mark.parametrize("route", ["none", "init", "every_step", "both"])
def test_the_condition_reaches_the_output_only_when_routed(route):
    config = GeneratorConfig(
        cell="lstm", layers=2, hidden_size=8, embedding_size=4, condition=route
    )
    torch.manual_seed(0)
    model = ConditionedDecoder(config, num_tokens=7, num_classes=3, condition_size=0).eval()
    inputs = torch.randint(7, (2, 5))
    first = model(torch.tensor([0, 0]), inputs).out
    second = model(torch.tensor([1, 1]), inputs).out
    assert torch.equal(first, second) == (route == "none")


def test_values_decoder_masks_padding_in_the_loss():
    config = GeneratorConfig(cell="rnn", hidden_size=8, embedding_size=4)
    model = ConditionedDecoder(config, num_tokens=0, num_classes=0, condition_size=2)
    condition, inputs = torch.randn(2, 2), torch.randn(2, 4)
    targets = torch.randn(2, 4)
    lengths = torch.tensor([4, 2])
    loss = model(condition, inputs, lengths, targets=targets).loss
    changed = targets.clone()
    changed[1, 2:] = 100.0  # beyond the second sequence's end: must not count
    assert torch.equal(loss, model(condition, inputs, lengths, targets=changed).loss)


def write_waves(path, rows):
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["a", "f", "values"])
        writer.writerows(rows)
    return path


def test_a_vector_conditioned_generator_learns_the_amplitude(tmp_path):
    rows = [[a, 1, " ".join(str(a) for _ in range(6))] for a in (0.1, 0.3, 0.5, 0.7, 0.9) * 12]
    data = {
        "format": "vectors",
        "path": str(write_waves(tmp_path / "w.csv", rows)),
        "condition_columns": ["a", "f"],
        "sequence_column": "values",
        "val_fraction": 0.2,
    }
    run = tmp_path / "run"
    trained = runner.invoke(app, ["train", recipe_file(tmp_path, data), "--out", str(run)])
    assert trained.exit_code == 0, trained.output
    result = runner.invoke(app, ["generate", str(run), "--condition", "0.7,1"])
    values = [float(v) for v in result.stdout.strip().split(",")]
    assert len(values) == 6
    assert all(abs(v - 0.7) < 0.15 for v in values), values


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["x", "1", "0.5 0.5"], "w.csv:2: 'x' is not a number"),
        (["1", "1", ""], "w.csv:2: the sequence column is empty"),
        (["1", "1", "0.5 nan"], "w.csv:2: 'nan' is not a number"),
        (["1", "1", "1 " * 70_000], "w.csv:2: not CSV seqcli can read (field larger than"),
    ],
    ids=["not-a-number", "empty", "nan", "field-past-csvs-limit"],
)
def test_vector_reader_errors_name_file_and_line(tmp_path, row, message):
    from seqcli.data.vectors import read_vectors

    path = write_waves(tmp_path / "w.csv", [row])
    config = VectorsData(
        format="vectors", path=path, condition_columns=["a", "f"], sequence_column="values"
    )
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        read_vectors(config)


def test_vector_reader_names_a_missing_column(tmp_path):
    from seqcli.data.vectors import read_vectors

    path = write_waves(tmp_path / "w.csv", [["1", "1", "1 2"]])
    config = VectorsData(
        format="vectors", path=path, condition_columns=["a", "g"], sequence_column="values"
    )
    with pytest.raises(DataError, match="w.csv:1: no column named 'g'"):
        read_vectors(config)


def test_recipe_refuses_a_bidirectional_generator_and_condition_elsewhere(tmp_path):
    data = {"format": "folder", "path": str(tmp_path)}
    base = {"name": "g", "mapping": "one_to_many", "data": data}
    with pytest.raises(Exception, match="'bi' would not fit a generator"):
        validate_recipe({**base, "model": {"direction": "bi"}}, source="r")
    text = {"name": "g", "data": {"path": str(tmp_path / "t.txt")}, "model": {"condition": "init"}}
    with pytest.raises(Exception, match="model.condition: applies to conditioned_text"):
        validate_recipe(text, source="r")
