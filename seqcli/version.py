"""What `seqcli --version` prints, read from package metadata: importing torch to ask it
takes seconds, and --version should answer at once."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from seqcli import __version__


def installed_version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def version_line() -> str:
    return f"seqcli {__version__} (torch {installed_version('torch')})"
