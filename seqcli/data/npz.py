"""An .npz's members checked before NumPy inflates any of them: each array's header read from
the first bytes of its member (a few hundred, inflated alone) and held against the size the
archive declares, the packing ratio of a large member bounded, and what seqcli will hold of
the arrays bounded by the machine's memory. zipfile never inflates a member past its declared
size, so once the headers agree with those sizes, the sizes are what np.load will allocate."""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from seqcli.data.packing import check_packing
from seqcli.errors import DataError
from seqcli.recipe.inputs import size_text

# Bytes per element of x seqcli holds beside the file's own: x as float32, and its real steps
# as float64 while they are checked for NaN.
WIDENED = 4 + 8
HEADERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}
ENCRYPTED = 0x1  # the zip format's flag bit for a member that needs a password
# RuntimeError: zipfile's "is encrypted, password required" for a member it cannot open.
BROKEN = (ValueError, KeyError, EOFError, OSError, NotImplementedError, RuntimeError, zlib.error)


@dataclass(frozen=True)
class Member:
    name: str  # as np.load names it: x for x.npy
    packed: int
    unpacked: int
    elements: int  # the array's, by its header; 0 for a member that is no array


def memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def check_npz(handle: BinaryIO, path: Path) -> None:
    """Refuse an .npz that would unpack to more than its arrays hold, or to more than this
    machine holds, before np.load reads it; the handle is left at its start."""
    try:
        with zipfile.ZipFile(handle) as archive:
            members = [_member(archive, info, path) for info in archive.infolist()]
    except zipfile.BadZipFile:
        handle.seek(0)
        _refuse_lone_array(handle, path)
        return  # not NumPy at all: np.load says what it is
    finally:
        handle.seek(0)
    for member in members:
        _check_ratio(member, path)
    _check_memory(members, path)


def _refuse_lone_array(handle: BinaryIO, path: Path) -> None:
    # np.load would allocate what a lone .npy's header declares before it says it is one array.
    if handle.read(len(np.lib.format.MAGIC_PREFIX)) == np.lib.format.MAGIC_PREFIX:
        raise DataError(f"{path}: holds one array; an arrays file is an .npz of x and y")


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> Member:
    name = info.filename.removesuffix(".npy")
    if not info.filename.endswith(".npy"):
        return Member(name, info.compress_size, info.file_size, 0)
    if info.flag_bits & ENCRYPTED:
        raise DataError(f"{path}: {name} is encrypted; save the arrays without a password")
    try:
        with archive.open(info) as member:
            shape, _, dtype = HEADERS[np.lib.format.read_magic(member)](member)
            header = member.tell()
    except BROKEN as err:
        raise DataError(f"{path}: {name} is not an array NumPy can read ({err})") from None
    elements = math.prod(shape)
    declared = header + elements * dtype.itemsize
    if not dtype.hasobject and declared != info.file_size:
        raise DataError(
            f"{path}: {name}'s header declares {shape} {dtype} ({size_text(declared)}), but the "
            f"archive holds {size_text(info.file_size)} for it: a damaged or forged file"
        )
    return Member(name, info.compress_size, info.file_size, elements)


def _check_ratio(member: Member, path: Path) -> None:
    advice = "real data that packs tighter: save it with np.savez, uncompressed"
    where = f"{path}:{member.name}"
    check_packing(where, unpacked=member.unpacked, packed=member.packed, advice=advice)


def _check_memory(members: list[Member], path: Path) -> None:
    x = next((member.elements for member in members if member.name == "x"), 0)
    needed = sum(member.unpacked for member in members) + x * WIDENED
    if needed > memory_bytes():
        raise DataError(
            f"{path}: its arrays need {size_text(needed)} as seqcli reads them, more than this "
            f"machine's memory ({size_text(memory_bytes())}); use fewer or shorter sequences"
        )
