"""Models for the long-range tasks: adding (many-to-one regression), copy memory (a class per
step) and polyphonic music (88 independent keys per frame). Each answers
forward(..., *, targets=None, state=None) -> Output like every seqcli model."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from seqcli.metrics.long_range import frame_nll_sum
from seqcli.models.cells import make_stack
from seqcli.models.language_model import Output
from seqcli.models.stack import top_state
from seqcli.recipe import ModelConfig


class LastStateRegressor(nn.Module):
    """Read real-valued steps, predict one number from the final states."""

    def __init__(self, config: ModelConfig, *, input_size: int):
        super().__init__()
        self.rnn = make_stack(config, input_size=input_size)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(self.rnn.output_size, 1)

    def forward(self, x: torch.Tensor, *, targets=None, state=None) -> Output:
        _, state = self.rnn(x, state)  # x (B, T, I)
        value = self.head(self.drop(top_state(state, self.rnn.directions))).squeeze(-1)  # (B,)
        loss = None if targets is None else F.mse_loss(value, targets)
        return Output(value, loss, state)


class SymbolTagger(nn.Module):
    """Read symbols, predict a symbol at every step (copy memory)."""

    def __init__(self, config: ModelConfig, *, num_symbols: int):
        super().__init__()
        self.embed = nn.Embedding(num_symbols, config.embedding_size)
        self.drop = nn.Dropout(config.dropout)
        self.rnn = make_stack(config, input_size=config.embedding_size)
        self.head = nn.Linear(self.rnn.output_size, num_symbols)

    def forward(self, x: torch.Tensor, *, targets=None, state=None) -> Output:
        h, state = self.rnn(self.drop(self.embed(x)), state)  # (B, T, D*H)
        logits = self.head(self.drop(h))  # (B, T, S)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        return Output(logits, loss, state)


class FrameModel(nn.Module):
    """Read piano-roll frames, give each key's logit of being down in the next frame."""

    def __init__(self, config: ModelConfig, *, keys: int):
        super().__init__()
        self.drop = nn.Dropout(config.dropout)
        self.rnn = make_stack(config, input_size=keys)
        self.head = nn.Linear(config.hidden_size, keys)

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor, *, targets=None, state=None
    ) -> Output:
        h, state = self.rnn(x, state)  # x (B, T, K) -> (B, T, H)
        logits = self.head(self.drop(h))  # (B, T, K)
        loss = None
        if targets is not None:
            loss = frame_nll_sum(logits, targets, lengths) / lengths.sum()
        return Output(logits, loss, state)
