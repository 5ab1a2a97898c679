"""The run folder: recipe, vocab, checkpoints, metrics logs, summary, and a lock. Its methods
are the write door (seqcli.recipe.outputs) for every file of a run.

Three promises, kept here for every file of a run (README, "The run folder"):
- nothing is written outside the folder: no file in it is opened through a symbolic link;
- a run is replaced only once its successor has started: a new run writes into `.new-run/`
  inside the folder, and its first last.pt moves it into place and only then deletes the run
  it replaces; a failure or a kill before that leaves the old run as it was;
- a write that fails (disk full, permissions) is one line naming the file, and leaves no
  half-written file behind.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from seqcli.errors import CheckpointError
from seqcli.recipe.outputs import NO_FOLLOW, fsync_folder, hand_over, reason, vet, write_beside
from seqcli.runs.jsonfiles import StepForm, log_row

# Every file a run writes into its folder. Any of them there means the folder holds a run.
RUN_FILES = (
    *("best.pt", "last.pt", "recipe.yaml", "meta.json", "metrics.jsonl", "summary.json"),
    *("diagnostics.json", "gradient_flow.png", "metrics.csv", "samples.jsonl", "resumes.jsonl"),
)
LOGS = ("metrics.jsonl", "samples.jsonl", "resumes.jsonl")  # a row a line, each with its step
RUN_FOLDERS = ("tensorboard",)  # folders a run writes (train.loggers), moved with its files
RUN_FOLDER_FILES = "events.out.tfevents."  # how every file a run writes in them begins
NEW_RUN = ".new-run"  # a new run's files until its first last.pt
OLD_RUN = ".old-run.partial"
OLD_RUN_MOVED = ".old-run"  # the replaced run, on its way out


@contextmanager
def reported(path: Path, doing: str = "cannot write") -> Iterator[None]:
    """An OSError about path becomes one line naming it."""
    try:
        yield
    except OSError as err:
        raise CheckpointError(f"{path}: {reason(err, doing)}") from None


def open_file(path: Path, flags: int) -> int:
    """A descriptor for a file of the run folder, refusing a symbolic link in its place."""
    with reported(path, "cannot write" if flags & (os.O_WRONLY | os.O_RDWR) else "cannot read"):
        return os.open(vet(path), flags | NO_FOLLOW, 0o644)


def write_all(descriptor: int, data: bytes) -> None:
    # A full disk first shortens a write and only fails the next one.
    while data:
        data = data[os.write(descriptor, data) :]


class RunFolder:
    """One run's files; only one process may train into it at a time."""

    def __init__(self, path: Path):
        self.path = path
        self.live = path  # where the run's files go now: path, or path/.new-run before commit
        self._lock: int | None = None
        self._appending: dict[str, int] = {}  # log name -> descriptor kept open to append

    def prepare_new(self, *, overwrite: bool) -> None:
        """Lock the folder and start a new run in .new-run/; refuse to replace a run unless
        told to (it is then replaced when the new one saves its first last.pt)."""
        self.lock()
        held = [name for name in RUN_FILES if os.path.lexists(self.path / name)]
        self._refuse_foreign_folders(bool(held))
        if held and not overwrite:
            self.release()
            raise CheckpointError(
                f"{self.path}: already holds a run ({', '.join(held)}); {self._hint()}"
            )
        with reported(self.path / NEW_RUN):
            vet(self.path / NEW_RUN).mkdir()
        self.live = self.path / NEW_RUN

    def _refuse_foreign_folders(self, held: bool) -> None:
        """A tensorboard/ that a run did not write (no run beside it, or files no logger
        writes in it) is the user's: never moved, deleted or written into."""
        for name in RUN_FOLDERS:
            if os.path.lexists(self.path / name) and not (held and _run_made(self.path / name)):
                self.release()
                raise CheckpointError(
                    f"{self.path / name}: holds what no seqcli run wrote; seqcli leaves it "
                    "alone: move it, or pass another --out"
                )

    def _hint(self) -> str:
        if os.path.lexists(self.path / "last.pt"):
            return f"pass --resume {self.path} to continue it or --overwrite to start over"
        return "pass --overwrite to start over (it has no last.pt to resume from)"

    def lock(self) -> None:
        """Take an exclusive lock that the kernel drops when this process dies, then finish
        whatever a killed process left halfway in the folder."""
        if self.path.is_symlink():  # it may be another run, which this one would replace
            raise CheckpointError(f"{self.path}: is a symbolic link; seqcli trains into no link")
        with reported(self.path, "cannot write the run folder"):
            vet(self.path).mkdir(parents=True, exist_ok=True)
        descriptor = open_file(self.path / ".lock", os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            raise CheckpointError(
                f"{self.path}: another seqcli process is training into this run folder"
            ) from None
        self._lock = descriptor
        try:
            with reported(self.path / ".lock"):
                os.ftruncate(descriptor, 0)
                write_all(descriptor, f"{os.getpid()}\n".encode())
            self._settle()
        except BaseException:
            self.release()
            raise

    def _settle(self) -> None:
        """Carry through a replacement a killed process left halfway, or drop a new run that
        never saved a checkpoint; then the half-written files of any killed save."""
        new = self.path / NEW_RUN
        moved = self.path / OLD_RUN_MOVED
        with reported(self.path, "cannot tidy the run folder"):
            for name in (NEW_RUN, OLD_RUN, OLD_RUN_MOVED):  # ours are folders, never links
                if (self.path / name).is_symlink():
                    vet(self.path / name).unlink()
            if (new / "last.pt").exists() or moved.exists():
                self._replace_old_run()
            elif os.path.lexists(new):
                _remove(new)
            for partial in self.path.glob(".*.partial"):
                vet(partial).unlink(missing_ok=True)

    def _replace_old_run(self) -> None:
        """Move the old run out, the new one up (last.pt last), then delete the old one.
        Each stage can be interrupted and done again: the names of the two folders of the
        old run say how far it got."""
        new, moving, moved = (self.path / name for name in (NEW_RUN, OLD_RUN, OLD_RUN_MOVED))
        if not moved.exists():  # before this rename every run file in path is the old run's
            vet(moving).mkdir(exist_ok=True)
            for name in (*RUN_FILES, *[n for n in RUN_FOLDERS if _run_made(self.path / n)]):
                if os.path.lexists(self.path / name):
                    os.replace(vet(self.path / name), vet(moving / name))
            os.replace(moving, vet(moved))
        if new.exists():  # while last.pt is still in new, moving up is unfinished
            for child in sorted(new.iterdir(), key=lambda child: child.name == "last.pt"):
                os.replace(vet(child), vet(self.path / child.name))
            vet(new).rmdir()
        _remove(moved)
        fsync_folder(self.path)

    def release(self) -> None:
        """Close the run's files and unlock; a new run without a checkpoint is dropped."""
        for name in list(self._appending):
            self._stop_appending(name)
        if self._lock is None:
            return
        try:
            self._settle()
        except CheckpointError:
            pass  # the next process to lock the folder settles it again
        os.close(self._lock)
        self._lock = None
        self.live = self.path

    def write_text(self, name: str, text: str) -> None:
        self.write_atomically(name, lambda handle: handle.write(text.encode("utf-8")))

    def write_json(self, name: str, data: dict) -> None:
        self.write_text(name, json.dumps(data, indent=2) + "\n")

    def write_atomically(self, name: str, write: Callable[[BinaryIO], object]) -> Path:
        """Write beside the target, fsync, then rename: a crash leaves the old or the new file,
        and a failure (disk full) leaves the old one and no partial file."""
        self._stop_appending(name)  # the next append opens the file that replaces it
        target = self.live / name
        with reported(target):
            write_beside(target, write)
        return target

    def save_checkpoint(self, kind: str, write: Callable[[BinaryIO], object]) -> Path:
        """best.pt or last.pt; a new run's first last.pt replaces the run it succeeds."""
        path = self.write_atomically(f"{kind}.pt", write)
        if kind == "last" and self.live != self.path:
            with reported(self.path, "cannot replace the old run"):
                self._replace_old_run()
            self.live = self.path
        return self.path / path.name

    def log_metrics(self, record: dict) -> None:
        self.append_line("metrics.jsonl", json.dumps(record))

    def log(self, name: str, record: dict) -> None:
        """A row of one of the LOGS beside metrics.jsonl (samples, resumes)."""
        self.append_line(name, json.dumps(record))

    def append_line(self, name: str, line: str) -> None:
        """Append one line to a log with one unbuffered write, so a crash or a full disk tears
        at most that line (a resume drops a torn line)."""
        path = self.live / name
        if name not in self._appending:  # kept open: the training step calls this every time
            self._appending[name] = open_file(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        with reported(path):
            write_all(self._appending[name], (line + "\n").encode("utf-8"))

    def _stop_appending(self, name: str) -> None:
        if name in self._appending:
            os.close(self._appending.pop(name))

    def truncate_logs(self, last_step: int) -> None:
        """Drop log lines from steps after the checkpoint a resume starts from."""
        for name in LOGS:
            if os.path.lexists(self.live / name):
                kept = [line for line in _lines(self.live / name) if _step_of(line) <= last_step]
                self.write_text(name, "".join(kept))

    def subfolder(self, name: str) -> Path:
        """A folder of the run's own (one of RUN_FOLDERS), made if missing; a link in its
        place is refused, never followed."""
        path = self.live / name
        with reported(path):
            if path.is_symlink():
                raise OSError(errno.ELOOP, "a link")
            vet(path).mkdir(exist_ok=True)
        return hand_over(path)

    def checkpoint(self, kind: str) -> Path:
        return self.path / f"{kind}.pt"


def _run_made(folder: Path) -> bool:
    """Whether folder is one a run writes: a real folder holding only its loggers' files."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    return all(child.name.startswith(RUN_FOLDER_FILES) for child in folder.iterdir())


def _remove(path: Path) -> None:
    """A folder of ours and what is in it; a link in its place is removed, never followed."""
    vet(path)
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path)


def _lines(log: Path) -> list[str]:
    with reported(log, "cannot read"), os.fdopen(open_file(log, os.O_RDONLY), "rb") as handle:
        return handle.read().decode("utf-8", errors="replace").splitlines(keepends=True)


def _step_of(line: str) -> int:
    # A line torn by a crash, or damaged, has no step; it sorts after everything and is dropped.
    try:
        return log_row(line, StepForm)["step"]
    except ValueError:
        return 1 << 62
