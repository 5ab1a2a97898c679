"""Keep glibc from returning and re-faulting big activation buffers on every step."""

from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
ONE_GIB = 1 << 30


def tune_allocator() -> bool:
    """Raise glibc's trim and mmap thresholds; True if glibc took the setting."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False  # not glibc (musl, macOS, Windows): nothing to tune
    # glibc caps the mmap threshold (32 MiB on 64-bit) and refuses larger values, but any
    # explicit setting also freezes its dynamic threshold; the trim threshold does the rest.
    mallopt(M_MMAP_THRESHOLD, ONE_GIB) or mallopt(M_MMAP_THRESHOLD, 32 << 20)
    return bool(mallopt(M_TRIM_THRESHOLD, ONE_GIB))
