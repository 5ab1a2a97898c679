import json
import math

import pytest
import torch

from seqcli.engine import events
from seqcli.engine.run import load_run
from seqcli.engine.start import fresh_training, resumed_training
from seqcli.recipe import load_recipe
from seqcli.runs.checkpoint import load_checkpoint
from seqcli.tasks import TASKS, task_for

CPU = torch.device("cpu")


def train_fresh(write_recipe, out, overrides=(), **sections):
    recipe = load_recipe(write_recipe(**sections), list(overrides))
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=out)
    try:
        return trainer, list(trainer)
    finally:
        trainer.folder.release()


def losses(stream):
    return [e.loss for e in stream if isinstance(e, events.Step)]


def test_loss_falls_on_a_tiny_corpus(write_recipe, tmp_path):
    _, stream = train_fresh(write_recipe, tmp_path / "run", train={"steps": 60})
    curve = losses(stream)
    assert sum(curve[-10:]) / 10 < sum(curve[:10]) / 10 - 0.5


def test_events_arrive_in_order_and_end_with_finished(write_recipe, tmp_path):
    _, stream = train_fresh(write_recipe, tmp_path / "run")
    kinds = [type(e).__name__ for e in stream]
    assert kinds[0] == "Started" and kinds[-1] == "Finished"
    assert kinds.count("Step") == 30 and kinds.count("Evaluated") == 3
    assert "Sample" in kinds
    # Each validation is announced before it starts, with the batches it will read at most.
    announced = [e for e in stream if type(e).__name__ == "Validating"]
    assert [kinds[i + 1] for i, kind in enumerate(kinds) if kind == "Validating"] == [
        "Evaluated"
    ] * 3
    assert [e.step for e in announced] == [10, 20, 30] and {e.batches for e in announced} == {50}


def test_run_folder_holds_recipe_vocab_checkpoints_and_logs(write_recipe, tmp_path):
    train_fresh(write_recipe, tmp_path / "run")
    names = {p.name for p in (tmp_path / "run").iterdir()}
    expected = {"recipe.yaml", "meta.json", "best.pt", "last.pt", "metrics.jsonl", "summary.json"}
    assert expected <= names
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    assert {r["split"] for r in records} == {"train", "val"}
    assert all({"step", "split", "loss"} <= set(r) for r in records)


def test_checkpoint_round_trip_gives_identical_logits(write_recipe, tmp_path):
    trainer, _ = train_fresh(write_recipe, tmp_path / "run")
    loaded = load_run(tmp_path / "run" / "last.pt", CPU, TASKS)
    x = torch.randint(len(trainer.run.meta), (2, 9))
    trainer.run.model.eval()
    assert torch.equal(loaded.model.eval()(x).out, trainer.run.model(x).out)


def test_checkpoint_is_plain_data_with_a_format_version(write_recipe, tmp_path):
    train_fresh(write_recipe, tmp_path / "run")
    payload = load_checkpoint(tmp_path / "run" / "last.pt")
    assert payload["format"] == 1 and payload["step"] == 30
    assert {"optimizer", "rng", "batches", "carried_state"} <= set(payload["training"])


@pytest.mark.parametrize(
    "train",
    [
        {"windows": "carried", "schedule": {"name": "cosine", "warmup_steps": 5}},
        {"windows": "random", "optimizer": "sgd", "momentum": 0.9},
    ],
    ids=["carried-cosine", "random-sgd"],
)
def test_resume_gives_the_same_losses_as_a_straight_run(write_recipe, tmp_path, train):
    settings = {"steps": 24, "eval_every": 8, **train}
    model = {"dropout": 0.2, "layers": 2}
    _, straight = train_fresh(write_recipe, tmp_path / "a", train=settings, model=model)

    recipe = load_recipe(write_recipe(train=settings, model=model))
    first = fresh_training(recipe, task_for(recipe), device=CPU, out=tmp_path / "b")
    head = []
    for event in first:
        head.append(event)
        if isinstance(event, events.Step) and event.step == 12:
            first.request_stop("test")
    first.folder.release()
    assert isinstance(head[-1], events.Stopped) and head[-1].resume_command

    second = resumed_training(tmp_path / "b", TASKS, device=CPU)
    tail = list(second)
    second.folder.release()
    resumed = losses(head) + losses(tail)
    assert len(resumed) == 24
    assert max(abs(a - b) for a, b in zip(resumed, losses(straight), strict=True)) < 1e-6


def test_same_seed_gives_identical_metrics_log(write_recipe, tmp_path):
    train_fresh(write_recipe, tmp_path / "a", model={"dropout": 0.1})
    train_fresh(write_recipe, tmp_path / "b", model={"dropout": 0.1})
    assert measured(tmp_path / "a") == measured(tmp_path / "b")


def measured(folder):
    """metrics.jsonl without what the clock decides (time, speed)."""
    rows = [json.loads(line) for line in (folder / "metrics.jsonl").open()]
    return [{k: v for k, v in row.items() if k not in ("time", "speed")} for row in rows]


def test_early_stopping_ends_the_run(write_recipe, tmp_path):
    _, stream = train_fresh(
        write_recipe,
        tmp_path / "run",
        train={"steps": 200, "eval_every": 1, "lr": 1e-9, "early_stopping": {"patience": 2}},
    )
    stopped = [e for e in stream if isinstance(e, events.Stopped)]
    assert stopped and "early stopping" in stopped[0].reason
    assert stream[-1].step < 200


def test_epochs_set_the_number_of_steps(write_recipe, tmp_path):
    trainer, stream = train_fresh(
        write_recipe, tmp_path / "run", train={"steps": None, "epochs": 1, "eval_every": 1000}
    )
    assert stream[-1].step == len(trainer.batches)


def test_non_finite_loss_stops_with_advice_and_keeps_last_good(write_recipe, tmp_path):
    _, stream = train_fresh(
        write_recipe,
        tmp_path / "run",
        train={"lr": 1e30, "clip_norm": None, "optimizer": "sgd", "steps": 50, "eval_every": 1},
    )
    stopped = stream[-1]
    assert isinstance(stopped, events.Stopped) and stopped.failed
    assert "step" in stopped.reason and "train.lr" in stopped.reason
    for kept in (tmp_path / "run").glob("*.pt"):
        weights = load_checkpoint(kept)["model"].values()
        assert all(bool(w.isfinite().all()) for w in weights)


@pytest.mark.parametrize("name", ["constant", "cosine", "step", "plateau"])
def test_every_schedule_trains(write_recipe, tmp_path, name):
    _, stream = train_fresh(
        write_recipe, tmp_path / "run", train={"steps": 12, "schedule": {"name": name}}
    )
    assert all(math.isfinite(loss) for loss in losses(stream))


def poison_step(trainer, at: int) -> None:
    """Make the loss of one training step NaN, as a bad batch would."""
    forward = trainer.run.model.forward

    def forward_with_nan(x, **kwargs):
        out = forward(x, **kwargs)
        if kwargs.get("targets") is not None and trainer.step == at - 1:
            return out._replace(loss=out.loss * float("nan"))
        return out

    trainer.run.model.forward = forward_with_nan


def test_skip_drops_a_non_finite_window_and_trains_on(write_recipe, tmp_path):
    recipe = load_recipe(write_recipe(train={"steps": 12, "on_nonfinite": "skip"}))
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=tmp_path / "run")
    poison_step(trainer, at=5)
    stream = list(trainer)
    trainer.folder.release()
    steps = [e for e in stream if isinstance(e, events.Step)]
    assert [e.step for e in steps if e.skipped] == [5]
    assert isinstance(stream[-1], events.Finished) and stream[-1].step == 12
    assert all(bool(p.isfinite().all()) for p in trainer.run.model.parameters())


def test_stop_ends_at_a_non_finite_window_without_touching_weights(write_recipe, tmp_path):
    recipe = load_recipe(write_recipe())
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=tmp_path / "run")
    poison_step(trainer, at=5)
    stream = list(trainer)
    trainer.folder.release()
    assert isinstance(stream[-1], events.Stopped) and stream[-1].failed
    assert "at step 5" in stream[-1].reason and trainer.step == 4


def cli_train(*args):
    from typer.testing import CliRunner

    from seqcli.cli import app

    return CliRunner().invoke(app, ["train", *[str(arg) for arg in args]])


def test_steps_on_a_new_run_sets_its_length(write_recipe, tmp_path):
    result = cli_train(write_recipe(), "--steps", 6, "--out", tmp_path / "run", "--quiet")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["steps"] == 6
    assert "steps: 6" in (tmp_path / "run" / "recipe.yaml").read_text()


def test_steps_replace_the_epochs_a_recipe_counts(write_recipe, tmp_path):
    recipe = write_recipe(train={"steps": None, "epochs": 3})
    result = cli_train(recipe, "--steps", 4, "--out", tmp_path / "run", "--quiet")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["steps"] == 4


def test_a_tied_monitored_metric_keeps_the_checkpoint_with_the_lower_loss(
    write_recipe, tmp_path, monkeypatch
):
    recipe = load_recipe(write_recipe(train={"monitor": "accuracy"}), [])
    task = task_for(recipe)
    evaluate = task.evaluate

    def accuracy_stuck_at_zero(*args, **kwargs):  # as BLEU 0.0 at a translator's start
        return {**evaluate(*args, **kwargs), "accuracy": 0.0}

    monkeypatch.setattr(task, "evaluate", accuracy_stuck_at_zero)
    trainer = fresh_training(recipe, task, device=CPU, out=tmp_path / "run")
    try:
        stream = list(trainer)
    finally:
        trainer.folder.release()
    val = [e for e in stream if isinstance(e, events.Evaluated)]
    assert [e.metrics["loss"] < val[0].metrics["loss"] for e in val[1:]] == [True, True]
    assert [e.improved for e in val] == [True, True, True]
    assert load_checkpoint(tmp_path / "run" / "best.pt")["step"] == 30
    assert stream[-1].summary["best_step"] == 30


def test_a_tie_that_is_not_lower_in_loss_keeps_the_older_best():
    from seqcli.engine.monitor import Monitor
    from seqcli.recipe import TrainConfig

    monitor = Monitor(TrainConfig(monitor="accuracy", early_stopping={"patience": 2}))
    assert monitor.observe(0.5, 10, loss=2.0)
    assert not monitor.observe(0.5, 20, loss=2.5)
    assert monitor.observe(0.5, 30, loss=1.5)  # a tie with a lower loss: the better model
    assert monitor.best_step == 30
    assert monitor.patience_ran_out()  # the tie is no improvement: two since step 10
