"""Polyphonic music piano rolls (Boulanger-Lewandowski et al. 2012) from MATLAB .mat files,
as the TCN repository ships them: keys traindata / validdata / testdata, each a 1 x N array
of (T_i, 88) binary frames."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from seqcli.data.packing import check_packing, most_unpacked
from seqcli.errors import DataError
from seqcli.recipe.inputs import MUSIC, open_input

SPLIT_KEYS = {"train": "traindata", "val": "validdata", "test": "testdata"}
# MATLAB's level 5 format: a 128-byte header ending in the byte order ("IM" little-endian),
# then elements, each an 8-byte tag (type, bytes) and its bytes; type 15 is zlib-packed.
HEADER = 128
ORDERS = {b"IM": "<", b"MI": ">"}
PACKED = 15
CHUNK = 1 << 20


def load_music(path: Path) -> dict[str, list[np.ndarray]]:
    """Split name -> list of (T_i, K) float32 0/1 frame arrays; every piece has the same K."""
    from scipy.io import loadmat  # scipy is slow to import and only music needs it

    try:
        with open_input(path, MUSIC) as handle:
            check_mat(handle, path)
            contents = loadmat(handle)
    except (ValueError, TypeError, OSError, NotImplementedError) as err:
        raise DataError(f"{path}: not a MATLAB .mat file scipy can read ({err})") from None
    splits = {split: _pieces(contents, key, path) for split, key in SPLIT_KEYS.items()}
    widths = {piece.shape[1] for pieces in splits.values() for piece in pieces}
    if len(widths) > 1:
        raise DataError(f"{path}: pieces have different key counts {sorted(widths)}")
    return splits


def check_mat(handle: BinaryIO, path: Path) -> None:
    """Inflate each packed element a chunk at a time, keeping none of it, and refuse one that
    unpacks past the packing rule before scipy inflates it whole; the handle is left at its
    start. A file of another MATLAB version is left for scipy to name."""
    header = handle.read(HEADER)
    order = ORDERS.get(header[126:128]) if len(header) == HEADER else None
    index = 0
    while order is not None and len(tag := handle.read(8)) == 8:
        kind, size = struct.unpack(order + "II", tag)
        index += 1
        if kind != PACKED:
            handle.seek(size + -size % 8, 1)  # an unpacked element is padded to 8 bytes
            continue
        where = f"{path}: element {index}"
        unpacked = _unpacked_size(handle, size, most_unpacked(size))
        advice = "save it with savemat(..., do_compression=False)"
        check_packing(where, unpacked=unpacked, packed=size, advice=advice)
    handle.seek(0)


def _unpacked_size(handle: BinaryIO, packed: int, limit: int) -> int:
    """What `packed` bytes of zlib stream inflate to, counted no further than past limit."""
    inflater = zlib.decompressobj()
    total, left = 0, packed
    while left and total <= limit and (data := handle.read(min(CHUNK, left))):
        left -= len(data)
        while data and total <= limit:
            try:
                total += len(inflater.decompress(data, CHUNK))
            except zlib.error:  # a damaged stream: scipy names it
                return 0
            data = inflater.unconsumed_tail
    handle.seek(left, 1)
    return total


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
