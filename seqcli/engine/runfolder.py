"""The run folder: recipe, vocab, checkpoints, metrics log, summary, and a lock."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from seqcli.errors import CheckpointError

CHECKPOINTS = ("best.pt", "last.pt")


class RunFolder:
    """One run's files; only one process may train into it at a time."""

    def __init__(self, path: Path):
        self.path = path
        self._lock_handle = None
        self._metrics_handle = None

    def prepare_new(self, *, overwrite: bool) -> None:
        """Create the folder, refusing to clobber an earlier run unless told to."""
        if overwrite and self.path.exists():
            self.lock()
            for name in (*CHECKPOINTS, "metrics.jsonl", "summary.json", "recipe.yaml"):
                (self.path / name).unlink(missing_ok=True)
            return
        held = [name for name in CHECKPOINTS if (self.path / name).exists()]
        if held:
            raise CheckpointError(
                f"{self.path}: already holds a run ({', '.join(held)}); pass --resume "
                f"{self.path} to continue it or --overwrite to start over"
            )
        self.lock()

    def lock(self) -> None:
        """Take an exclusive lock that the kernel drops when this process dies."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            handle = (self.path / ".lock").open("a+", encoding="utf-8")
        except OSError as err:
            raise CheckpointError(
                f"{self.path}: cannot write the run folder ({err.strerror})"
            ) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise CheckpointError(
                f"{self.path}: another seqcli process is training into this run folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._lock_handle = handle
        # Half-written files of a process killed mid-save; with the lock held, none are live.
        for partial in self.path.glob(".*.partial"):
            partial.unlink(missing_ok=True)

    def release(self) -> None:
        if self._metrics_handle is not None:
            self._metrics_handle.close()
            self._metrics_handle = None
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    def write_text(self, name: str, text: str) -> None:
        partial = self.path / f".{name}.partial"
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, self.path / name)

    def write_json(self, name: str, data: dict) -> None:
        self.write_text(name, json.dumps(data, indent=2) + "\n")

    def log_metrics(self, record: dict) -> None:
        """Append one line, flushed so a crash loses at most the line being written."""
        if self._metrics_handle is None:  # kept open: the training step calls this every time
            self._metrics_handle = (self.path / "metrics.jsonl").open("a", encoding="utf-8")
        self._metrics_handle.write(json.dumps(record) + "\n")
        self._metrics_handle.flush()

    def truncate_metrics(self, last_step: int) -> None:
        """Drop log lines from steps after the checkpoint a resume starts from."""
        log = self.path / "metrics.jsonl"
        if not log.exists():
            return
        lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if _step_of(line) <= last_step]
        self.write_text("metrics.jsonl", "".join(kept))

    def checkpoint(self, kind: str) -> Path:
        return self.path / f"{kind}.pt"


def _step_of(line: str) -> int:
    # A line torn by a crash has no step; it sorts after everything and is dropped.
    try:
        return int(json.loads(line)["step"])
    except (ValueError, KeyError, TypeError):
        return 1 << 62
