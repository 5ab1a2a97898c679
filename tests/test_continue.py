"""train --resume RUN --steps N | --epochs N: a finished run goes on past its recipe's end."""

import json

import pytest
import torch

from seqcli.engine import events
from seqcli.engine.start import Until, fresh_training, resumed_training
from seqcli.errors import UsageError
from seqcli.recipe import load_recipe
from seqcli.tasks import TASKS, task_for
from tests.test_training import losses, train_fresh

CPU = torch.device("cpu")


def continue_run(folder, **length):
    trainer = resumed_training(folder, TASKS, device=CPU, until=Until(**length))
    try:
        return trainer, list(trainer)
    finally:
        trainer.folder.release()


def train_rows(folder):
    rows = [json.loads(line) for line in (folder / "metrics.jsonl").open()]
    return [row for row in rows if row["split"] == "train"]


# Schedules that do not depend on the run's length: a continued run is the straight one.
# plateau watches a metric that stalls (lr 1e-9), so its cuts and patience carry over too.
LENGTH_FREE = {
    "constant": {"schedule": {"name": "constant", "warmup_steps": 4}},
    "step": {"schedule": {"name": "step", "step_size": 7, "gamma": 0.5}},
    "plateau": {"lr": 1e-9, "eval_every": 5, "schedule": {"name": "plateau", "patience": 0}},
}


@pytest.mark.parametrize("schedule", sorted(LENGTH_FREE))
def test_a_run_continued_to_30_steps_equals_one_trained_30_straight(
    write_recipe, tmp_path, schedule
):
    settings = {"steps": 20, "eval_every": 10, **LENGTH_FREE[schedule]}
    model = {"dropout": 0.2}
    train_fresh(write_recipe, tmp_path / "short", train=settings, model=model)
    continued, tail = continue_run(tmp_path / "short", steps=30)
    longer = {**settings, "steps": 30}
    straight, _ = train_fresh(write_recipe, tmp_path / "long", train=longer, model=model)

    assert [e.step for e in tail if isinstance(e, events.Step)] == list(range(21, 31))
    for name, weight in straight.run.model.state_dict().items():
        assert torch.equal(weight, continued.run.model.state_dict()[name]), name
    keys = ("step", "loss", "lr", "grad_norm")
    short = [[row[k] for k in keys] for row in train_rows(tmp_path / "short")]
    assert short == [[row[k] for k in keys] for row in train_rows(tmp_path / "long")]
    assert "steps: 30" in (tmp_path / "short" / "recipe.yaml").read_text()


def test_cosine_holds_min_lr_past_the_end_it_was_planned_for(write_recipe, tmp_path):
    schedule = {"name": "cosine", "min_lr": 0.001}
    train_fresh(write_recipe, tmp_path / "run", train={"steps": 20, "schedule": schedule})
    _, tail = continue_run(tmp_path / "run", steps=26)
    assert [e.lr for e in tail if isinstance(e, events.Step)] == pytest.approx([0.001] * 6)


def test_epochs_continue_to_that_many_passes(write_recipe, tmp_path):
    # Wide windows: an epoch of the corpus in a few dozen steps rather than hundreds.
    train = {"steps": None, "epochs": 1, "batch_size": 16, "seq_len": 32}
    trainer, _ = train_fresh(write_recipe, tmp_path / "run", train=train)
    per_epoch = len(trainer.batches)
    _, tail = continue_run(tmp_path / "run", epochs=2)
    assert losses(tail) and tail[-1].step == 2 * per_epoch


def test_a_length_not_beyond_the_current_step_is_refused(write_recipe, tmp_path):
    train_fresh(write_recipe, tmp_path / "run", train={"steps": 20})
    with pytest.raises(UsageError, match="already at step 20"):
        continue_run(tmp_path / "run", steps=20)


def test_the_progress_says_where_a_resumed_run_starts(write_recipe, tmp_path):
    from typer.testing import CliRunner

    from seqcli.cli import app

    train_fresh(write_recipe, tmp_path / "run", train={"steps": 20})
    result = CliRunner().invoke(app, ["train", "--resume", str(tmp_path / "run"), "--steps", "22"])
    assert result.exit_code == 0, result.output
    assert "resumed at step 20" in result.stderr


def test_a_warmup_longer_than_the_run_is_warned_of(write_recipe, tmp_path):
    schedule = {"name": "cosine", "warmup_steps": 40}
    _, stream = train_fresh(write_recipe, tmp_path / "run", train={"schedule": schedule})
    assert "warmup_steps is 40 but the run takes 30 steps" in stream[0].warnings[0]
    _, tail = continue_run(tmp_path / "run", steps=50)
    assert tail[0].warnings == ()  # 50 steps reach the end of the warmup


def test_resuming_a_finished_run_says_so_and_how_to_go_on(write_recipe, tmp_path):
    from typer.testing import CliRunner

    from seqcli.cli import app

    train_fresh(write_recipe, tmp_path / "run", train={"steps": 20})
    summary = (tmp_path / "run" / "summary.json").read_bytes()
    result = CliRunner().invoke(app, ["train", "--resume", str(tmp_path / "run")])
    assert result.exit_code == 2, result.output
    assert "finished at step 20" in result.stderr and "--steps N (N above 20)" in result.stderr
    assert "nan" not in result.stderr
    assert (tmp_path / "run" / "summary.json").read_bytes() == summary  # nothing rewritten


def test_a_run_stopped_before_its_end_still_resumes(write_recipe, tmp_path):
    recipe = load_recipe(write_recipe(train={"steps": 20}), [])
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=tmp_path / "run")
    for event in trainer:
        if isinstance(event, events.Step) and event.step == 12:
            trainer.request_stop("test")
    trainer.folder.release()
    resumed = resumed_training(tmp_path / "run", TASKS, device=CPU)
    try:
        assert list(resumed)[-1].step == 20
    finally:
        resumed.folder.release()


def test_the_progress_bar_shows_no_loss_before_the_first_step(capsys, tmp_path):
    from seqcli.ui.training import TrainView

    started = events.Started(tmp_path, 20, 0, 100, "cpu", "tok")
    TrainView().render([started, events.Validating(0, None), events.Stopped(0, "test")])
    shown = capsys.readouterr().err
    assert "0/20" in shown and "nan" not in shown
