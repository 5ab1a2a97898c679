"""--match-params: the hidden size that gives a cell about the parameters of another.

An LSTM layer has four gate blocks, a GRU three and a vanilla RNN one, so at one hidden size
an LSTM has about 4/3 the weights of a GRU and 4 times an RNN's; a comparison at one hidden
size mostly compares sizes. Counting is done on whole models built on the meta device (no
memory, no init), so embeddings, heads, depth and direction count exactly as trained.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from seqcli.errors import UsageError

TOLERANCE = 0.02  # the promise: matched counts within 2% of the reference
MAX_HIDDEN = 65536  # the recipe's upper bound on model.hidden_size


def meta_parameter_count(build: Callable[[], nn.Module]) -> int:
    """Parameters of the model build() makes, counted without allocating its weights."""
    with torch.device("meta"):
        model = build()
    return sum(p.numel() for p in model.parameters())


def match_hidden_size(count: Callable[[int], int], target: int, *, what: str) -> int:
    """The hidden size whose count(hidden) is closest to target; UsageError beyond 2%.

    count grows with the hidden size, so a binary search finds the first size at or above
    the target, and the closer of it and the size below wins.
    """
    low, high = 1, 1
    while count(high) < target and high < MAX_HIDDEN:
        high = min(2 * high, MAX_HIDDEN)
    while low < high:
        middle = (low + high) // 2
        low, high = (middle + 1, high) if count(middle) < target else (low, middle)
    best = min({max(1, low - 1), low}, key=lambda h: abs(count(h) - target))
    gap = abs(count(best) - target) / target
    if gap > TOLERANCE:
        raise UsageError(
            f"--match-params: {what} comes no closer than {count(best):,} parameters (hidden_size "
            f"{best}) to the reference's {target:,}, {gap:.1%} off; at this size one unit "
            "changes the count by more than 2% (raise model.hidden_size), or the layers around "
            "the recurrent stack outweigh it"
        )
    return best
