"""A run's numbers: every row stamped with the time and epoch it was taken at and handed to the
recipe's loggers (metrics.jsonl always); the last row of each split kept for summary.json."""

from __future__ import annotations

import platform
import time

import torch

import seqcli
from seqcli.models import count_parameters
from seqcli.runs.loggers import LOGGERS, Logger
from seqcli.runs.runfolder import RunFolder


class Logbook:
    """A run's metrics log; its clock and last rows carry over a resume (state_dict)."""

    def __init__(self, folder: RunFolder, *, batches_per_epoch: int):
        self.folder = folder
        self.batches_per_epoch = batches_per_epoch
        self.started = time.perf_counter()
        self.before = 0.0  # before: earlier sessions' seconds
        self.final: dict[str, dict] = {}  # split -> its last row's values
        self.loggers: list[Logger] = []

    def open(self, run, *, start_step: int) -> None:
        """Start the recipe's loggers (jsonl whether named or not) at the run's step."""
        names = dict.fromkeys(("jsonl", *run.recipe.train.loggers))
        self.loggers = [LOGGERS[name](self.folder, run, start_step) for name in names]

    def elapsed(self) -> float:
        """Seconds of training since the run started, over every session of it."""
        return self.before + time.perf_counter() - self.started

    def row(self, step: int, split: str, values: dict) -> None:
        """Log one row: a training step's numbers or a validation's metrics."""
        epoch = step / self.batches_per_epoch if self.batches_per_epoch else 0.0
        stamps = {"step": step, "split": split, "time": round(self.elapsed(), 3)}
        for logger in self.loggers:
            logger.row({**stamps, "epoch": round(epoch, 4), **values})
        self.final[split] = values

    def sample(self, step: int, text: str) -> None:
        for logger in self.loggers:
            logger.sample(step, text)

    def flush(self) -> None:
        for logger in self.loggers:
            logger.flush()

    def close(self, summary: dict | None = None) -> None:
        """End the loggers, with the run's summary if it finished; once."""
        loggers = self.loggers
        self.loggers = []
        for logger in loggers:
            logger.close(summary)

    def summary(self, run, *, steps: int, monitor, stopped: str, batch: dict[str, int]) -> dict:
        """summary.json: what the run became, why it ended, and what it ran on."""
        return {
            "name": run.recipe.name,
            "task": run.recipe.task,
            "steps": steps,
            "epochs": round(steps / self.batches_per_epoch, 4) if self.batches_per_epoch else 0,
            "stopped": stopped,
            "best": monitor.record(),
            "best_step": monitor.best_step,  # the step best.pt holds
            "final": self.final,
            "parameters": count_parameters(run.model),
            "device": str(run.device),
            **batch,  # ranks and the effective batch
            "elapsed_s": round(self.elapsed(), 3),
            "versions": versions(),
            **({"embeddings": list(run.embeddings)} if run.embeddings else {}),
        }

    def state_dict(self) -> dict:
        return {"elapsed": self.elapsed(), "final": self.final}

    def load_state_dict(self, state: dict) -> None:
        self.before = state["elapsed"]
        self.final = state["final"]


def versions() -> dict[str, str]:
    """What made the run, for summary.json."""
    return {
        "seqcli": seqcli.__version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
    }
