"""train.max_time / --max-time: a session's wall-clock budget, timed by a clock the test
controls, stops the run cleanly with a saved, resumable last.pt and a reason."""

from __future__ import annotations

import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.engine import events
from seqcli.engine.start import fresh_training, resumed_training
from seqcli.errors import RecipeError
from seqcli.recipe import TrainConfig, load_recipe
from seqcli.runs.checkpoint import load_checkpoint
from seqcli.tasks import TASKS, task_for

CPU = torch.device("cpu")


class FakeClock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def budgeted_run(write_recipe, out, clock, **train):
    recipe = load_recipe(write_recipe(train={"steps": 30, "max_time": "10m", **train}), [])
    return fresh_training(recipe, task_for(recipe), device=CPU, out=out, clock=clock)


def run_through(trainer, clock, *, after_step: int | None = None, seconds: float = 600) -> list:
    """The trainer's events; `seconds` pass on the clock after step `after_step`."""
    seen = []
    try:
        for event in trainer:
            seen.append(event)
            if isinstance(event, events.Step) and event.step == after_step:
                clock.now += seconds
    finally:
        trainer.folder.release()
    return seen


@pytest.mark.parametrize(
    ("written", "seconds"), [("90s", 90), ("10m", 600), ("2h", 7200), ("1h30m", 5400), (45, 45)]
)
def test_a_duration_reads_as_seconds(written, seconds):
    assert TrainConfig(max_time=written).max_time == seconds


def test_a_duration_that_is_not_one_names_the_key(write_recipe):
    with pytest.raises(RecipeError, match=r"train\.max_time.*90s, 10m, 2h or 1h30m"):
        load_recipe(write_recipe(), ["train.max_time=soon"])


def test_a_spent_budget_saves_and_stops_with_a_reason(write_recipe, tmp_path):
    clock = FakeClock()
    stream = run_through(budgeted_run(write_recipe, tmp_path / "run", clock), clock, after_step=7)
    stopped = stream[-1]
    assert isinstance(stopped, events.Stopped) and not stopped.failed
    assert (stopped.step, stopped.reason) == (7, "the time budget (train.max_time 10m) ran out")
    assert stopped.resume_command == f"seqcli train --resume {tmp_path / 'run'}"
    assert load_checkpoint(tmp_path / "run" / "last.pt")["step"] == 7


def test_a_run_stopped_by_its_budget_resumes_with_a_fresh_one(write_recipe, tmp_path):
    clock = FakeClock()
    run_through(budgeted_run(write_recipe, tmp_path / "run", clock), clock, after_step=7)
    resumed = resumed_training(tmp_path / "run", TASKS, device=CPU, clock=clock)
    stream = run_through(resumed, clock)
    assert [e.step for e in stream if isinstance(e, events.Step)] == list(range(8, 31))
    assert isinstance(stream[-1], events.Finished)


def test_time_within_the_budget_changes_nothing(write_recipe, tmp_path):
    clock = FakeClock()
    trainer = budgeted_run(write_recipe, tmp_path / "run", clock)
    stream = run_through(trainer, clock, after_step=7, seconds=599)  # a second short of it
    assert isinstance(stream[-1], events.Finished)
    assert stream[-1].step == 30


def test_max_time_on_the_command_line_sets_the_recipe_key(write_recipe, tmp_path):
    out = tmp_path / "run"
    args = ["train", str(write_recipe()), "--max-time", "1h30m", "--out", str(out), "--quiet"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "max_time: 1h30m" in (out / "recipe.yaml").read_text(encoding="utf-8")


def test_max_time_on_a_resume_sets_the_budget_from_then_on(write_recipe, tmp_path):
    clock = FakeClock()
    run_through(budgeted_run(write_recipe, tmp_path / "run", clock), clock, after_step=7)
    result = CliRunner().invoke(
        app, ["train", "--resume", str(tmp_path / "run"), "--max-time", "2h"]
    )
    assert result.exit_code == 0, result.output
    assert "max_time: 2h" in (tmp_path / "run" / "recipe.yaml").read_text(encoding="utf-8")


def test_a_signal_in_the_step_that_spends_the_budget_keeps_its_own_reason(write_recipe, tmp_path):
    clock = FakeClock()
    trainer = budgeted_run(write_recipe, tmp_path / "run", clock)
    stream = []
    try:
        for event in trainer:
            stream.append(event)
            if isinstance(event, events.Step) and event.step == 7:
                clock.now += 600
                trainer.request_stop("interrupted by SIGINT")
    finally:
        trainer.folder.release()
    assert (stream[-1].step, stream[-1].reason) == (7, "interrupted by SIGINT")
