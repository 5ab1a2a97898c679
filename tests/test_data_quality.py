"""A classifier's data problems are told on stderr, counted in the run, and dropped on request."""

from __future__ import annotations

from pathlib import Path

import pytest

from seqcli.data.quality import SHOWN_PLACES, places
from seqcli.errors import RecipeError
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS
from tests.test_classifier import recipe_for

TASK = TASKS["classifier"]
ROWS = [
    ("ham", "hello there"),
    ("spam", "win a prize"),
    ("ham", "hello there"),  # line 3: a duplicate of line 1
    ("ham", "see you"),
    ("spam", "see you"),  # lines 4 and 5: one text, two labels
    ("ham ", "lunch at noon"),  # line 6: a padded label
    ("spam", "claim now"),
    ("ham", "good night"),
    ("spam", "free tickets"),
    ("ham", "call me"),
]


def write_table(tmp_path: Path, rows, name: str = "data.tsv") -> Path:
    path = tmp_path / name
    path.write_text("".join(f"{label}\t{text}\n" for label, text in rows), encoding="utf-8")
    return path


def prepare(tmp_path: Path, rows=ROWS, **data):
    path = write_table(tmp_path, rows)
    return TASK.prepare(recipe_for({"format": "table", "path": str(path), **data}))


def test_each_problem_is_one_counted_warning_naming_its_lines(tmp_path, capsys):
    prepare(tmp_path)
    lines = capsys.readouterr().err.splitlines()
    table = tmp_path / "data.tsv"
    assert [line for line in lines if "duplicate" in line] == [
        f"warning: 1 duplicate example (label and text of an earlier line): {table}:3; "
        "set data.dedupe: true to drop them"
    ]
    assert any(
        f"1 text under two or more labels (conflicts, 2 examples): {table}:4, {table}:5" in line
        for line in lines
    )
    assert any(
        f"1 label with leading or trailing whitespace, stripped: {table}:6" in line
        for line in lines
    )


def test_padded_labels_are_stripped_into_one_class(tmp_path):
    data = prepare(tmp_path)
    assert data.meta.labels == ("ham", "spam")


def test_counts_are_kept_in_the_meta_and_shown_by_inspect(tmp_path):
    data = prepare(tmp_path)
    quality = data.meta.quality
    assert {k: quality[k] for k in ("duplicates", "conflicts", "padded_labels", "dropped")} == {
        "duplicates": 1,
        "conflicts": 1,
        "padded_labels": 1,
        "dropped": 0,
    }
    restored = TASK.meta.from_dict(data.meta.to_dict())
    assert restored.quality == quality
    assert dict(restored.summary())["data quality"].startswith("1 duplicates, 1 conflicts")


def test_dedupe_keeps_one_of_each_duplicate_and_drops_conflicting_texts_whole(tmp_path, capsys):
    data = prepare(tmp_path, dedupe=True, val_fraction=0.0)
    texts = [example.text for example in data.splits["train"].examples]
    assert texts.count("hello there") == 1
    assert "see you" not in texts
    assert len(texts) == len(ROWS) - 3
    assert data.meta.quality["dropped"] == 3
    assert "data.dedupe dropped 3 examples" in capsys.readouterr().err


def test_a_held_out_copy_of_a_training_text_is_leakage(tmp_path, capsys):
    clean = [(label, text) for label, text in ROWS if text not in ("hello there", "see you")]
    val = write_table(tmp_path, [("ham", "call me"), ("spam", "brand new")], name="val.tsv")
    data = prepare(tmp_path, clean, val_fraction=0.0, val_path=str(val))
    err = capsys.readouterr().err
    assert "1 validation/test example also in the training split (leakage" in err
    assert f"{val}:1" in err and data.meta.quality["leaked"] == 1


def test_clean_data_warns_nothing(tmp_path, capsys):
    rows = [("ham", f"hello {i}") for i in range(4)] + [("spam", f"win {i}") for i in range(4)]
    data = prepare(tmp_path, rows)
    assert "warning" not in capsys.readouterr().err
    assert set(data.meta.quality.values()) == {0}


def test_places_name_a_few_lines_and_count_the_rest():
    class Where:
        def __init__(self, where):
            self.where = where

    many = [Where(f"a.tsv:{n}") for n in range(1, 11)]
    assert places(many) == "a.tsv:1, a.tsv:2, a.tsv:3 and 7 more"
    assert places(many[:SHOWN_PLACES]) == "a.tsv:1, a.tsv:2, a.tsv:3"


def test_dedupe_is_refused_for_a_regressor(tmp_path):
    path = write_table(tmp_path, [("1", "a"), ("2", "b")])
    with pytest.raises(RecipeError, match="dedupe reads a classifier's data"):
        validate_recipe(
            {
                "name": "r",
                "mapping": "many_to_one",
                "data": {
                    "format": "table",
                    "path": str(path),
                    "label_type": "number",
                    "dedupe": True,
                },
            },
            source="test",
        )


def test_a_finding_is_told_once_however_often_the_data_is_read(tmp_path, capsys):
    prepare(tmp_path)
    prepare(tmp_path)  # cross-validation reads the file once per fold
    assert capsys.readouterr().err.count("1 duplicate example") == 1
