"""The Typer app, the options several commands share, and the one-line error discipline."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import typer

from seqcli import ui
from seqcli.cli.usage import Commands
from seqcli.errors import SeqcliError

app = typer.Typer(
    cls=Commands,
    help="Train, sample and evaluate recurrent sequence models from a YAML recipe.",
    add_completion=False,
    pretty_exceptions_enable=False,
)
recipe_app = typer.Typer(cls=Commands, help="Show a resolved recipe or the recipe JSON Schema.")
app.add_typer(recipe_app, name="recipe")

Device = Annotated[str, typer.Option("--device", help="auto | cpu | cuda | mps")]
Overrides = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a recipe key, e.g. --set model.hidden_size=512."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
RunPath = Annotated[Path, typer.Argument(help="Run folder (uses best.pt) or checkpoint file.")]


def friendly(command):
    """Turn a SeqcliError into one red line and exit code 2; anything else is our bug."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SeqcliError as err:
            ui.error(str(err))
            raise typer.Exit(2) from None

    return wrapper


def main() -> None:
    app()
