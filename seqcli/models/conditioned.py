"""one_to_many: a decoder that writes a sequence from one input (a class or a vector).

The condition enters through the initial state (projected to every layer's h, as an image
feature does in Show and Tell), through the input at every step (concatenated to it, as in
conditional char-RNNs), both, or not at all (the unconditioned baseline)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from seqcli.models.cells import make_stack
from seqcli.models.language_model import Output
from seqcli.recipe import ModelConfig

# Where the condition enters: (initial state, every step).
ROUTES = {
    "none": (False, False),
    "init": (True, False),
    "every_step": (False, True),
    "both": (True, True),
}


class ConditionedDecoder(nn.Module):
    """Tokens (num_tokens > 0) or real values (num_tokens == 0) from a condition.

    condition: (B,) class ids when num_classes > 0, else (B, condition_size) floats.
    """

    def __init__(
        self, config: ModelConfig, *, num_tokens: int, num_classes: int, condition_size: int
    ):
        super().__init__()
        self.config, self.tokens = config, num_tokens > 0
        self.at_init, self.every_step = ROUTES[config.condition]
        width = config.embedding_size
        self.condition = (
            nn.Embedding(num_classes, width) if num_classes else nn.Linear(condition_size, width)
        )
        self.embed = nn.Embedding(num_tokens, width) if self.tokens else nn.Linear(1, width)
        self.drop = nn.Dropout(config.dropout)
        self.rnn = make_stack(config, input_size=width * (2 if self.every_step else 1))
        states = len(self.rnn.cell.spec.state)
        self.bridge = (
            nn.Linear(width, states * config.layers * config.hidden_size) if self.at_init else None
        )
        self.head = nn.Linear(config.hidden_size, num_tokens if self.tokens else 1)

    def forward(self, condition, inputs, lengths=None, *, targets=None, state=None) -> Output:
        """inputs: (B, T) token ids or (B, T) values, the sequence shifted right by one."""
        c = self.condition(condition)  # (B, E)
        x = self.embed(inputs if self.tokens else inputs.unsqueeze(-1))  # (B, T, E)
        if self.every_step:
            x = torch.cat([x, c.unsqueeze(1).expand(-1, x.shape[1], -1)], dim=-1)
        if state is None and self.bridge is not None:
            state = self.initial_state(c)
        h, state = self.rnn(self.drop(x), state)  # (B, T, H)
        out = self.head(self.drop(h))  # (B, T, V) or (B, T, 1)
        out = out if self.tokens else out.squeeze(-1)
        loss = None if targets is None else self.loss(out, targets, lengths)
        return Output(out, loss, state)

    def initial_state(self, c: torch.Tensor):
        """The condition projected to (layers, B, H) per state tensor."""
        layers, hidden = self.config.layers, self.config.hidden_size
        parts = torch.tanh(self.bridge(c)).view(c.shape[0], -1, layers, hidden)
        return tuple(parts.permute(1, 2, 0, 3).contiguous())  # per state part (layers, B, H)

    def loss(self, out, targets, lengths) -> torch.Tensor:
        if self.tokens:
            return F.cross_entropy(out.flatten(0, 1), targets.flatten(), ignore_index=0)
        mask = _mask(lengths, targets.shape[1]) if lengths is not None else torch.ones_like(targets)
        return ((out - targets) ** 2 * mask).sum() / mask.sum()


def _mask(lengths: torch.Tensor, width: int) -> torch.Tensor:
    """(B, T) 1.0 where a position is inside its sequence."""
    positions = torch.arange(width, device=lengths.device)
    return (positions.unsqueeze(0) < lengths.unsqueeze(1)).float()
