"""Models over sequences of numbers (data.format arrays): padded (B, T, F) features, read
by length so padding never reaches a state, then a class or a number per sequence (pooled,
as the text classifier) or a label per step."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from seqcli.models.cells import make_stack
from seqcli.models.language_model import Output
from seqcli.models.pooled import POOLINGS, pooled_reading
from seqcli.models.tagger import IGNORE
from seqcli.recipe import ModelConfig


class ArrayClassifier(nn.Module):
    """One class per sequence of feature vectors."""

    def __init__(self, config: ModelConfig, *, features: int, num_classes: int):
        super().__init__()
        self.drop = nn.Dropout(config.dropout)
        self.rnn = make_stack(config, input_size=features)
        self.pool = POOLINGS[config.pooling](self.rnn.output_size)
        self.head = nn.Linear(self.rnn.output_size, num_classes)

    def forward(
        self, values: torch.Tensor, lengths: torch.Tensor, *, targets: torch.Tensor | None = None
    ) -> Output:
        summary = pooled_reading(self.rnn, self.pool, values, lengths)  # (B, D*H)
        scores = self.head(self.drop(summary))  # (B, K)
        loss = None if targets is None else F.cross_entropy(scores, targets)
        return Output(scores, loss, None)


class ArrayRegressor(ArrayClassifier):
    """One number per sequence: the classifier's reading, a one-unit head, MSE."""

    def __init__(self, config: ModelConfig, *, features: int):
        super().__init__(config, features=features, num_classes=1)

    def forward(
        self, values: torch.Tensor, lengths: torch.Tensor, *, targets: torch.Tensor | None = None
    ) -> Output:
        summary = pooled_reading(self.rnn, self.pool, values, lengths)  # (B, D*H)
        predicted = self.head(self.drop(summary)).squeeze(-1)  # (B,)
        loss = None if targets is None else F.mse_loss(predicted, targets)
        return Output(predicted, loss, None)


class ArrayTagger(nn.Module):
    """One label per step of a sequence of feature vectors."""

    def __init__(self, config: ModelConfig, *, features: int, num_classes: int):
        super().__init__()
        self.drop = nn.Dropout(config.dropout)
        self.rnn = make_stack(config, input_size=features)
        self.head = nn.Linear(self.rnn.output_size, num_classes)

    def forward(
        self, values: torch.Tensor, lengths: torch.Tensor, *, targets: torch.Tensor | None = None
    ) -> Output:
        output, _ = self.rnn.read_ragged(values, lengths)  # (B, T, D*H)
        scores = self.head(self.drop(output))  # (B, T, K)
        loss = None
        if targets is not None:  # padding and labels unseen in training are IGNORE
            loss = F.cross_entropy(scores.flatten(0, 1), targets.flatten(), ignore_index=IGNORE)
        return Output(scores, loss, None)
