"""The translator's decoders, one per attention kind. Each reads a chunk of target tokens
(B, T) from a state and the encoded source and returns logits (B, T, V), the new state and
the attention weights (B, T, S) or None. A chunk is the whole target under full teacher
forcing and one token at a time otherwise, so one interface serves training and search."""

from __future__ import annotations

import torch
from torch import nn

from seqcli.models.attention import Attention, Memory, source_mask
from seqcli.models.cells import make_stack
from seqcli.models.stack import top_state
from seqcli.recipe import ModelConfig


class PlainDecoder(nn.Module):
    """No attention: the source reaches the decoder only through its initial state."""

    def __init__(self, config: ModelConfig, *, num_tokens: int, memory_size: int):
        super().__init__()
        self.embed = nn.Embedding(num_tokens, config.embedding_size, padding_idx=0)
        self.drop = nn.Dropout(config.dropout)
        # Always left to right: a decoder that read ahead would see the words it must write.
        reads = self._input_size(config, memory_size)
        self.rnn = make_stack(config.model_copy(update={"direction": "uni"}), input_size=reads)
        self.head = nn.Linear(config.hidden_size, num_tokens)

    def _input_size(self, config: ModelConfig, memory_size: int) -> int:
        """What the RNN reads per step: the token's embedding (Bahdanau adds the context)."""
        return config.embedding_size

    def memory(self, values: torch.Tensor, lengths: torch.Tensor) -> Memory:
        return Memory(values, values, source_mask(values, lengths))

    def forward(self, tokens: torch.Tensor, state, memory: Memory):
        h, state = self.rnn(self.drop(self.embed(tokens)), state)  # (B, T, H)
        return self.head(self.drop(h)), state, None  # (B, T, V)


class LuongDecoder(PlainDecoder):
    """Read, then attend (Luong et al. 2015): the RNN's output queries the source and
    tanh(W [h; context]) feeds the head. The RNN never waits for attention, so a whole
    teacher-forced target runs through the fused kernel in one call."""

    def __init__(self, config: ModelConfig, *, num_tokens: int, memory_size: int):
        super().__init__(config, num_tokens=num_tokens, memory_size=memory_size)
        hidden = config.hidden_size
        self.attention = Attention(config.attention, query_size=hidden, memory_size=memory_size)
        self.combine = nn.Linear(hidden + memory_size, hidden)

    def memory(self, values: torch.Tensor, lengths: torch.Tensor) -> Memory:
        return self.attention.memory(values, lengths)

    def forward(self, tokens: torch.Tensor, state, memory: Memory):
        h, state = self.rnn(self.drop(self.embed(tokens)), state)  # (B, T, H)
        context, weights = self.attention(h, memory)  # (B, T, M), (B, T, S)
        attended = torch.tanh(self.combine(torch.cat([h, context], dim=-1)))  # (B, T, H)
        return self.head(self.drop(attended)), state, weights


class BahdanauDecoder(LuongDecoder):
    """Attend, then read (Bahdanau et al. 2015): the previous state queries the source and
    the context joins the token's embedding as RNN input, so steps run one at a time."""

    def _input_size(self, config: ModelConfig, memory_size: int) -> int:
        return config.embedding_size + memory_size

    def forward(self, tokens: torch.Tensor, state, memory: Memory):
        embedded = self.drop(self.embed(tokens))  # (B, T, E)
        logits, weights = [], []
        for t in range(tokens.shape[1]):
            query = top_state(state, 1)[:, None]  # (B, 1, H)
            context, weight = self.attention(query, memory)  # (B, 1, M), (B, 1, S)
            h, state = self.rnn(torch.cat([embedded[:, t : t + 1], context], dim=-1), state)
            attended = torch.tanh(self.combine(torch.cat([h, context], dim=-1)))  # (B, 1, H)
            logits.append(self.head(self.drop(attended)))
            weights.append(weight)
        return torch.cat(logits, dim=1), state, torch.cat(weights, dim=1)


DECODERS = {
    "none": PlainDecoder,
    "dot": LuongDecoder,
    "general": LuongDecoder,
    "additive": BahdanauDecoder,
}
