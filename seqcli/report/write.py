"""Writing the page: whole or not at all, never through a link, never over a file that is not
a report unless --overwrite says so."""

from __future__ import annotations

import os
from pathlib import Path

from seqcli.errors import UsageError
from seqcli.report.html import GENERATOR

SNIFF = 4096  # a report names its generator in its first lines


def write_page(path: Path, page: str, *, overwrite: bool) -> Path:
    """Write the page whole; a link, a folder or another file at path is refused."""
    _refuse(path, overwrite=overwrite)
    try:
        write_whole(path, page.encode("utf-8"))
    except OSError as err:
        raise UsageError(f"--out {path}: cannot write ({err.strerror or err})") from None
    return path


def write_whole(path: Path, data: bytes) -> None:
    """Write beside path, fsync, then rename over it: a crash or a full disk leaves the old
    file or the new one, never part of one. (The one private writer of this package.)"""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        descriptor = os.open(partial, flags, 0o644)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)  # a link put at path meanwhile is replaced, never followed
    finally:
        partial.unlink(missing_ok=True)


def _refuse(path: Path, *, overwrite: bool) -> None:
    """A link, a folder, or (without --overwrite) a file that is not a report, at path."""
    if path.is_symlink():
        raise UsageError(f"--out {path}: is a symbolic link; seqcli writes no report through one")
    if path.is_dir():
        raise UsageError(f"--out {path}: is a folder; name the HTML file to write")
    if path.exists() and not overwrite and not is_report(path):
        raise UsageError(f"--out {path}: exists and is not a seqcli report; pass --overwrite")


def is_report(path: Path) -> bool:
    """The file starts as every page this package writes does."""
    try:
        with path.open("rb") as handle:
            return GENERATOR.encode("utf-8") in handle.read(SNIFF)
    except OSError:
        return False  # unreadable: not ours to replace without --overwrite
