"""Where the numbers go: metrics.jsonl's stamps, summary.json, and the recipe's loggers."""

import json

import pytest
import torch

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
