"""encoder_decoder: a recurrent encoder reads the source, a bridge turns its final states into
the decoder's first state, and a left-to-right decoder writes the target (with attention)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from seqcli.models.attention import Memory
from seqcli.models.cells import make_stack
from seqcli.models.decoders import DECODERS
from seqcli.models.language_model import Output
from seqcli.recipe import ModelConfig
from seqcli.recipe.cells import CELL_SPECS

PAD_ID = 0  # <pad> is the first special of both vocabularies


class Encoder(nn.Module):
    """Embedding -> packed fused RNN (any depth, uni or bi)."""

    def __init__(self, config: ModelConfig, *, num_tokens: int):
        super().__init__()
        self.embed = nn.Embedding(num_tokens, config.embedding_size, padding_idx=PAD_ID)
        self.drop = nn.Dropout(config.dropout)
        self.rnn = make_stack(config, input_size=config.embedding_size)

    def forward(self, source: torch.Tensor, lengths: torch.Tensor):
        """Outputs (B, S, D*H) and the final state (L*D, B, H) or an (h, c) pair of them."""
        embedded = self.drop(self.embed(source))  # (B, S, E)
        # Packing makes the backward direction start at each source's last real token and
        # the final state belong to that token, not to the padding after it.
        packed = pack_padded_sequence(
            embedded, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        outputs, final = self.rnn(packed)
        outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=source.shape[1])
        return outputs, final


class ConcatProject(nn.Module):
    """Per layer, both directions' final states side by side (D*H), then linear + tanh to the
    decoder's H: the decoder keeps the full hidden_size and learns how to mix directions."""

    def __init__(self, config: ModelConfig, *, width: int):
        super().__init__()
        self.directions = config.directions
        self.project = nn.Linear(width, config.hidden_size)

    def forward(self, final: torch.Tensor) -> torch.Tensor:
        per_layer = by_direction(final, self.directions)  # (L, D, B, H)
        layers, directions, batch, hidden = per_layer.shape
        joined = per_layer.permute(0, 2, 1, 3).reshape(layers, batch, directions * hidden)
        return torch.tanh(self.project(joined))  # (L, B, H)


class SumDirections(nn.Module):
    """Per layer, the directions' final states added: no parameters, sizes kept."""

    def __init__(self, config: ModelConfig, *, width: int):
        super().__init__()
        self.directions = config.directions

    def forward(self, final: torch.Tensor) -> torch.Tensor:
        return by_direction(final, self.directions).sum(dim=1)  # (L, B, H)


BRIDGES = {"concat_project": ConcatProject, "sum": SumDirections}


def by_direction(final: torch.Tensor, directions: int) -> torch.Tensor:
    """torch stacks final states layer-major, (L*D, B, H); split that into (L, D, B, H)."""
    return final.view(-1, directions, *final.shape[1:])


class Bridge(nn.Module):
    """Encoder final state -> decoder initial state, layer by layer; an LSTM's h and c each
    get their own bridge."""

    def __init__(self, config: ModelConfig, *, width: int):
        super().__init__()
        parts = CELL_SPECS[config.cell].state
        self.parts = nn.ModuleList(BRIDGES[config.bridge](config, width=width) for _ in parts)

    def forward(self, final):
        return tuple(bridge(part) for bridge, part in zip(self.parts, final, strict=True))


class Seq2Seq(nn.Module):
    """Translate a padded source batch into target-token logits."""

    def __init__(
        self,
        config: ModelConfig,
        *,
        source_tokens: int,
        target_tokens: int,
        teacher_forcing: float = 1.0,
    ):
        super().__init__()
        self.config, self.teacher_forcing = config, teacher_forcing
        self.encoder = Encoder(config, num_tokens=source_tokens)
        memory_size = self.encoder.rnn.output_size  # (B, S, D*H) outputs the decoder reads
        self.bridge = Bridge(config, width=memory_size)
        self.decoder = DECODERS[config.attention](
            config, num_tokens=target_tokens, memory_size=memory_size
        )

    def encode(self, source: torch.Tensor, source_lengths: torch.Tensor) -> tuple[Memory, object]:
        """The source as the decoder reads it, and the decoder's initial state."""
        outputs, final = self.encoder(source, source_lengths)  # (B, S, D*H)
        return self.decoder.memory(outputs, source_lengths), self.bridge(final)

    def decode(self, tokens: torch.Tensor, state, memory: Memory):
        """Logits (B, T, V), the new state and attention weights (B, T, S) or None."""
        return self.decoder(tokens, state, memory)

    def forward(
        self,
        source: torch.Tensor,
        source_lengths: torch.Tensor,
        target_in: torch.Tensor,
        *,
        targets: torch.Tensor | None = None,
    ) -> Output:
        memory, state = self.encode(source, source_lengths)
        if self.training and self.teacher_forcing < 1.0:
            logits = self._partly_forced(target_in, state, memory)
        else:
            logits, _, _ = self.decode(target_in, state, memory)  # (B, T, V)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=PAD_ID)
        return Output(logits, loss, None)

    def _partly_forced(self, target_in: torch.Tensor, state, memory: Memory) -> torch.Tensor:
        """Step by step; at each step the whole batch gets the true previous token with
        probability teacher_forcing, else its own greedy guess (Williams & Zipser 1989)."""
        token, steps = target_in[:, :1], []
        for t in range(target_in.shape[1]):
            logits, state, _ = self.decode(token, state, memory)  # (B, 1, V)
            steps.append(logits)
            if t + 1 < target_in.shape[1]:
                forced = torch.rand(()).item() < self.teacher_forcing
                token = target_in[:, t + 1 : t + 2] if forced else logits.argmax(-1).detach()
        return torch.cat(steps, dim=1)  # (B, T, V)
