"""Attention over the encoder's states: Luong's dot and general, Bahdanau's additive scores,
masked so padding past a source's end gets no weight."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn


class Memory(NamedTuple):
    """The encoded source, as every decoder step reads it."""

    values: torch.Tensor  # (B, S, M) encoder outputs, M = hidden_size x directions
    keys: torch.Tensor  # (B, S, K) values as the score function compares them, computed once
    mask: torch.Tensor  # (B, S) True on real source tokens

    def select(self, rows: torch.Tensor) -> Memory:
        """The rows a beam keeps (rows index the batch)."""
        return Memory(*(part.index_select(0, rows) for part in self))


def source_mask(values: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """(B, S) True where a source has a token, False on its padding."""
    positions = torch.arange(values.shape[1], device=values.device)
    return positions[None, :] < lengths.to(values.device)[:, None]


class DotScore(nn.Module):
    """score(q, m) = q . m (Luong 2015); needs the decoder as wide as the source states."""

    def __init__(self, query_size: int, memory_size: int):
        super().__init__()
        assert query_size == memory_size, "the recipe rejects dot for unequal sizes"

    def keys(self, values: torch.Tensor) -> torch.Tensor:
        return values

    def forward(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        return query @ keys.transpose(1, 2)  # (B, T, H) x (B, H, S) -> (B, T, S)


class GeneralScore(nn.Module):
    """score(q, m) = q . W m (Luong 2015): a learned bilinear form, any sizes."""

    def __init__(self, query_size: int, memory_size: int):
        super().__init__()
        self.project = nn.Linear(memory_size, query_size, bias=False)

    def keys(self, values: torch.Tensor) -> torch.Tensor:
        return self.project(values)  # (B, S, H)

    def forward(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        return query @ keys.transpose(1, 2)  # (B, T, S)


class AdditiveScore(nn.Module):
    """score(q, m) = v . tanh(W q + U m) (Bahdanau 2015)."""

    def __init__(self, query_size: int, memory_size: int):
        super().__init__()
        self.query = nn.Linear(query_size, query_size, bias=False)
        self.memory = nn.Linear(memory_size, query_size)
        self.v = nn.Linear(query_size, 1, bias=False)

    def keys(self, values: torch.Tensor) -> torch.Tensor:
        return self.memory(values)  # (B, S, A)

    def forward(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        mixed = torch.tanh(self.query(query)[:, :, None] + keys[:, None])  # (B, T, S, A)
        return self.v(mixed).squeeze(-1)  # (B, T, S)


SCORES = {"dot": DotScore, "general": GeneralScore, "additive": AdditiveScore}


class Attention(nn.Module):
    """Weights over the source and the context they average, for each query."""

    def __init__(self, kind: str, *, query_size: int, memory_size: int):
        super().__init__()
        self.score = SCORES[kind](query_size, memory_size)

    def memory(self, values: torch.Tensor, lengths: torch.Tensor) -> Memory:
        return Memory(values, self.score.keys(values), source_mask(values, lengths))

    def forward(self, query: torch.Tensor, memory: Memory) -> tuple[torch.Tensor, torch.Tensor]:
        """Context (B, T, M) and weights (B, T, S) for queries (B, T, H)."""
        scores = self.score(query, memory.keys)  # (B, T, S)
        scores = scores.masked_fill(~memory.mask[:, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)  # (B, T, S); every source has >= 1 token
        return weights @ memory.values, weights
