"""predict --file on a table run reads the file as the run's table (delimiter, header,
columns) and writes each row back as CSV with the prediction and every class's probability."""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml
from typer.testing import CliRunner

from seqcli.cli import app

runner = CliRunner()
WORDS = "abcdefgh"


def trained(folder, name: str, text: str, **data) -> str:
    (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    recipe = {
        "name": name,
        "mapping": "many_to_one",
        "data": {"format": "table", "path": str(folder / f"{name}.csv"), "tokenizer": "word"},
        "model": {"cell": "gru", "hidden_size": 16, "embedding_size": 8},
        "train": {"batch_size": 8, "steps": 40, "lr": 0.03, "eval_every": 40},
    }
    recipe["data"].update(data)
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(recipe), encoding="utf-8")
    result = runner.invoke(
        app, ["train", str(folder / f"{name}.yaml"), "--out", str(folder / name)]
    )
    assert result.exit_code == 0, result.output
    return str(folder / name)


@pytest.fixture(scope="module")
def reviews_run(tmp_path_factory):
    rows = [f'{i},"good {w}, truly",pos' for i, w in enumerate(WORDS)]
    rows += [f'{i + 8},"bad {w}, sadly",neg' for i, w in enumerate(WORDS)]
    text = "id,review,stars\n" + "\n".join(rows * 3) + "\n"
    folder = tmp_path_factory.mktemp("table")
    return trained(folder, "reviews", text, header=True, text_column="review", label_column="stars")


def predicted(run: str, path, *flags: str):
    result = runner.invoke(app, ["predict", run, "--file", str(path), *flags])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_header_is_kept_as_a_header_and_not_predicted(reviews_run, tmp_path):
    given = tmp_path / "new.csv"
    given.write_text('id,review\n1,"good a, truly"\n2,"bad b, sadly"\n', encoding="utf-8")
    rows = list(csv.reader(io.StringIO(predicted(reviews_run, given))))
    assert rows[0] == ["id", "review", "prediction", "p_neg", "p_pos"]
    assert [row[:3] for row in rows[1:]] == [
        ["1", "good a, truly", "pos"],
        ["2", "bad b, sadly", "neg"],
    ]


def test_every_class_probability_is_appended_and_they_sum_to_one(reviews_run, tmp_path):
    given = tmp_path / "new.csv"
    given.write_text('id,review\n1,"good c, truly"\n', encoding="utf-8")
    header, row = csv.DictReader(io.StringIO(predicted(reviews_run, given))), None
    (row,) = list(header)
    shares = {label: float(row[f"p_{label}"]) for label in ("neg", "pos")}
    assert sum(shares.values()) == pytest.approx(1, abs=1e-5)
    assert row["prediction"] == max(shares, key=shares.get)


def test_json_gives_the_input_by_column_and_every_probability(reviews_run, tmp_path):
    given = tmp_path / "new.csv"
    given.write_text('id,review\n7,"bad d, sadly"\n', encoding="utf-8")
    (record,) = [json.loads(line) for line in predicted(reviews_run, given, "--json").splitlines()]
    assert record["input"] == {"id": "7", "review": "bad d, sadly"}
    assert set(record["probabilities"]) == {"neg", "pos"}
    assert record["probability"] == max(record["probabilities"].values())


def test_a_text_file_is_still_read_one_text_per_line(reviews_run, tmp_path):
    given = tmp_path / "new.txt"
    given.write_text("good a, truly\nbad b, sadly\n", encoding="utf-8")
    lines = predicted(reviews_run, given).splitlines()
    assert [line.split("\t")[0] for line in lines] == ["pos", "neg"]


def test_a_row_without_the_text_column_names_the_file_line_and_the_settings(tmp_path):
    folder = tmp_path
    rows = [f"pos;good {w}" for w in WORDS] + [f"neg;bad {w}" for w in WORDS]
    run = trained(folder, "semi", "\n".join(rows * 3) + "\n", delimiter=";")
    given = folder / "new.csv"
    given.write_text("good a;x\nonly-one-field\n", encoding="utf-8")
    result = runner.invoke(app, ["predict", run, "--file", str(given)])
    assert result.exit_code == 2
    assert f"{given}:2: 1 field(s), but text_column is 1" in result.stderr


def test_a_headerless_table_run_writes_no_header_and_reads_its_delimiter(tmp_path):
    rows = [f"pos;good {w}" for w in WORDS] + [f"neg;bad {w}" for w in WORDS]
    run = trained(tmp_path, "semi", "\n".join(rows * 3) + "\n", delimiter=";")
    given = tmp_path / "new.csv"
    given.write_text("?;good a\n?;bad b\n", encoding="utf-8")
    rows = list(csv.reader(io.StringIO(predicted(run, given))))
    assert [row[:3] for row in rows] == [["?", "good a", "pos"], ["?", "bad b", "neg"]]


def test_a_text_regressor_appends_its_number(tmp_path):
    rows = [f"{1 + i % 3},good {w}" for i, w in enumerate(WORDS)]
    run = trained(tmp_path, "score", "\n".join(rows * 3) + "\n", label_type="number")
    given = tmp_path / "new.csv"
    given.write_text("0,good a\n", encoding="utf-8")
    (row,) = list(csv.reader(io.StringIO(predicted(run, given))))
    assert row[:2] == ["0", "good a"] and 0 < float(row[2]) < 5
