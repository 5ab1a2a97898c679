"""The training loop as a generator of events; the caller decides how to show them."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import torch

from seqcli.engine import distributed, events
from seqcli.engine.budget import Budget, Clock
from seqcli.engine.contract import Calibrates, TaskData
from seqcli.engine.embeddings import Freeze
from seqcli.engine.monitor import Monitor
from seqcli.engine.optim import LearningRate, build_optimizer, planned_steps, validation_batches
from seqcli.engine.precision import autocast, check_precision, gradient_scaler
from seqcli.engine.resumable import checkpoint_payload, restore
from seqcli.engine.run import Run
from seqcli.engine.stepping import optimizer_step
from seqcli.engine.stopping import ABANDONED, StopSwitch
from seqcli.engine.verdicts import column_roles, divergence, warmup_warnings
from seqcli.errors import NonFiniteScores
from seqcli.models import count_parameters
from seqcli.runs.checkpoint import write_checkpoint
from seqcli.runs.logbook import Logbook
from seqcli.runs.runfolder import RunFolder

SMOOTHING = 0.9  # weight of the past in the tokens/s shown to the user


class Trainer:
    """Train a run into a folder; stoppable between steps, resumable exactly."""

    def __init__(
        self,
        run: Run,
        data: TaskData,
        folder: RunFolder,
        *,
        data_digest: str | None = None,
        clock: Clock = time.monotonic,
    ):
        self.run = run
        self.data = data
        self.folder = folder
        self.data_digest = data_digest  # of the data files, so a resume can see them change
        train = run.recipe.train
        self.world = distributed.current_world()  # one process unless under torchrun
        self.batches = distributed.step_batches(run.task, data, run.recipe, self.world)
        self.parallel = distributed.parallel(run.model, self.world, run.device)
        self.total_steps = planned_steps(run, len(self.batches))
        self.optimizer = build_optimizer(run.model.parameters(), train)
        check_precision(train.precision, run.device, "train.precision")
        self.scaler = gradient_scaler(train.precision, run.device)
        self.lr = LearningRate(train, total_steps=self.total_steps)
        self.step = 0
        self.state = None
        self.monitor = Monitor(train)
        self.freeze = Freeze(run)
        self.logbook = Logbook(folder, batches_per_epoch=len(self.batches))
        self.stopping = StopSwitch()
        self.budget = Budget(train.max_time, clock)
        self.speed: float | None = None  # smoothed tokens/s
        self.last_saved: int | None = None  # step of the newest last.pt
        # A validation abandoned by a stop request is done first when the run resumes, from
        # the RNG state it started with: the run goes on as if it had never stopped.
        self.validation_due = False
        self.rng_at_validation = torch.get_rng_state()
        if run.checkpoint is not None and "training" in run.checkpoint:
            restore(self, run.checkpoint)
        self.logbook.open(run, start_step=self.step)

    def request_stop(self, reason: str) -> None:
        """Save and stop after the step under way; a validation under way is dropped at once
        (see StopSwitch.request: call this from a signal handler or between events)."""
        self.stopping.request(reason)

    @property
    def stop_reason(self) -> str | None:
        return self.stopping.reason

    def __iter__(self) -> Iterator[object]:
        try:
            yield from self._events()
        finally:
            self.logbook.close()  # a finished run has closed it with its summary

    def _events(self) -> Iterator[object]:
        yield self._started()
        self.budget.start()
        stop = yield from self._train()
        if stop is None and self.stop_reason is not None and not self._complete():
            yield from self._save("last")
            resume = f"seqcli train --resume {self.folder.path}"
            yield events.Stopped(self.step, self.stop_reason, resume)
            return
        if stop is not None:
            yield stop
            if stop.failed:
                return
        yield from self._finish(stop.reason if stop is not None else "completed")

    def _started(self) -> events.Started:
        run = self.run
        return events.Started(
            self.folder.path,
            self.total_steps,
            self.step,
            count_parameters(run.model),
            str(run.device),
            run.task.spec.unit,
            warmup_warnings(run.recipe.train, self.total_steps),
            run.embeddings,
            column_roles(run.recipe),
            **self.world.batch_record(run.recipe.train),
            monitor=self.monitor.describe(run.recipe),
        )

    def _train(self) -> Iterator[object]:
        """Steps and validations until the last step or a stop request; the Stopped event
        that ends the run otherwise (diverged, stopped early), if any."""
        # Zero steps (spec.optimizes false): the data alone made the model. Validate it once,
        # so best.pt, last.pt and summary.json read as any run's.
        due = self.validation_due or not self.total_steps
        stop = (yield from self._validate()) if due else None
        while stop is None and self.step < self.total_steps:
            if self.stop_reason is None and self.budget.spent():  # a signal's reason stays
                self.stopping.request(self.budget.reason)
            if self.world.stop_reason(self.stopping) is not None:  # agreed by every rank
                break
            step = self._timed_step()
            yield step
            if not math.isfinite(step.loss) and not step.skipped:
                return self._diverged(
                    f"the training loss became {step.loss} at step {step.step + 1}"
                )
            if self.step % self.run.recipe.train.eval_every == 0 or self.step == self.total_steps:
                stop = yield from self._validate()
        return stop

    def _complete(self) -> bool:
        return self.step >= self.total_steps and not self.validation_due

    def _validate(self) -> Iterator[object]:
        """Validate, sample and save; the Stopped event that ends the run here, if any.
        A stop request before or during it leaves it due, and nothing of it recorded."""
        self.rng_at_validation = torch.get_rng_state()
        if len(self.data.splits["val"]):
            yield events.Validating(self.step, validation_batches(self.run.recipe.train))
        measured = self.world.from_writer(
            lambda: self._weights_finite() and self.stopping.unless_requested(self._measure)
        )
        if measured is ABANDONED:
            self.validation_due = True
            return None
        if not measured:
            return self._diverged(f"the model's outputs became non-finite by step {self.step}")
        self.validation_due = False
        yield from self._record(*measured)
        if self.monitor.patience_ran_out():
            return events.Stopped(self.step, "early stopping: no improvement")
        return None

    def _timed_step(self) -> events.Step:
        tick = time.perf_counter()
        before = self.step
        loss, grad_norm, skipped, size = optimizer_step(self)
        tokens = size / (time.perf_counter() - tick)
        self.speed = SMOOTHING * (self.speed or tokens) + (1 - SMOOTHING) * tokens
        if self.step > before:  # a step stopped by a non-finite loss does not count
            values = {"loss": loss, "lr": self._lr(), "grad_norm": grad_norm, "skipped": skipped}
            self.logbook.row(self.step, "train", {**values, "speed": round(self.speed, 1)})
        epoch = self.step / len(self.batches) if self.run.recipe.train.epochs else None
        return events.Step(
            self.step, self.total_steps, loss, self._lr(), grad_norm, self.speed, skipped, epoch
        )

    def _weights_finite(self) -> bool:
        return all(bool(p.isfinite().all()) for p in self.run.model.parameters())

    def _diverged(self, what: str) -> events.Stopped:
        reason = divergence(self.run.recipe.train, what, last_saved=self.last_saved)
        return events.Stopped(self.step, reason, failed=True)

    def _lr(self) -> float:
        return self.optimizer.param_groups[0]["lr"]

    def _measure(self) -> tuple[dict | None, str | None] | bool:
        """The validation metrics (None without a val split) and a sample (None if none is
        asked for), in the training's precision; False if either is not finite."""
        with autocast(self.run.recipe.train.precision, self.run.device):
            return self._measured()

    def _measured(self) -> tuple[dict | None, str | None] | bool:
        recipe = self.run.recipe
        metrics = None
        sample = None
        if len(self.data.splits["val"]):
            batches = validation_batches(recipe.train)
            if isinstance(self.run.task, Calibrates):
                self.run.task.calibrate(self.run, self.data.splits["val"])
            metrics = self.run.task.evaluate(self.run, self.data.splits["val"], max_batches=batches)
            metrics.pop("details", None)
            if not math.isfinite(metrics["loss"]):
                return False
        if recipe.generate.sample_length:
            try:
                sample = self.run.task.sample(self.run, self.step)
            except NonFiniteScores:
                return False
        return metrics, sample

    def _record(self, metrics: dict | None, sample: str | None) -> Iterator[object]:
        """Log and report a finished validation, then save (best.pt if it improved)."""
        improved = self.monitor.best is None  # without a val split each save is the best
        if metrics is not None:
            value = metrics[self.run.recipe.train.monitor]
            self.lr.observe(self.monitor.signed(value))
            improved = self.monitor.observe(value, self.step, loss=metrics["loss"])
            self.logbook.row(self.step, "val", metrics)
            yield events.Evaluated(self.step, "val", metrics, improved)
        if sample is not None:
            self.logbook.sample(self.step, sample)
            yield events.Sample(self.step, sample)
        if improved:
            yield from self._save("best")
        yield from self._save("last")

    def _save(self, kind: str) -> Iterator[object]:
        payload = checkpoint_payload(self, with_training=kind == "last")
        path = self.folder.save_checkpoint(kind, lambda handle: write_checkpoint(payload, handle))
        if kind == "last":
            self.last_saved = self.step
            self.logbook.flush()  # the logs on disk match the checkpoint a resume starts from
        yield events.Saved(self.step, path)

    def _finish(self, stopped: str) -> Iterator[object]:
        yield from self._save("last")
        summary = self.logbook.summary(
            self.run,
            steps=self.step,
            monitor=self.monitor,
            stopped=stopped,
            batch=self.world.batch_record(self.run.recipe.train),
        )
        self.folder.write_json("summary.json", summary)
        self.logbook.close(summary)
        yield events.Finished(self.step, summary)
