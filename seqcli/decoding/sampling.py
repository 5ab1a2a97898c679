"""Pick the next token from a model's scores, as the recipe's sampling knobs and the flags say.

Every sampler goes through TokenPicker: the language model, the class-conditioned generator,
greedy and sampled translation. Beam search borrows its score rules (adjust_scores)."""

from __future__ import annotations

import math

import torch

from seqcli.errors import NonFiniteScores
from seqcli.recipe.training import Sampling


def adjust_scores(
    scores: torch.Tensor,
    sampling: Sampling,
    *,
    seen: torch.Tensor | None,
    written: int,
    stop: int | None,
) -> torch.Tensor:
    """Scores (B, V) after the rules that do not depend on how the token is then drawn:
    the repetition penalty on tokens already in the context, and no end token before
    min_length tokens are written."""
    if seen is not None and sampling.repetition_penalty != 1:
        # CTRL (Keskar et al. 2019): divide a seen token's positive score, multiply a negative.
        penalized = torch.where(
            scores > 0, scores / sampling.repetition_penalty, scores * sampling.repetition_penalty
        )
        scores = torch.where(seen, penalized, scores)
    if stop is not None and written < sampling.min_length:
        scores = scores.clone()
        scores[:, stop] = float("-inf")
    return scores


def pick_next(scores: torch.Tensor, sampling: Sampling, generator: torch.Generator) -> torch.Tensor:
    """Next token ids (B,) from scores (B, V): the likeliest, or a draw after temperature,
    top-k and top-p."""
    if sampling.greedy:
        return scores.argmax(-1)
    scores = scores / sampling.temperature
    if sampling.top_k is not None and sampling.top_k < scores.shape[-1]:
        kth = torch.topk(scores, sampling.top_k).values[:, -1:]  # (B, 1)
        scores = scores.masked_fill(scores < kth, float("-inf"))
    probs = torch.softmax(scores, dim=-1)  # (B, V)
    if sampling.top_p is not None and sampling.top_p < 1:
        probs = _nucleus(probs, sampling.top_p)
    if not math.isfinite(probs.sum().item()):  # NaN or inf anywhere poisons the sum
        raise NonFiniteScores("the model's next-token scores are not finite (NaN or inf)")
    # argmax(p / E) with E ~ Exp(1) is an exact draw from p (the exponential race, a form of
    # Gumbel-max): two elementwise ops instead of multinomial's cumulative-sum search.
    # -log(U) is Exp(1); torch's uniform sampler is ~4x faster than exponential_.
    race = torch.rand(probs.shape, generator=generator, device=probs.device).log_().neg_()
    return (probs / race).argmax(-1)


def _nucleus(probs: torch.Tensor, top_p: float) -> torch.Tensor:
    """Keep the smallest set of likeliest tokens whose mass reaches top_p (Holtzman 2020)."""
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    mass_before = sorted_probs.cumsum(-1) - sorted_probs
    sorted_probs = sorted_probs.masked_fill(mass_before >= top_p, 0.0)
    return torch.zeros_like(probs).scatter(-1, order, sorted_probs)


class TokenPicker:
    """Pick each next token of a batch of sequences, remembering what each row has seen
    (for the repetition penalty) and how many tokens it has written (for min_length)."""

    def __init__(
        self,
        sampling: Sampling,
        generator: torch.Generator,
        *,
        stop: int | None = None,
        context: torch.Tensor | None = None,
    ):
        self.sampling, self.generator, self.stop = sampling, generator, stop
        self.context, self.written = context, 0
        self.seen: torch.Tensor | None = None  # (B, V), built at the first scores
        self.penalized = sampling.repetition_penalty != 1

    def __call__(self, scores: torch.Tensor) -> torch.Tensor:
        """Token ids (B,) for scores (B, V)."""
        if self.penalized and self.seen is None:
            self.seen = self._seen_in_context(scores)
        if self.penalized or self.written < self.sampling.min_length:
            scores = adjust_scores(
                scores, self.sampling, seen=self.seen, written=self.written, stop=self.stop
            )
        token = pick_next(scores, self.sampling, self.generator)
        if self.seen is not None:
            self.seen[torch.arange(len(token)), token] = True
        self.written += 1
        return token

    def _seen_in_context(self, scores: torch.Tensor) -> torch.Tensor:
        """(B, V) True for the tokens a row's context (a prime) already holds."""
        seen = torch.zeros_like(scores, dtype=torch.bool)
        if self.context is not None:
            seen[:, self.context] = True
        return seen
