"""A rank's place in a data-parallel job under torchrun: join the job's process group, leave
it, end the process, and keep quiet on ranks other than 0. Alone (WORLD_SIZE unset or 1)
nothing here acts."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import torch
import torch.distributed as dist

from seqcli.engine.distributed import current_world
from seqcli.errors import CheckpointError, UsageError


class RankLost(CheckpointError):
    """Another rank of the job died: this one cannot go on alone."""


BACKENDS = {"cpu": "gloo", "cuda": "nccl"}  # gloo runs on CPU only, nccl on CUDA only
# What torch's env:// rendezvous reads, each with the whole numbers it may hold (None: text);
# torchrun sets them all. LOCAL_RANK is read on CUDA only, and defaults to 0 there.
RENDEZVOUS = {
    "WORLD_SIZE": (1, 1 << 20),
    "RANK": (0, 1 << 20),
    "MASTER_ADDR": None,
    "MASTER_PORT": (1, 65535),
}


def world_size() -> int:
    """The job's ranks as torchrun's environment says (1 alone); a torchrun environment only
    partly set, or set to nonsense, is one line naming the variable, before torch's rendezvous
    fails on it with a traceback (or waits 30 minutes for peers that will never come)."""
    given = {name: os.environ[name] for name in RENDEZVOUS if name in os.environ}
    for name, bounds in RENDEZVOUS.items():
        if name in given and bounds is not None:
            _check_whole(name, given[name], *bounds)
    size, rank = int(given.get("WORLD_SIZE", 1)), int(given.get("RANK", 0))
    if size == 1 and rank == 0:
        return 1  # alone; a cluster may export its master's address to every shell
    missing = [name for name in RENDEZVOUS if name not in given]
    if missing:
        raise UsageError(
            f"a torchrun environment half set: {', '.join(f'{n}={v}' for n, v in given.items())}"
            f" but no {', '.join(missing)}; start the job with torchrun or seqcli train --nproc N"
            ", or unset them to train alone"
        )
    if rank >= size:
        raise UsageError(f"RANK={rank}: WORLD_SIZE={size} numbers its ranks 0 to {size - 1}")
    return size


def _check_whole(name: str, text: str, low: int, high: int) -> None:
    if not (text.strip().isdigit() and low <= int(text) <= high):
        raise UsageError(f"{name}={text[:40]}: expected a whole number from {low} to {high:,}")


def join(device: torch.device) -> torch.device:
    """Under torchrun, join the job's process group (gloo on CPU, nccl on CUDA) and return
    this rank's device; alone, the device as it is."""
    if world_size() <= 1:
        return device
    if device.type not in BACKENDS:
        raise UsageError(f"--device {device.type}: data-parallel training runs on cpu or cuda")
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    with signals_end_at_once():
        dist.init_process_group(BACKENDS[device.type])
    return device


@contextmanager
def signals_end_at_once() -> Iterator[None]:
    """Ctrl-C and SIGTERM end the process at once while it waits for its peers: the wait is
    in torch's C++ store client, where Python's own handler never runs (Ctrl-C was ignored
    until the 30-minute rendezvous timeout), and nothing has been made yet to save."""
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in signals}
    for sig in signals:
        if previous[sig] is not signal.SIG_IGN:  # nohup's choice stands
            signal.signal(sig, signal.SIG_DFL)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def leave(*, together: bool) -> None:
    """Leave the job's process group; together (every rank finished its work) waits for the
    others first: a rank that exited while rank 0 still wrote last.pt sometimes aborted in
    gloo's threads (`terminate called without an active exception`)."""
    if not (dist.is_available() and dist.is_initialized()):
        return
    try:
        if together:
            with peers_watched():
                dist.barrier()
    finally:
        dist.destroy_process_group()


def exit_rank(code: int) -> NoReturn:
    """End a rank that finished its work and left the group, skipping interpreter teardown:
    there DistributedDataParallel's reference cycles still held the group, and gloo's threads,
    destroyed unjoined, aborted the process (SIGABRT, about one exit in 15 under load) after
    every file was written."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@contextmanager
def peers_watched() -> Iterator[None]:
    """A collective that fails because another rank died (or stopped on an error of its own)
    becomes one line naming this rank; torchrun names the one that died."""
    try:
        yield
    except RuntimeError as err:
        world = current_world()
        # gloo reports a peer gone as a plain RuntimeError, nccl as a DistBackendError.
        if world.size == 1 or not isinstance(err, dist.DistError) and "gloo" not in str(err):
            raise
        raise RankLost(
            f"rank {world.rank}: lost contact with another rank of the job, so stops too; "
            "the run folder keeps its last checkpoint"
        ) from None


class QuietView:
    """The progress display of ranks other than 0: none."""

    def render(self, stream: Iterator[object]) -> object:
        last = None
        for event in stream:
            last = event
        return last
