"""many_to_many next-token model: embedding -> fused recurrent stack -> linear head."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from seqcli.models.cells import make_stack
from seqcli.recipe import ModelConfig


class Output(NamedTuple):
    out: torch.Tensor  # logits or values, (B, T, ...) or (B, ...)
    loss: torch.Tensor | None  # mean over targets, when targets were given
    state: object  # recurrent state to carry into the next window


class LanguageModel(nn.Module):
    """Predict token t+1 from tokens up to t."""

    def __init__(self, config: ModelConfig, *, num_tokens: int):
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(num_tokens, config.embedding_size)
        self.drop = nn.Dropout(config.dropout)
        self.rnn = make_stack(config, input_size=config.embedding_size)
        self.head = nn.Linear(config.hidden_size, num_tokens)
        if config.tie_weights:
            # Press & Wolf 2017: one matrix both reads and writes tokens.
            self.head.weight = self.embed.weight

    def forward(
        self, x: torch.Tensor, *, targets: torch.Tensor | None = None, state=None
    ) -> Output:
        h, state = self.rnn(self.drop(self.embed(x)), state)  # (B, T, H)
        logits = self.head(self.drop(h))  # (B, T, V)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        return Output(logits, loss, state)

    def stepper(self) -> TokenStepper:
        return TokenStepper(self)


class TokenStepper:
    """One token at a time on a language model's own weights, for generation."""

    def __init__(self, model: LanguageModel):
        self.embed = model.embed
        self.head = model.head
        self.stack = model.rnn.stepper()

    def layers_from(self, state) -> list:
        """A forward's final state in the per-layer form the steps carry."""
        return self.stack.layers_from(state)

    def __call__(self, tokens: torch.Tensor, layers: list | None):
        """Logits (B, V) for the token after `tokens` (B,), and the new per-layer state."""
        h, layers = self.stack(self.embed(tokens), layers)  # (B, H)
        return self.head(h), layers
