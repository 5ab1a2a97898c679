"""Hostile .npz files for the tests: a zip bomb written a megabyte at a time, and an archive
whose array header lies about its size."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

CHUNK = 1 << 20


def header(shape: tuple, descr: str = "<f4") -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue()


def bomb(path: Path, *, megabytes: int = 80) -> Path:
    """x of zeros, (megabytes * 256 Ki, 1, 1) float32, deflated to a few dozen KiB; y beside."""
    count = megabytes * CHUNK // 4
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("x.npy", "w", force_zip64=True) as member:
            member.write(header((count, 1, 1)))
            for _ in range(megabytes):
                member.write(bytes(CHUNK))
        archive.writestr("y.npy", _npy(np.zeros(count, dtype=np.int8)))
    return path


def forged(path: Path, shape: tuple) -> Path:
    """x.npy whose header declares shape but whose member holds eight bytes of data."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.npy", header(shape) + bytes(8))
    return path


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def encrypted(path: Path) -> Path:
    """An .npz whose x member is marked encrypted (bit 0 of its flags, in both headers)."""
    buffer = io.BytesIO()
    np.savez(buffer, x=np.zeros((2, 3, 1)), y=np.zeros(2))
    data = bytearray(buffer.getvalue())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature)  # x.npy's headers come first
        data[at + offset] |= 1
    path.write_bytes(bytes(data))
    return path
