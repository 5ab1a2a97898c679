"""Files seqcli writes, written one way: the write door.

Every file seqcli writes goes through here: a run folder's files through RunFolder (which
calls write_beside), any other file through write_output. The rules are the run folder's:
- no file or folder is opened through a symbolic link in its place;
- a file is written beside its target and renamed over it once complete, so a crash or a full
  disk leaves the old file or the new one, never half of one;
- a file whose name seqcli picks (a report in a folder, the .json beside an export) replaces
  nothing seqcli did not write unless the user passed --overwrite (Output.replace);
- the path is checked before the work (check_output): a figure named .txt, a missing or
  read-only folder is one line at the start, not a traceback at the end.

It lives in the lowest layer beside open_input, the read door, because every layer writes:
ui draws figures, runs writes checkpoints, compare writes reports. The doors record what they
vetted in VETTED, so a test under an audit hook can prove nothing writes around them."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from seqcli.errors import SeqcliError, UsageError
from seqcli.recipe.inputs import NOT_REGULAR

NO_FOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC
LINK = "is a symbolic link; seqcli writes no file through a link"
# Absolute paths a door opened for writing, renamed, made or removed in this process.
VETTED: set[str] = set()
# Folders a door made and handed to a library that writes its own files in them (TensorBoard).
HANDED: set[str] = set()


def vet(path: Path) -> Path:
    """Record that a door checked path before writing, renaming or removing it."""
    VETTED.add(os.path.abspath(path))
    return path


def hand_over(folder: Path) -> Path:
    """Record a folder (checked, made by a door) that a library fills with files of its own."""
    HANDED.add(os.path.abspath(vet(folder)))
    return folder


@dataclass(frozen=True)
class Output:
    """A file seqcli writes outside a run folder: the flag it is named by, in every error."""

    flag: str  # the flag (or the folder the name was picked in) that errors name
    suffixes: tuple[str, ...] = ()  # what the name must end with, e.g. (".png",)
    replace: bool = True  # False when seqcli picked the name and --overwrite was not given
    error: type[SeqcliError] = UsageError


Content = bytes | Callable[[BinaryIO], object]


def check_output(path: Path, output: Output) -> Path:
    """Refuse, before any work, a path the file could not be written to."""
    problem = _problem(path, output)
    if problem is not None:
        raise output.error(f"{output.flag} {path}: {problem}")
    return path


def _problem(path: Path, output: Output) -> str | None:
    if output.suffixes and path.suffix.lower() not in output.suffixes:
        return f"expected a file name ending in {' or '.join(output.suffixes)}"
    if path.is_symlink():
        return LINK
    if path.is_dir():
        return "is a folder; name the file to write"
    special = _special(path)
    if special is not None:  # the rename would put a file in its place: /dev/null, a FIFO
        return f"is {special}, not a file seqcli may replace; name a file to write"
    if path.exists() and not output.replace:
        return "exists and seqcli did not write it; pass --overwrite to replace it"
    folder = path.parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} is not writable"
    return None


def _special(path: Path) -> str | None:
    """What path is if it is neither a regular file, a folder nor missing."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    return next((what for test, what in NOT_REGULAR.items() if test(mode)), None)


def write_output(path: Path, content: Content, output: Output) -> Path:
    """Write a standalone file through the door: checked, atomic, never through a link."""
    check_output(path, output)
    try:
        write_beside(path, content, replace=output.replace)
    except OSError as err:
        raise output.error(f"{output.flag} {path}: {reason(err)}") from None
    return path


def make_folder(path: Path, output: Output) -> Path:
    """A folder to write into, made (with its parents) if missing; a link in its place is
    refused, never followed."""
    if path.is_symlink():
        raise output.error(f"{output.flag} {path}: {LINK}")
    if path.exists() and not path.is_dir():
        raise output.error(f"{output.flag} {path}: is a file; name a folder to write into")
    try:
        vet(path).mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise output.error(
            f"{output.flag} {path}: {reason(err, 'cannot make the folder')}"
        ) from None
    return path


def write_beside(target: Path, content: Content, *, replace: bool = True) -> None:
    """Write into a new file beside target, fsync, then rename it over target (or, when
    nothing may be replaced, link it in, which fails if target appeared meanwhile)."""
    partial = vet(target.parent / f".{target.name}.{os.getpid()}.partial")
    vet(target)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NO_FOLLOW, 0o644)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            _fill(handle, content)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(partial, target)  # a link at target is replaced, never followed
        else:
            os.link(partial, target)
        fsync_folder(target.parent)
    finally:
        partial.unlink(missing_ok=True)


def _fill(handle: BinaryIO, content: Content) -> None:
    if isinstance(content, bytes):
        handle.write(content)
    else:
        content(handle)


def fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def reason(err: OSError, doing: str = "cannot write") -> str:
    """What an OSError means for the file, in words."""
    if err.errno == errno.ELOOP:
        return LINK
    if err.errno == errno.EEXIST:
        return "exists and seqcli did not write it; pass --overwrite to replace it"
    return f"{doing} ({err.strerror or err})"
