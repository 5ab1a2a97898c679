"""What a run's data was when it started: one SHA-256 over every file its data section names,
so `seqcli train --resume` can tell when the data changed underneath a run."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from seqcli.data.audio_names import recordings_in
from seqcli.data.corpus import file_digest
from seqcli.recipe.data import Data

# A folder is hashed as its format's reader walks it: the audio reader reads .wav files in
# class subfolders too, so a change there must change the digest. Others read the folder's
# own files.
FOLDER_FILES: dict[str, Callable[[Path], list[Path]]] = {"audio": recordings_in}


def data_digest(section: Data) -> str | None:
    """The digest of the section's files (a folder: the files its reader reads, by their path
    in it), or None for data generated on the fly."""
    paths = [value for _, value in section if isinstance(value, Path)]
    if not paths:
        return None
    walk = FOLDER_FILES.get(section.format, _own_files)  # every data section has a format
    digest = hashlib.sha256()
    for path in paths:
        for file in _files(path, walk):
            name = file.relative_to(path).as_posix() if path.is_dir() else file.name
            digest.update(f"{name}\0{file_digest(file)}\0".encode())
    return digest.hexdigest()


def _files(path: Path, walk: Callable[[Path], list[Path]]) -> list[Path]:
    return walk(path) if path.is_dir() else [path]


def _own_files(folder: Path) -> list[Path]:
    return sorted(child for child in folder.iterdir() if child.is_file())
