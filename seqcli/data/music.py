"""Polyphonic music piano rolls (Boulanger-Lewandowski et al. 2012) from MATLAB .mat files,
as the TCN repository ships them: keys traindata / validdata / testdata, each a 1 x N array
of (T_i, 88) binary frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqcli.errors import DataError
from seqcli.recipe.inputs import MUSIC, open_input

SPLIT_KEYS = {"train": "traindata", "val": "validdata", "test": "testdata"}


def load_music(path: Path) -> dict[str, list[np.ndarray]]:
    """Split name -> list of (T_i, K) float32 0/1 frame arrays; every piece has the same K."""
    from scipy.io import loadmat  # scipy is slow to import and only music needs it

    try:
        with open_input(path, MUSIC) as handle:
            contents = loadmat(handle)
    except (ValueError, TypeError, OSError, NotImplementedError) as err:
        raise DataError(f"{path}: not a MATLAB .mat file scipy can read ({err})") from None
    splits = {split: _pieces(contents, key, path) for split, key in SPLIT_KEYS.items()}
    widths = {piece.shape[1] for pieces in splits.values() for piece in pieces}
    if len(widths) > 1:
        raise DataError(f"{path}: pieces have different key counts {sorted(widths)}")
    return splits


def _pieces(contents: dict, key: str, path: Path) -> list[np.ndarray]:
    if key not in contents:
        found = ", ".join(k for k in contents if not k.startswith("__"))
        raise DataError(f"{path}: no '{key}' array (found: {found or 'nothing'})")
    cells = np.asarray(contents[key], dtype=object).ravel()
    return [_frames(cell, f"{path}: {key} piece {i + 1}") for i, cell in enumerate(cells)]


def _frames(cell, where: str) -> np.ndarray:
    try:
        frames = np.asarray(cell, dtype=np.float32)
    except (TypeError, ValueError):
        raise DataError(f"{where}: is not a numeric array") from None
    if frames.ndim != 2 or len(frames) < 2:
        raise DataError(f"{where}: expected (frames >= 2, keys), got shape {frames.shape}")
    if not np.isin(frames, (0.0, 1.0)).all():
        raise DataError(f"{where}: frames must be 0/1 (a key is down or not)")
    return frames
