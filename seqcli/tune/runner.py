"""A study run here: in this process, or in --jobs worker processes that each ask the same
storage for trials (Optuna's way to share a study), then its outputs written; and a study
read back (--show)."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path
from queue import Empty as EmptyQueue
from typing import IO, cast

from seqcli.engine import events
from seqcli.errors import SeqcliError, UsageError
from seqcli.recipe.outputs import Output, make_folder
from seqcli.tune.results import summarize, write_outputs
from seqcli.tune.study import Request, folder_storage, open_storage, optimize, optuna_module
from seqcli.tune.trial import Emit, Stopper, TuneInterrupted

POLL = 0.2  # seconds the parent waits for a worker's event before it looks at them again


def tune(
    request: Request, *, emit: Emit, stopper: Stopper, jobs: int = 1, threads: int | None = None
) -> tuple[dict, list[Path]]:
    """Run the study to request.trials and write tune.json, best.yaml and the figures; the
    summary and the files. Raises TuneInterrupted after a stop request, outputs written."""
    make_folder(request.base.out, Output("--out"))
    if jobs == 1:
        try:
            optimize(request, emit=emit, stopper=stopper)
        except TuneInterrupted:
            pass
    else:
        _in_processes(request, emit, stopper, jobs, threads)
    outputs = write_outputs(open_storage(request.url, request.label), request)
    if stopper.reason is not None:
        raise TuneInterrupted(stopper.reason)
    return outputs


class _ToParent(io.TextIOBase):
    """A worker's stderr, sent line by line to the parent, which shows each line once above
    its table: every worker reads the data and would warn of its duplicates itself."""

    def __init__(self, queue) -> None:
        self.queue, self.pending = queue, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        for line in filter(str.strip, lines):
            self.queue.put(events.WorkerSaid(line))
        return len(text)


def _worker(request: Request, queue, worker: int, threads: int) -> None:
    """One worker process: its own trials of the shared study, events sent to the parent."""
    from seqcli.engine.threads import use_threads
    from seqcli.ui import err_console

    err_console.file = cast(IO[str], _ToParent(queue))  # a text stream rich can write to
    use_threads(threads)
    stopper = Stopper()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: stopper.request_stop(signal.strsignal(signum)))
    try:
        optimize(request, emit=queue.put, stopper=stopper, worker=worker)
    except TuneInterrupted:
        pass
    except SeqcliError as err:
        queue.put(UsageError(err.lines()[0]))


def _in_processes(request: Request, emit: Emit, stopper: Stopper, jobs: int, threads) -> None:
    """`jobs` spawned workers sharing the cores; a stop request here is passed on to them."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # fork would copy torch's thread pools
    threads = threads or max(1, (os.cpu_count() or 1) // jobs)
    # its tables made here, before the workers would race to
    open_storage(request.url, request.label)
    with context.Manager() as manager:
        queue = manager.Queue()
        workers = [
            context.Process(target=_worker, args=(request, queue, number, threads))
            for number in range(jobs)
        ]
        for process in workers:
            process.start()
        _drain(workers, queue, emit, stopper)


def _drain(workers: list, queue, emit: Emit, stopper: Stopper) -> None:
    """Pass the workers' events on until all have ended; raise the first one's error."""
    told, error = False, None
    while any(process.is_alive() for process in workers) or not queue.empty():
        if stopper.reason is not None and not told:
            told = True
            for process in workers:
                if process.is_alive():
                    os.kill(process.pid, signal.SIGTERM)
        try:
            event = queue.get(timeout=POLL)
        except EmptyQueue:
            continue
        if isinstance(event, SeqcliError):
            error = error or event
        else:
            emit(event)
    if error is not None:
        raise error


def read_study(folder: Path, storage: str | None) -> dict:
    """The summary of the study whose folder this is (its storage: study.db there, or the
    --storage URL it was run with)."""
    if storage is None and not folder.is_dir():
        what = "is a file" if folder.exists() else "does not exist"
        raise UsageError(f"--show {folder}: {what}; give the study folder (tune's --out)")
    if storage is None and not (folder / "study.db").is_file():
        raise UsageError(f"--show {folder}: holds no study.db; pass the --storage URL it used")
    url = storage or folder_storage(folder)
    optuna = optuna_module()
    try:
        where = None if storage else f"--show {folder}: study.db"
        study = optuna.load_study(study_name=folder.name, storage=open_storage(url, where))
    except KeyError:
        raise UsageError(f"--show {folder}: the storage holds no study {folder.name}") from None
    return summarize(study, study.user_attrs["monitor"])
