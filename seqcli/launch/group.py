"""A rank's place in a data-parallel job under torchrun: join the job's process group, leave
it, end the process, and keep quiet on ranks other than 0. Alone (WORLD_SIZE unset or 1)
nothing here acts."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import torch
import torch.distributed as dist

from seqcli.engine.distributed import current_world
from seqcli.errors import CheckpointError, UsageError

BACKENDS = {"cpu": "gloo", "cuda": "nccl"}  # gloo runs on CPU only, nccl on CUDA only


class RankLost(CheckpointError):
    """Another rank of the job died: this one cannot go on alone."""


def join(device: torch.device) -> torch.device:
    """Under torchrun, join the job's process group (gloo on CPU, nccl on CUDA) and return
    this rank's device; alone, the device as it is."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return device
    if device.type not in BACKENDS:
        raise UsageError(f"--device {device.type}: data-parallel training runs on cpu or cuda")
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    dist.init_process_group(BACKENDS[device.type])
    return device


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
