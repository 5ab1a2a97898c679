"""One trial: a normal seqcli run in the study's trials/NNNN folder, its recipe the base recipe
with the trial's values set. Each validation reports the monitored metric to Optuna, which
may prune the run: it then saves, stops, and its folder's pruned.json says at which step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from seqcli.engine import events
from seqcli.recipe import Recipe, load_recipe, recipe_to_yaml
from seqcli.tune.space import setting

if TYPE_CHECKING:  # `seqcli --help` imports this module's names, never torch
    import torch

Emit = Callable[[object], None]
# The first quarter of a trial is not judged: a higher learning rate or a larger model often
# starts worse and ends better (airline: 18 of 20 trials pruned at their first validation).
UNJUDGED = 0.25


class TrialFailed(Exception):
    """The trial's run diverged or could not validate: the study goes on without it."""


class TuneInterrupted(Exception):
    """Ctrl-C or SIGTERM: the trial under way saved and stopped; the study stops (an Exception,
    so Optuna marks the trial failed before it passes it on)."""


class Stopper:
    """Ctrl-C for a study: the trial under way saves and stops, and no new trial starts."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.trainer = None  # the trial's Trainer while one trains

    def request_stop(self, reason: str) -> None:
        self.reason = reason
        if self.trainer is not None:
            self.trainer.request_stop(reason)


@dataclass(frozen=True)
class Base:
    """What every trial shares: the recipe file, the --set overrides, the study folder, the
    device and the monitored metric (train.monitor: its direction is the study's)."""

    recipe: Path
    overrides: tuple[str, ...]
    out: Path
    device: torch.device
    monitor: str

    def recipe_with(self, params: dict) -> Recipe:
        settings = [setting(key, value) for key, value in params.items()]
        return load_recipe(self.recipe, [*self.overrides, *settings])


def finished_value(folder: Path, recipe: Recipe) -> float | None:
    """The best value of this very recipe's run, if it finished in the folder before (a
    process killed between the run's end and Optuna's record of it)."""
    summary, stored = folder / "summary.json", folder / "recipe.yaml"
    if not summary.is_file() or not stored.is_file():
        return None
    if stored.read_text(encoding="utf-8") != recipe_to_yaml(recipe):
        return None
    from seqcli.runs.jsonfiles import SummaryForm, read_state  # torch-free --help: not at the top

    best = read_state(summary, SummaryForm).get("best") or {}
    return best.get("value")


def run_trial(base: Base, trial, params: dict, *, emit: Emit, stopper: Stopper) -> float:
    """Train the trial's run (resumed if its folder holds one of the same recipe); its best
    monitored value. Raises optuna's TrialPruned, TrialFailed or TuneInterrupted."""
    folder = base.out / "trials" / trial.user_attrs["folder"]
    recipe = base.recipe_with(params)
    done = finished_value(folder, recipe)
    if done is not None:
        emit(events.TrialUpdate(trial.number, params, "complete", 0, done, "finished before"))
        return done
    from seqcli.compare.run import trainer_for  # torch: imported when a trial trains

    trainer = trainer_for(recipe, folder, base.device, overwrite=False)
    stopper.trainer = trainer
    try:
        if stopper.reason is not None:
            trainer.request_stop(stopper.reason)
        return _follow(trainer, trial, params, base.monitor, emit)
    finally:
        stopper.trainer = None
        trainer.folder.release()


def _follow(trainer, trial, params: dict, monitor: str, emit: Emit) -> float:
    """Drive the trainer, reporting each validation; the trial's value when it finishes."""
    import optuna

    pruned_at, stopped = None, None
    for event in trainer:
        if isinstance(event, events.Started):
            note = f"resumed at step {event.start_step}" if event.start_step else ""
            emit(events.TrialUpdate(trial.number, params, "running", event.start_step, None, note))
        elif isinstance(event, events.Evaluated) and pruned_at is None:
            value = event.metrics[monitor]
            trial.report(value, event.step)
            emit(events.TrialUpdate(trial.number, params, "running", event.step, value))
            if event.step >= UNJUDGED * trainer.total_steps and trial.should_prune():
                pruned_at = (event.step, value)
                trainer.request_stop(f"pruned at step {event.step}")
        elif isinstance(event, events.Stopped):
            stopped = event
        elif isinstance(event, events.Finished):
            value = event.summary["best"]["value"]
            emit(events.TrialUpdate(trial.number, params, "complete", event.step, value))
            return value
    if pruned_at is not None:
        step, value = pruned_at
        record = {"pruned": True, "step": step, "metric": monitor, "value": value}
        trainer.folder.write_json("pruned.json", record)
        trial.set_user_attr("pruned_step", step)
        emit(events.TrialUpdate(trial.number, params, "pruned", step, value, f"at step {step}"))
        raise optuna.TrialPruned(f"pruned at step {step}")
    if stopped is not None and stopped.failed:
        trial.set_user_attr("failed", stopped.reason)
        emit(events.TrialUpdate(trial.number, params, "failed", stopped.step, None, stopped.reason))
        raise TrialFailed(stopped.reason)
    emit(events.TrialUpdate(trial.number, params, "stopped", trainer.step, None, "interrupted"))
    raise TuneInterrupted(stopped.reason if stopped is not None else "interrupted")
