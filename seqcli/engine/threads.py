"""How many CPU threads torch uses: --threads or SEQCLI_THREADS, else one.

One is the default, not torch's thread per core: on 2 shared, busy cores two threads trained
several times slower than one, each step waiting for the thread that lost its time slice,
while on idle cores they gained at most 1.35x (bench/threads.py, README "Threads")."""

from __future__ import annotations

import torch

DEFAULT_THREADS = 1


def use_threads(count: int | None) -> int:
    """Give torch `count` threads (None: the default) for its kernels and between ops."""
    threads = DEFAULT_THREADS if count is None else count
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:  # torch allows it once, before any parallel work; a test runs many
        pass
    return threads
