"""many_to_many tagger: one label per word, read by a (usually bidirectional) recurrent stack.

Words are embedded, optionally joined by features a character CNN reads from their spelling
(Ma & Hovy 2016) and by embeddings of the data's feature columns (a POS tag), read by length
so padding never enters the recurrence, and each position's hidden state is mapped to label
scores."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from seqcli.metrics.spans import is_span_scheme
from seqcli.models.cells import make_stack
from seqcli.models.crf import LinearChainCRF
from seqcli.models.language_model import Output
from seqcli.recipe import ModelConfig

IGNORE = -100  # target of padding and of labels unseen in training: no loss, no gradient
CHAR_KERNEL = 3  # Ma & Hovy's window: character trigrams


class CharEncoder(nn.Module):
    """A word's characters -> one vector: embed, convolve over trigrams, max over positions."""

    def __init__(self, num_chars: int, width: int):
        super().__init__()
        self.embed = nn.Embedding(num_chars, width, padding_idx=0)
        self.conv = nn.Conv1d(width, width, CHAR_KERNEL, padding=CHAR_KERNEL // 2)

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        batch, words, length = chars.shape
        x = self.embed(chars.view(batch * words, length)).transpose(1, 2)  # (B*T, C, L)
        h = self.conv(x)  # (B*T, C, L)
        # Padding positions must not win the max: push them below any real feature.
        h = h.masked_fill((chars.view(batch * words, 1, length) == 0), float("-inf"))
        h = h.max(dim=2).values  # (B*T, C)
        h = torch.where(torch.isinf(h), torch.zeros_like(h), h)  # padded words: all zero
        return h.view(batch, words, -1)  # (B, T, C)


class Independent:
    """Each word's label on its own: cross-entropy, and the best-scoring label per word."""

    def nll(self, logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(
            logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE, reduction="sum"
        )

    def decode(self, logits: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        best, lengths = logits.argmax(-1).tolist(), mask.sum(1).tolist()
        return [row[:n] for row, n in zip(best, lengths, strict=True)]


def crf_nll(crf: LinearChainCRF):
    """The CRF's summed loss; a label unseen in training (IGNORE, only in val/test) has no
    score of its own and is scored as the first label."""

    def nll(logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return crf.nll(logits, targets.masked_fill(targets == IGNORE, 0), mask)

    return nll


class Tagger(nn.Module):
    """Predict one label per word from the whole sentence."""

    def __init__(
        self,
        config: ModelConfig,
        *,
        labels: list[str],
        num_words: int,
        num_chars: int = 0,
        feature_values: Sequence[int] = (),  # per feature column, its vocabulary size
    ):
        super().__init__()
        num_labels = len(labels)
        self.embed = nn.Embedding(num_words, config.embedding_size, padding_idx=0)
        char_width = config.char_features or 0
        self.chars = CharEncoder(num_chars, char_width) if char_width else None
        feature_width = config.feature_embedding_size
        self.features = nn.ModuleList(
            nn.Embedding(values, feature_width, padding_idx=0) for values in feature_values
        )
        self.drop = nn.Dropout(config.dropout)
        width = config.embedding_size + char_width + feature_width * len(feature_values)
        self.rnn = make_stack(config, input_size=width)
        self.head = nn.Linear(self.rnn.output_size, num_labels)
        crf = LinearChainCRF(labels, constrained=is_span_scheme(labels)) if config.crf else None
        self.crf = crf  # a submodule: its scores are weights, saved and trained
        self.nll = crf_nll(crf) if crf is not None else Independent().nll
        self.decode = crf.decode if crf is not None else Independent().decode

    def forward(
        self,
        tokens: torch.Tensor,
        lengths: torch.Tensor,
        *,
        targets: torch.Tensor | None = None,
        chars: torch.Tensor | None = None,
        features: torch.Tensor | None = None,  # (B, T, F) ids, one vocabulary per column
    ) -> Output:
        parts = [self.embed(tokens)]  # (B, T, E)
        if self.chars is not None:
            parts.append(self.chars(chars))  # (B, T, C)
        parts += [embed(features[..., i]) for i, embed in enumerate(self.features)]  # (B, T, G)
        x = torch.cat(parts, dim=-1)  # (B, T, E + C + F*G)
        h, _ = self.rnn.read_ragged(self.drop(x), lengths)  # (B, T, D*H)
        logits = self.head(self.drop(h))  # (B, T, L)
        loss = None
        if targets is not None:
            mask = torch.arange(tokens.shape[1], device=tokens.device) < lengths[:, None].to(
                tokens.device
            )
            loss = self.nll(logits, targets, mask) / (targets != IGNORE).sum().clamp(min=1)
        return Output(logits, loss, None)
