"""A transcriber (mapping many_to_many, data.label_type sequence): the stack reads the frames
(bidirectional allowed: it hears the whole recording) and emits, at every step, a
distribution over blank and the labels; CTC (Graves et al. 2006) sums over every alignment
of the label sequence to the steps, so the labels need not be aligned to the frames."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from seqcli.models.cells import make_stack
from seqcli.models.language_model import Output
from seqcli.recipe.model import TranscriberConfig

BLANK = 0  # the label id CTC reserves for "no label at this frame"


def stacked_frames(
    values: torch.Tensor, lengths: torch.Tensor, every: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, T, F) -> (B, ceil(T / every), every * F): each step holds `every` frames side by
    side (the last zero-padded), so the stack takes `every` times fewer steps."""
    if every == 1:
        return values, lengths
    batch, steps, features = values.shape
    short = -steps % every
    values = F.pad(values, (0, 0, 0, short))  # (B, T', F), T' a multiple of every
    stacked = values.reshape(batch, (steps + short) // every, every * features)
    return stacked, output_lengths(lengths, every)


def output_lengths(lengths: torch.Tensor, every: int) -> torch.Tensor:
    """Steps the output has for inputs of `lengths` frames."""
    return torch.div(lengths + every - 1, every, rounding_mode="floor")


def ctc_loss(log_probs: torch.Tensor, lengths: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """log_probs (B, T, C), targets (B, L) label ids from 1, padded with anything below 1.
    zero_infinity: a label sequence longer than its output cannot be aligned; it adds no loss
    rather than an infinite one."""
    target_lengths = (targets > BLANK).sum(dim=1)  # (B,)
    return F.ctc_loss(
        log_probs.transpose(0, 1),  # (T, B, C), as CTC takes it
        targets.clamp(min=BLANK),
        lengths,
        target_lengths,
        blank=BLANK,
        zero_infinity=True,
    )


class Transcriber(nn.Module):
    """Frames in, per-step log-probabilities over blank (id 0) and the labels (ids 1..K)."""

    def __init__(self, config: TranscriberConfig, *, features: int, num_labels: int):
        super().__init__()
        self.subsample = config.subsample
        self.drop = nn.Dropout(config.dropout)
        self.rnn = make_stack(config, input_size=features * config.subsample)
        self.head = nn.Linear(self.rnn.output_size, num_labels + 1)

    def forward(
        self, values: torch.Tensor, lengths: torch.Tensor, *, targets: torch.Tensor | None = None
    ) -> Output:
        values, lengths = stacked_frames(values, lengths, self.subsample)  # (B, T', k*F)
        output, _ = self.rnn.read_ragged(values, lengths)  # (B, T', D*H)
        log_probs = self.head(self.drop(output)).log_softmax(dim=-1)  # (B, T', K + 1)
        loss = None if targets is None else ctc_loss(log_probs, lengths, targets)
        return Output(log_probs, loss, None)
