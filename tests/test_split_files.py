"""data.val_path and data.test_path: a split read from its own file, for every task that
reads files. Nothing of path is held out for it, the vocabulary, labels and scaling come from
path alone, and the file is read as `evaluate --data` reads one."""

from __future__ import annotations

import pytest
import torch

from seqcli.engine.start import fresh_run
from seqcli.errors import RecipeError
from seqcli.recipe import recipe_to_dict, validate_recipe
from seqcli.tasks import TASKS
from tests.conftest import ROOT, shipped_recipe

CPU = torch.device("cpu")
SMALL = ("model.hidden_size=4", "model.embedding_size=4")


def split_of(task: str, tmp_path, lines: list[str], *, at: int, head: int = 0, **overrides):
    """The task's shipped recipe on lines[head:at] (path) with lines[at:] as val_path (each
    file led by the first `head` lines, a header), prepared as training prepares it."""
    train, val = tmp_path / f"train{_suffix(task)}", tmp_path / f"val{_suffix(task)}"
    train.write_text("".join(lines[:at]), encoding="utf-8")
    val.write_text("".join(lines[:head] + lines[at:]), encoding="utf-8")
    sets = [f"data.{key}={value}" for key, value in overrides.items()]
    recipe = shipped_recipe(task, *SMALL, f"data.path={train}", f"data.val_path={val}", *sets)
    return fresh_run(recipe, TASKS[task], device=CPU)


def _suffix(task: str) -> str:
    return {"tagger": ".conllu", "direct_forecaster": ".csv", "translator": ".tsv"}.get(
        task, ".tsv" if task == "classifier" else ".txt"
    )


def sample_lines(*parts: str) -> list[str]:
    return (ROOT / "samples" / "/".join(parts)).read_text(encoding="utf-8").splitlines(True)


def test_a_classifier_validates_on_the_file_and_learns_words_from_path_alone(tmp_path):
    lines = sample_lines("sms_spam", "sms.tsv")[:400] + ["ham\tzebraword only here\n"]
    run, data = split_of("classifier", tmp_path, lines, at=300, val_fraction=0)
    assert len(data.splits["train"]) == 300  # nothing of path held out
    assert len(data.splits["val"]) == 101
    assert "zebraword" not in run.meta.vocab.index


def test_a_tagger_takes_its_validation_sentences_from_the_file(tmp_path):
    lines = sample_lines("ud_ewt_mini", "train.conllu")
    cut = [i for i, line in enumerate(lines) if not line.strip()][199] + 1  # after 200 sentences
    run, data = split_of("tagger", tmp_path, lines, at=cut, val_fraction=0)
    assert len(data.splits["train"]) == 200
    assert len(data.splits["val"]) == sum(1 for line in lines[cut:] if not line.strip())


def test_a_language_model_validates_on_every_token_of_the_file(tmp_path):
    text = "".join(sample_lines("shakespeare", "input.txt"))[:6000]
    lines = [text, text[:1500]]  # the validation text uses the training characters only
    _, data = split_of("language_model", tmp_path, lines, at=1, val_fraction=0)
    assert len(data.splits["train"]) == 6000
    assert len(data.splits["val"]) == 1500


def test_a_translator_validates_on_the_pairs_of_the_file(tmp_path):
    lines = sample_lines("reverse_digits", "pairs.tsv")[:500]
    _, data = split_of("translator", tmp_path, lines, at=400, val_fraction=0)
    assert (len(data.splits["train"]), len(data.splits["val"])) == (400, 100)


def test_a_forecaster_validates_on_the_windows_of_the_file(tmp_path):
    lines = sample_lines("airline_passengers", "airline-passengers.csv")  # a header, 144 rows
    overrides = {"val_fraction": 0, "test_size": "null"}
    run, data = split_of("direct_forecaster", tmp_path, lines, at=101, head=1, **overrides)
    # 44 rows in the file: a forecast from each row with 24 rows (lookback) before it
    assert len(data.splits["val"]) == 44 - 24
    assert run.meta.scaler.center[0] == pytest.approx(_mean_passengers(lines[1:101]))


def _mean_passengers(rows: list[str]) -> float:
    return sum(float(row.split(",")[1]) for row in rows) / len(rows)


def test_a_default_fraction_gives_way_to_the_file_and_a_written_one_is_refused(tmp_path):
    raw = {"name": "r", "data": {"path": "a.txt", "val_path": "b.txt"}}
    recipe = validate_recipe(raw, source="r")
    assert recipe.data.val_fraction == 0
    assert validate_recipe(recipe_to_dict(recipe), source="stored") == recipe  # a run reloads
    raw["data"]["val_fraction"] = 0.2
    with pytest.raises(RecipeError, match="data: val_fraction: the val split comes from val_path"):
        validate_recipe(raw, source="r")
