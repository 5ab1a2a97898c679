"""`seqcli train --nproc N`: the same command under torchrun's launcher, N processes here."""

from __future__ import annotations

import logging
import os
import signal

from seqcli.errors import SeqcliError, UsageError

SEQCLI_ERROR = 2  # a rank that exited so has printed its own `error:` line


class RankFailed(SeqcliError):
    """A rank of a data-parallel job died; torchrun stopped the others."""


def without_nproc(argv: list[str]) -> list[str]:
    """The command line less --nproc and its value, for the ranks to run."""
    kept = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--nproc":
            skip = True
        elif not arg.startswith("--nproc="):
            kept.append(arg)
    return kept


def launch(nproc: int, argv: list[str]) -> int:
    """Run `seqcli <argv>` as nproc local ranks under torch.distributed.run (torchrun's own
    launcher: a free port, and every rank stopped when one dies); the job's exit code."""
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import get_args_parser, run

    check_ranks(nproc)
    _hush_launcher()
    options = ["--standalone", "--nproc-per-node", str(nproc), "--module", "seqcli", *argv]
    try:
        run(get_args_parser().parse_args(options))
    except SignalException as stop:  # Ctrl-C or SIGTERM: torchrun passed it on to the ranks,
        return 128 + stop.sigval  # which saved and said so
    except ChildFailedError as failed:
        rank, failure = _cause(failed.failures)
        if failure.exitcode == SEQCLI_ERROR:
            return SEQCLI_ERROR
        raise RankFailed(
            f"rank {rank} (pid {failure.pid}) {_how(failure.exitcode)}; torchrun stopped the "
            "other ranks, and the run folder keeps its last checkpoint"
        ) from None
    return 0


def check_ranks(nproc: int) -> None:
    """Refuse more ranks than the cores this process may use, before any starts: each rank
    trains on at least one, so more only wait on each other, each holding a copy of the model
    and data."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if nproc > (cores or 1):
        raise UsageError(
            f"--nproc {nproc}: this machine gives seqcli {cores} CPU core(s) and each rank "
            f"needs one; use at most --nproc {cores}"
        )


def _cause(failures: dict) -> tuple:
    """The rank whose end ended the job: one that died otherwise than by the SIGTERM torchrun
    sends the rest, before one that stopped on losing it; the failures of one check of
    torchrun's share a moment, so their times cannot tell."""

    def rank_of(item) -> tuple:
        rank, failure = item
        code = failure.exitcode
        return (code in (SEQCLI_ERROR, -signal.SIGTERM), failure.timestamp, rank)

    return min(failures.items(), key=rank_of)


def _hush_launcher() -> None:
    """torchrun's own warnings (closing signals, OMP_NUM_THREADS) would bury the one line that
    says what happened; its modules set their loggers' levels themselves."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("torch.distributed"):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _how(exitcode: int) -> str:
    if exitcode < 0:
        return f"was killed by {signal.Signals(-exitcode).name}"
    return f"exited with code {exitcode}"
