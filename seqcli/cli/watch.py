"""A trainer run in this process: its events shown, Ctrl-C and SIGTERM turned into a saved
stop, a rank's join and leave of a data-parallel job, and the exit code."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

from seqcli import ui
from seqcli.errors import OutputError

if TYPE_CHECKING:  # the engine imports torch, which `seqcli --help` must not load
    from seqcli.engine.train import Trainer


class Stoppable(Protocol):
    """A Trainer, or anything stopped as one is (tune's study)."""

    def request_stop(self, reason: str) -> None: ...


@contextmanager
def stop_on_signals(trainer: Stoppable) -> Iterator[list[int]]:
    """First Ctrl-C or SIGTERM: save and stop after the current step, or at once during a
    validation (which is then done first on --resume). A second one: exit now.

    Yields a list that receives the signal number, so the command can exit 128 + signum.
    """
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    received: list[int] = []

    def handle(signum, frame):
        received.append(signum)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        # Last: during a validation this raises into it, to drop it at once.
        trainer.request_stop(f"interrupted by {signal.Signals(signum).name}")

    for sig in previous:
        signal.signal(sig, handle)
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def watch(trainer: Trainer, view, *, diagnose: bool = False) -> int:
    """Render the training; the exit code: 1 if it diverged, 128 + n after signal n, else 0.
    If stdout fails under --json, the run is saved and stopped as on Ctrl-C first."""
    from seqcli.analysis.diagnostics import diagnosed

    stream = iter(diagnosed(trainer) if diagnose else trainer)
    try:
        with stop_on_signals(trainer) as received:
            try:
                last = view.render(stream)
            except (ui.StdoutClosed, OutputError):
                trainer.request_stop("stdout failed")  # between events: nothing is raised
                for _ in stream:
                    pass
                raise
    finally:
        trainer.folder.release()
    if getattr(last, "failed", False):
        return 1
    return 128 + received[0] if received else 0


def as_rank(build, device, view, *, diagnose: bool) -> int:
    """Train in this process: alone, or as one rank of a job torchrun started (only rank 0
    shows progress). `build(device)` makes the trainer once the rank knows its device."""
    from seqcli.engine.distributed import current_world
    from seqcli.launch import group

    finished = False
    ranks = 1
    try:
        device = group.join(device)
        ranks = current_world().size
        with group.peers_watched():
            trainer = build(device)
            shown = view if trainer.world.writer else group.QuietView()
            exit_code = watch(trainer, shown, diagnose=diagnose)
        finished = True
    finally:
        if ranks > 1:
            # torchrun sends SIGTERM to the ranks left when one dies; this one is on its way
            # out, and the signal raised into the interpreter's exit would print a traceback.
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)
        group.leave(together=finished)
    if ranks > 1:
        group.exit_rank(exit_code)
    return exit_code
