"""What a run's data was when it started: one SHA-256 over every file its data section names,
so `seqcli train --resume` can tell when the data changed underneath a run."""

from __future__ import annotations

import hashlib
from pathlib import Path

from seqcli.data.corpus import file_digest


def data_digest(section) -> str | None:
    """The digest of the section's files (a folder: the regular files in it, by name), or
    None for data generated on the fly."""
    paths = [value for _, value in section if isinstance(value, Path)]
    if not paths:
        return None
    digest = hashlib.sha256()
    for path in paths:
        for file in _files(path):
            digest.update(f"{file.name}\0{file_digest(file)}\0".encode())
    return digest.hexdigest()


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(child for child in path.iterdir() if child.is_file())
    return [path]
