"""Where the numbers go: metrics.jsonl's stamps, summary.json, and the recipe's loggers."""

import csv
import json

import pytest
import torch

from seqcli.engine import events
from seqcli.engine.start import fresh_training
from seqcli.recipe import load_recipe
from seqcli.tasks import task_for
from tests.test_continue import continue_run
from tests.test_training import train_fresh


def rows(folder, name="metrics.jsonl"):
    return [json.loads(line) for line in (folder / name).open(encoding="utf-8")]


def test_every_row_says_when_it_was_taken_in_seconds_and_epochs(write_recipe, tmp_path):
    trainer, _ = train_fresh(write_recipe, tmp_path / "run")
    logged = rows(tmp_path / "run")
    times = [row["time"] for row in logged]
    assert times == sorted(times) and times[0] >= 0
    per_epoch = len(trainer.batches)
    assert all(row["epoch"] == pytest.approx(row["step"] / per_epoch, abs=1e-4) for row in logged)
    assert all(row["speed"] > 0 for row in logged if row["split"] == "train")


def test_the_clock_goes_on_over_a_resume(write_recipe, tmp_path):
    train_fresh(write_recipe, tmp_path / "run", train={"steps": 10})
    before = rows(tmp_path / "run")[-1]["time"]
    continue_run(tmp_path / "run", steps=20)
    after = [row["time"] for row in rows(tmp_path / "run") if row["step"] > 10]
    assert after and min(after) >= before
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["elapsed_s"] >= max(after)


def test_summary_says_what_the_run_became_and_what_it_ran_on(write_recipe, tmp_path):
    train_fresh(write_recipe, tmp_path / "run")
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["stopped"] == "completed" and summary["steps"] == 30
    assert summary["best_step"] in (10, 20, 30)
    assert (
        torch.load(tmp_path / "run" / "best.pt", weights_only=True)["step"] == summary["best_step"]
    )
    assert {"loss", "perplexity", "accuracy"} <= set(summary["final"]["val"])
    assert {"loss", "lr", "grad_norm"} <= set(summary["final"]["train"])
    assert summary["versions"]["torch"] == torch.__version__ and summary["device"] == "cpu"
    assert summary["parameters"] > 0 and summary["elapsed_s"] > 0


def test_summary_names_early_stopping_as_why_the_run_ended(write_recipe, tmp_path):
    stopping = {"steps": 200, "eval_every": 1, "lr": 1e-9, "early_stopping": {"patience": 2}}
    train_fresh(write_recipe, tmp_path / "run", train=stopping)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["stopped"].startswith("early stopping")


@pytest.mark.parametrize("continued", [False, True], ids=["trained", "continued"])
def test_csv_logger_writes_metrics_jsonl_as_one_flat_table(write_recipe, tmp_path, continued):
    train_fresh(write_recipe, tmp_path / "run", train={"loggers": ["csv"], "steps": 20})
    if continued:
        continue_run(tmp_path / "run", steps=30)
    with (tmp_path / "run" / "metrics.csv").open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    logged = rows(tmp_path / "run")
    assert len(table) == len(logged) == (33 if continued else 22)
    assert {"step", "split", "time", "epoch", "loss", "lr", "perplexity"} <= set(table[0])
    for line, row in zip(table, logged, strict=True):
        assert float(line["loss"]) == pytest.approx(row["loss"], rel=1e-12)
        assert line["split"] == row["split"] and int(line["step"]) == row["step"]


def scalars(folder, tag):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    board = EventAccumulator(str(folder / "tensorboard"), size_guidance={"scalars": 0})
    board.Reload()
    tags = {**board.Tags(), "metadata": set(board.summary_metadata)}
    return [(event.step, event.value) for event in board.Scalars(tag)], tags


def test_tensorboard_logger_writes_every_scalar_and_the_samples(write_recipe, tmp_path):
    pytest.importorskip("tensorboard")
    train_fresh(write_recipe, tmp_path / "run", train={"loggers": ["tensorboard"]})
    losses, tags = scalars(tmp_path / "run", "train/loss")
    logged = [row for row in rows(tmp_path / "run") if row["split"] == "train"]
    assert [step for step, _ in losses] == [row["step"] for row in logged]
    assert [value for _, value in losses] == pytest.approx([row["loss"] for row in logged])
    assert {"train/lr", "train/grad_norm", "val/loss", "val/perplexity"} <= set(tags["scalars"])
    assert "sample/text_summary" in tags["tensors"]
    assert "_hparams_/experiment" in tags["metadata"]  # the recipe's knobs, for the HParams tab


def test_tensorboard_after_a_resume_holds_each_step_once(write_recipe, tmp_path):
    pytest.importorskip("tensorboard")
    recipe = load_recipe(write_recipe(train={"loggers": ["tensorboard"]}))
    first = fresh_training(recipe, task_for(recipe), device=torch.device("cpu"), out=tmp_path / "r")
    for event in first:
        if isinstance(event, events.Step) and event.step == 15:
            first.request_stop("test")  # saved at 15, mid-way between validations
    first.folder.release()
    continue_run(tmp_path / "r", steps=30)
    losses, _ = scalars(tmp_path / "r", "train/loss")
    assert sorted(step for step, _ in losses) == list(range(1, 31))


def test_a_run_replacing_another_replaces_its_tensorboard_log(write_recipe, tmp_path):
    pytest.importorskip("tensorboard")
    settings = {"loggers": ["tensorboard"], "steps": 10}
    train_fresh(write_recipe, tmp_path / "run", train=settings)
    recipe = load_recipe(write_recipe(train=settings))
    again = fresh_training(
        recipe, task_for(recipe), device=torch.device("cpu"), out=tmp_path / "run", overwrite=True
    )
    try:
        list(again)
    finally:
        again.folder.release()
    assert len(list((tmp_path / "run" / "tensorboard").glob("events.out.*"))) == 1
