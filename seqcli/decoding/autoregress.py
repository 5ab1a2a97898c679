"""The one autoregressive loop: each output is picked and fed back in as the next input.

It serves the language model's sampling, both conditioned generators and greedy or sampled
translation; what differs between them is only the step (the model), the pick (a
TokenPicker, or the value itself) and whether an end token stops a row."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

import torch

Step = Callable[[torch.Tensor, object], tuple[torch.Tensor, object]]  # (input, state) -> ...


class Picked(NamedTuple):  # a tuple: made once per token, so cheap to make
    token: torch.Tensor  # (B, ...) what was picked, and is fed back in next
    scores: torch.Tensor  # (B, ...) the model's scores it was picked from
    ended: torch.Tensor  # (B,) True for rows that had written the stop token before this step


@torch.inference_mode()
def autoregress(
    step: Step,
    first: torch.Tensor,
    *,
    steps: int,
    pick: Callable[[torch.Tensor], torch.Tensor],
    state: object = None,
    stop: int | None = None,
) -> Iterator[Picked]:
    """Yield up to `steps` picks, starting from input `first` (B, ...) and `state`; with a
    stop token, end once every row has written it (rows that ended keep yielding it)."""
    current = first
    ended = torch.zeros(first.shape[0], dtype=torch.bool, device=first.device)
    for _ in range(steps):
        scores, state = step(current, state)
        current = pick(scores)
        if stop is not None:
            current = current.masked_fill(ended, stop)
        yield Picked(current, scores, ended)
        if stop is not None:
            ended = ended | (current == stop)
            if bool(ended.all()):
                return
