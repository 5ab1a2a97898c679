"""The Typer app, the options several commands share, and the one-line error discipline."""

from __future__ import annotations

import functools
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from seqcli import ui
from seqcli.cli.choices import DEVICES, literal, offer, shown
from seqcli.cli.numbers import bounded, usable_cores
from seqcli.cli.usage import Commands
from seqcli.errors import SeqcliError
from seqcli.recipe import TrainConfig

HELP_FLAGS = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    cls=Commands,
    help="Train, sample and evaluate recurrent sequence models from a YAML recipe.",
    pretty_exceptions_enable=False,
    context_settings=HELP_FLAGS,
)
recipe_app = typer.Typer(
    cls=Commands,
    help="Show a resolved recipe or the recipe JSON Schema.",
    context_settings=HELP_FLAGS,
)
app.add_typer(recipe_app, name="recipe")


def _print_version(asked: bool) -> None:
    if asked:
        from seqcli.version import version_line

        print(version_line())
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Train, sample and evaluate recurrent sequence models from a YAML recipe."""


Device = Annotated[
    str,
    typer.Option(
        "--device", metavar=shown(DEVICES), autocompletion=offer(DEVICES), help="Where to compute."
    ),
]
PRECISIONS = literal(TrainConfig, "precision")
Precision = Annotated[
    str | None,
    typer.Option(
        metavar=shown(PRECISIONS),
        autocompletion=offer(PRECISIONS),
        help="Arithmetic; default the run's train.precision.",
    ),
]
Overrides = Annotated[
    list[str] | None,
    typer.Option(
        "--set", metavar="KEY=VALUE", help="Override a recipe key, e.g. model.hidden_size=512."
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
Threads = Annotated[
    int | None,
    typer.Option(
        envvar="SEQCLI_THREADS",
        show_envvar=False,
        parser=bounded(int, ge=1, le=usable_cores()),
        help="CPU threads for torch, at most the cores (env SEQCLI_THREADS; default 1: the "
        "docs' Threads).",
    ),
]
RunPath = Annotated[Path, typer.Argument(help="Run folder (uses best.pt) or checkpoint file.")]


def place(device: str, threads: int | None):
    """The torch device --device names, after giving torch the CPU threads --threads asks."""
    from seqcli.engine.run import resolve_device
    from seqcli.engine.threads import use_threads

    use_threads(threads)
    return resolve_device(device)


STDOUT_CLOSED = 141  # as a shell reports a process that SIGPIPE ended (128 + 13)


def friendly(command):
    """Turn a SeqcliError into one red line and exit code 2, a closed stdout into a quiet
    exit 141; anything else is our bug."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SeqcliError as err:
            for line in err.lines():
                ui.error(line)
            raise typer.Exit(2) from None
        except ui.StdoutClosed:
            raise typer.Exit(STDOUT_CLOSED) from None

    return wrapper


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived; the command stops where it is (train saves first)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def interrupt(signum: int, frame) -> None:
    raise Interrupted(signum)


def main() -> None:
    """Run the app; Ctrl-C or SIGTERM ends any command at once with 128 + the signal's number
    and no traceback (train first saves last.pt: cli/training.py)."""
    _guard_standard_descriptors()
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) is not signal.SIG_IGN:  # nohup and `cmd &` ignore them
            signal.signal(sig, interrupt)
    try:
        app()
    except Interrupted as stop:
        sys.exit(128 + stop.signum)


def _guard_standard_descriptors() -> None:
    """Put /dev/null on descriptors 0-2 if the caller closed them (`seqcli ... >&-`), so no
    file seqcli opens (a lock, a checkpoint) takes their number and receives stray output."""
    for descriptor in (0, 1, 2):
        try:
            os.fstat(descriptor)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # the lowest free number: this one
