"""The data a checkpoint's stored recipe names, vetted before seqcli reads it.

A checkpoint may come from someone else, and its recipe may name any file on this machine (a
key, a password store). Its data is read only when it is the data the run was trained on (the
SHA-256 the checkpoint recorded matches the file as it stands) or lies inside the checkpoint's
own folder; anything else needs --data, a file the user names. Hashing reads the file but shows
nothing of it, and a refusal names the file, never what is in it."""

from __future__ import annotations

from pathlib import Path

from seqcli.data.digest import data_digest
from seqcli.errors import DataError, UsageError


def stored_files(section) -> list[Path]:
    """The files (or folders) a recipe's data section names."""
    return [value for _, value in section if isinstance(value, Path)]


ADVICE = "pass --data FILE to score a file you choose"


def check_stored_data(section, recorded: str | None, folder: Path, *, advice: str = ADVICE) -> None:
    """Refuse the stored recipe's data unless the run was trained on it or it lies in the
    checkpoint's folder; the message names the file, never what is in it."""
    outside = [path for path in stored_files(section) if not _inside(path, folder)]
    if not outside:
        return
    if recorded is not None and data_digest(section) == recorded:
        return
    why = "is not the data the run was trained on" if recorded else "is not checked by a digest"
    raise UsageError(
        f"{outside[0]}: the checkpoint's stored recipe names this data file, outside its run "
        f"folder {folder}, and it {why}; {advice}"
    )


def trained_on(section, payload: dict | None) -> bool:
    """Whether a run may read its recipe's data without --data or --input-file: a run built
    in this process (no checkpoint), or one whose recorded digest the files still match."""
    if payload is None:
        return True
    recorded = payload.get("data_digest")
    try:
        return recorded is not None and data_digest(section) == recorded
    except DataError:  # a FIFO, a device, gone: it names the file only
        return False


def _inside(path: Path, folder: Path) -> bool:
    # resolve() follows links: a link in the folder to a file outside it is outside
    return path.resolve().is_relative_to(folder.resolve())
