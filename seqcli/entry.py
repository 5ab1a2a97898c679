"""The `seqcli` command. `--version` alone answers before the command line is built: building
it imports pydantic, numpy and the recipe schema, which takes seconds on a busy machine."""

from __future__ import annotations

import sys

from seqcli.version import version_line


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        print(version_line())
        return
    from seqcli.cli import main as command_line

    command_line()
