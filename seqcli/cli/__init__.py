"""The command line: parse, call the library, hand results to ui. Torch loads per command.

Each module registers its commands on the one Typer app when imported; `--help` lists them
in this import order."""

from importlib import import_module

from seqcli.cli.app import app, main

for module in (
    "init",
    "training",
    "compare",
    "tune",
    "generate",
    "evaluate",
    "outputs",
    "gates",
    "plot",
    "report",
    "export",
    "recipes",
):
    import_module(f"seqcli.cli.{module}")

__all__ = ["app", "main"]
