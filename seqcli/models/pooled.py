"""many_to_one over tokens: embedding -> recurrent stack read by length -> pooling -> linear
head, with K class scores (Classifier) or one number (Regressor) at the end."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from seqcli.models.cells import make_stack
from seqcli.models.language_model import Output
from seqcli.recipe import ModelConfig

PAD_ID = 0  # build_vocab puts <pad> first


class LastPooling(nn.Module):
    """The top layer's final state of each direction, side by side. output[:, -1] would be
    wrong twice: it is padding for short sequences, and the backward direction there has
    read one token only."""

    def __init__(self, width: int):
        super().__init__()

    def forward(self, output, final, mask):
        return final  # (B, D*H)


class MeanPooling(nn.Module):
    """The average of the outputs over the real tokens."""

    def __init__(self, width: int):
        super().__init__()

    def forward(self, output, final, mask):
        weights = mask.unsqueeze(-1).to(output.dtype)  # (B, T, 1)
        return (output * weights).sum(1) / weights.sum(1)  # (B, D*H)


class MaxPooling(nn.Module):
    """The element-wise maximum of the outputs over the real tokens."""

    def __init__(self, width: int):
        super().__init__()

    def forward(self, output, final, mask):
        return output.masked_fill(~mask.unsqueeze(-1), float("-inf")).amax(1)  # (B, D*H)


class AttentionPooling(nn.Module):
    """A learned scoring vector ranks the steps; softmax over the real tokens averages them
    (Yang et al. 2016 without the extra projection)."""

    def __init__(self, width: int):
        super().__init__()
        self.score = nn.Linear(width, 1)

    def forward(self, output, final, mask):
        scores = self.score(output).squeeze(-1).masked_fill(~mask, float("-inf"))  # (B, T)
        weights = torch.softmax(scores, dim=1).unsqueeze(-1)  # (B, T, 1)
        return (weights * output).sum(1)  # (B, D*H)


POOLINGS = {
    "last": LastPooling,
    "mean": MeanPooling,
    "max": MaxPooling,
    "attention": AttentionPooling,
}


class Classifier(nn.Module):
    """One label per token sequence."""

    def __init__(
        self,
        config: ModelConfig,
        *,
        num_tokens: int,
        num_classes: int,
        class_weights: Sequence[float] | None = None,
    ):
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(num_tokens, config.embedding_size, padding_idx=PAD_ID)
        self.drop = nn.Dropout(config.dropout)
        self.rnn = make_stack(config, input_size=config.embedding_size)
        self.pool = POOLINGS[config.pooling](self.rnn.output_size)
        self.head = nn.Linear(self.rnn.output_size, num_classes)
        weights = None if class_weights is None else torch.tensor(class_weights)
        self.register_buffer("class_weights", weights)

    def forward(
        self, tokens: torch.Tensor, lengths: torch.Tensor, *, targets: torch.Tensor | None = None
    ) -> Output:
        scores = self.head(self.drop(self.summary(tokens, lengths)))  # (B, K)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(scores, targets, weight=self.class_weights)
        return Output(scores, loss, None)

    def summary(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """(B, D*H): the pooled reading of each padded sequence."""
        return pooled_reading(self.rnn, self.pool, self.drop(self.embed(tokens)), lengths)


def pooled_reading(rnn, pool, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """(B, D*H): a padded (B, T, I) batch read by the stack and pooled over its real steps."""
    output, final = rnn.read_ragged(x, lengths)  # (B, T, D*H), (B, D*H)
    mask = torch.arange(x.shape[1], device=x.device) < lengths.to(x.device).unsqueeze(1)
    return pool(output, final, mask)  # (B, D*H)


class Regressor(Classifier):
    """One number per token sequence: the classifier's reading, a one-unit head, MSE."""

    def __init__(self, config: ModelConfig, *, num_tokens: int):
        super().__init__(config, num_tokens=num_tokens, num_classes=1)

    def forward(
        self, tokens: torch.Tensor, lengths: torch.Tensor, *, targets: torch.Tensor | None = None
    ) -> Output:
        values = self.head(self.drop(self.summary(tokens, lengths))).squeeze(-1)  # (B,)
        loss = None if targets is None else F.mse_loss(values, targets)
        return Output(values, loss, None)
