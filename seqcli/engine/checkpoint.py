"""Checkpoints as plain data: written atomically, read without running any code."""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path

import torch

from seqcli.errors import CheckpointError

FORMAT = 1


def save_checkpoint(payload: dict, path: Path) -> None:
    """Write beside the target, fsync, then rename: a crash leaves the old or the new file."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with partial.open("wb") as handle:
        torch.save({"format": FORMAT, **payload}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def load_checkpoint(path: Path) -> dict:
    """Read a checkpoint onto the CPU; anything but our own plain data is refused."""
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        if "Weights only load failed" in str(err):
            raise CheckpointError(
                f"{path}: refused: it holds Python objects that would run code when loaded"
            ) from None
        raise CheckpointError(f"{path}: not a readable checkpoint (corrupted?)") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError) as err:
        raise CheckpointError(
            f"{path}: not a readable checkpoint (truncated or corrupted: {_first_line(err)})"
        ) from None
    return _check_format(payload, path)


def _check_format(payload: object, path: Path) -> dict:
    if not isinstance(payload, dict) or "format" not in payload:
        raise CheckpointError(f"{path}: not a seqcli checkpoint (no format version)")
    if payload["format"] > FORMAT:
        raise CheckpointError(
            f"{path}: written by a newer seqcli (format {payload['format']}, this one reads "
            f"{FORMAT}); upgrade seqcli"
        )
    missing = [key for key in ("recipe", "spec", "vocab", "model") if key not in payload]
    if missing:
        raise CheckpointError(f"{path}: checkpoint lacks {', '.join(missing)}")
    return payload


def _first_line(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return text[0][:120] if text else type(err).__name__


def resolve_checkpoint(target: Path) -> Path:
    """A run folder means its best checkpoint (or last, if no best); a file means itself."""
    if target.is_dir():
        for name in ("best.pt", "last.pt"):
            if (target / name).is_file():
                return target / name
        raise CheckpointError(f"{target}: run folder holds no best.pt or last.pt")
    if not target.exists():
        raise CheckpointError(f"{target}: no such run folder or checkpoint")
    return target
