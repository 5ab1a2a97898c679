"""k-fold cross-validation: the folds partition the data, stratified; folds.json aggregates
the per-fold numbers; a rerun skips the finished folds."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.data.folds import fold_split, stratified_folds
from seqcli.data.labelled import Example
from seqcli.errors import DataError
from seqcli.tasks import TASKS
from tests.test_classifier import recipe_for

# 3 classes of 11, 7 and 4 examples: no class divides evenly into 3 folds.
EXAMPLES = [
    Example(label, f"{label} text {i}", f"d.tsv:{n}")
    for n, (label, i) in enumerate(
        [(label, i) for label, count in (("a", 11), ("b", 7), ("c", 4)) for i in range(count)],
        start=1,
    )
]


def splits_of(folds: int, test_fraction: float = 0.0) -> list[dict]:
    return [
        fold_split(EXAMPLES, folds=folds, fold=f, test_fraction=test_fraction, seed=5)
        for f in range(folds)
    ]


@pytest.mark.parametrize("folds", [2, 3, 4])
def test_every_example_is_validated_exactly_once(folds):
    splits = splits_of(folds)
    validated = Counter(e.where for split in splits for e in split["val"])
    assert validated == Counter(e.where for e in EXAMPLES)
    for split in splits:  # and trained on in every other fold
        assert {e.where for e in split["train"]}.isdisjoint(e.where for e in split["val"])
        assert len(split["train"]) + len(split["val"]) == len(EXAMPLES)


def test_each_fold_holds_each_class_within_one():
    fold_of = stratified_folds([e.label for e in EXAMPLES], folds=3, seed=5)
    for label in "abc":
        counts = Counter(f for f, e in zip(fold_of, EXAMPLES, strict=True) if e.label == label)
        sizes = [counts[f] for f in range(3)]
        assert max(sizes) - min(sizes) <= 1, (label, sizes)
    assert max(Counter(fold_of).values()) - min(Counter(fold_of).values()) <= 1


def test_the_test_split_is_the_same_and_out_of_every_fold():
    splits = splits_of(3, test_fraction=0.2)
    tests = [{e.where for e in split["test"]} for split in splits]
    assert tests[0] and all(t == tests[0] for t in tests)
    for split in splits:
        assert tests[0].isdisjoint(e.where for e in split["train"] + split["val"])


def test_more_folds_than_examples_are_refused():
    with pytest.raises(DataError, match="train.folds 30: only 22 example"):
        splits_of(30)


def write_cv_recipe(tmp_path: Path) -> Path:
    rows = [("spam" if i % 3 == 0 else "ham", f"word{i % 5} other{i % 7} {i}") for i in range(24)]
    (tmp_path / "d.tsv").write_text("".join(f"{a}\t{b}\n" for a, b in rows), encoding="utf-8")
    path = tmp_path / "cv.yaml"
    path.write_text(
        "name: cv\nseed: 1\nmapping: many_to_one\n"
        "data: {format: table, path: d.tsv, tokenizer: word}\n"
        "model: {cell: gru, hidden_size: 8, embedding_size: 8}\n"
        "train: {batch_size: 8, steps: 4, eval_every: 2, monitor: accuracy}\n",
        encoding="utf-8",
    )
    return path


def train_folds(recipe: Path, out: Path, *flags: str):
    args = ["train", str(recipe), "--folds", "3", "--device", "cpu", "--out", str(out), *flags]
    return CliRunner().invoke(app, args)


def test_folds_json_means_are_the_per_fold_means_and_a_rerun_skips_finished_folds(tmp_path):
    recipe, out = write_cv_recipe(tmp_path), tmp_path / "run"
    first = train_folds(recipe, out, "--quiet")
    assert first.exit_code == 0, first.output
    report = json.loads((out / "folds.json").read_text(encoding="utf-8"))
    assert [f["fold"] for f in report["per_fold"]] == [0, 1, 2]
    for metric, value in report["val"].items():
        numbers = [f["val"][metric] for f in report["per_fold"]]
        assert value["mean"] == pytest.approx(statistics.fmean(numbers))
        assert value["std"] == pytest.approx(statistics.stdev(numbers))
    stamps = [(out / f"fold-{i}" / "best.pt").stat().st_mtime_ns for i in range(3)]
    again = train_folds(recipe, out, "--quiet")
    assert again.exit_code == 0, again.output
    assert again.output.count("finished before") == 3
    assert [(out / f"fold-{i}" / "best.pt").stat().st_mtime_ns for i in range(3)] == stamps


def test_train_fold_makes_that_fold_the_validation_split(tmp_path):
    path = write_cv_recipe(tmp_path).parent / "d.tsv"
    task = TASKS["classifier"]
    validated = []
    for fold in range(3):
        recipe = recipe_for(
            {"format": "table", "path": str(path), "tokenizer": "word"},
            train={"steps": 1, "folds": 3, "fold": fold},
        )
        validated += [e.where for e in task.prepare(recipe).splits["val"].examples]
    assert sorted(validated) == sorted(f"{path}:{n}" for n in range(1, 25))


def test_a_regressors_folds_partition_its_shuffled_examples(tmp_path):
    path = tmp_path / "r.tsv"
    path.write_text("".join(f"{i / 3:.2f}\tword{i % 4} {i}\n" for i in range(10)), "utf-8")
    task, validated = TASKS["regressor"], []
    for fold in range(3):
        recipe = recipe_for(
            {"format": "table", "path": str(path), "label_type": "number"},
            train={"steps": 1, "folds": 3, "fold": fold, "monitor": "mse"},
        )
        validated.append([e.where for e in task.prepare(recipe).splits["val"].examples])
    assert sorted(sum(validated, [])) == sorted(f"{path}:{n}" for n in range(1, 11))
    assert sorted(len(v) for v in validated) == [3, 3, 4]


def test_a_fold_stopped_midway_resumes_from_its_last_checkpoint(tmp_path):
    from seqcli.compare.folds import fold_trainer, plan_folds
    from seqcli.engine import events
    from seqcli.recipe import load_recipe

    recipe, out = write_cv_recipe(tmp_path), tmp_path / "run"
    loaded = load_recipe(recipe, ["train.folds=3"])
    trainer = fold_trainer(plan_folds(loaded, out)[0], torch.device("cpu"))
    for event in trainer:  # as Ctrl-C does: save and stop after the first validation
        if isinstance(event, events.Evaluated):
            trainer.request_stop("interrupted")
    trainer.folder.release()
    result = train_folds(recipe, out)
    assert result.exit_code == 0, result.output
    assert result.output.count("resumed at step 2") == 1  # fold 0; folds 1 and 2 start afresh
    lines = (out / "fold-0" / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["step"] for line in lines if '"val"' in line] == [2, 4]


def test_a_fold_result_missing_a_split_other_folds_have_is_one_line_naming_the_fold(tmp_path):
    from seqcli.compare.folds import Fold, aggregate
    from seqcli.errors import CheckpointError

    scores = {"accuracy": 0.5, "loss": 1.0}
    results = [{"fold": 0, "val": scores, "test": scores}, {"fold": 1, "val": scores}]
    folds = [Fold(r["fold"], None, tmp_path / f"fold-{r['fold']}", r) for r in results]
    with pytest.raises(CheckpointError) as err:
        aggregate(None, folds)
    assert str(err.value).startswith(f"{tmp_path / 'fold-1' / 'result.json'}: no test accuracy")
    assert "\n" not in str(err.value)
