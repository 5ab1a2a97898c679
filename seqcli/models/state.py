"""Helpers for a recurrent state as the trainer and the decoders carry it: a tensor, a tuple
of parts ((h,) or (h, c)), a per-layer list of them, or None before the first step. Whoever
moves, cuts or copies a state does it here, so no caller asks which cell made it."""

from __future__ import annotations

from collections.abc import Callable

import torch


def map_state(fn: Callable[[torch.Tensor], torch.Tensor], state):
    """Apply fn to every tensor of a state: a tensor, a tuple of parts, a list, or None."""
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return fn(state)
    return type(state)(map_state(fn, part) for part in state)


def detach(state):
    """Cut the graph behind a carried state."""
    return map_state(torch.Tensor.detach, state)
